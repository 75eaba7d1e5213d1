/**
 * Builds without decorator metadata (esbuild, tsx, swc without decoratorMetadata): the fixture is
 * compiled at test time by swc with `decoratorMetadata: false`, then loaded and registered.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { transformSync } from '@swc/core';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AlterMCP, ToolRegistrationError } from '@alter/mcp';
import { DESIGN_PARAMTYPES } from '../../src/metadata-keys.js';
import type { AlterVault } from '@alter/vault';
import { silentLogger } from '@alter/vault';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(path.join(here, '..', 'fixtures', '.no-metadata-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function compileWithoutMetadata(): Promise<Record<string, new () => object>> {
  const source = readFileSync(path.join(here, '..', 'fixtures', 'no-metadata.tools.ts'), 'utf8');
  const out = transformSync(source, {
    filename: 'no-metadata.tools.ts',
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: false },
      target: 'es2022',
    },
    module: { type: 'es6' },
  });
  expect(out.code).not.toContain('_ts_metadata(');
  // Jest maps '@alter/mcp' and 'zod' for files it loads, so the compiled file imports the same copies.
  const file = path.join(dir, 'no-metadata.tools.compiled.ts');
  writeFileSync(file, out.code);
  return (await import(file)) as Record<string, new () => object>;
}

const vault = {
  providerIds: [],
  request: async () => undefined,
  withAuditContext: (_c: unknown, fn: () => unknown) => fn(),
} as unknown as AlterVault;

describe('a build without decorator metadata', () => {
  it('works with explicit input and fails at startup, saying exactly why, without it', async () => {
    const mod = await compileWithoutMetadata();
    const { ExplicitTools, ImplicitTools } = mod as { ExplicitTools: new () => object; ImplicitTools: new () => object };
    expect(Reflect.getMetadata(DESIGN_PARAMTYPES.key, ExplicitTools.prototype, 'search')).toBeUndefined();

    const server = new McpServer({ name: 't', version: '1' });
    const names = new AlterMCP(vault, { logger: silentLogger }).register(server, [ExplicitTools]);
    expect([...names].sort()).toEqual(['ping', 'search']);

    let err: unknown;
    try {
      new AlterMCP(vault, { logger: silentLogger }).register(new McpServer({ name: 't', version: '1' }), [ImplicitTools]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ToolRegistrationError);
    expect((err as Error).message).toContain(
      'ImplicitTools.search: its input schema cannot be found: there is no `input` option and no decorator metadata (design:paramtypes)',
    );
    expect((err as Error).message).toContain('esbuild, tsx');
  });
});
