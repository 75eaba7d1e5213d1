/**
 * Misused decorators get a message naming the real cause under TC39 standard decorators (the
 * TypeScript 5+ default; esbuild and tsx without `experimentalDecorators`). Each case is real
 * code compiled by esbuild with standard decorators and run by Node against the built
 * @alter/mcp; it prints the error each definition (or registration) throws.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Under the package so `@alter/mcp` resolves to its build, as in an application.
const outDir = path.join(packageDir, 'test/fixtures/decorator-standards/dist/misuse');
const requireHere = createRequire(path.join(packageDir, 'package.json'));

/** Each case defines (and for `register`, registers) a class and reports what was thrown. */
const source = `
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AlterMCP, AlterTool, Description } from '@alter/mcp';
import { AlterVault } from '@alter/vault';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

const cases = {
  instanceMethod: () => { class T { @AlterTool({ description: 'x' }) m(ctx) {} } return T; },
  staticMethod: () => { class T { @AlterTool({ description: 'x' }) static listAll(ctx) {} } return T; },
  privateMethod: () => { class T { @AlterTool({ description: 'x' }) #secret(ctx) {} } return T; },
  getter: () => { class T { @AlterTool({ description: 'x' }) get value() { return 1; } } return T; },
  field: () => { class T { @AlterTool({ description: 'x' }) handler = () => 1; } return T; },
  withoutArguments: () => { class T { @AlterTool search(ctx) {} } return T; },
  descriptionOnMethod: () => { class T { @Description('text') m() {} } return T; },
  // What TypeScript 5.0/5.1 pass: a standard context without metadata.
  contextWithoutMetadata: () =>
    AlterTool({ description: 'x' })(function m() {}, { kind: 'method', name: 'm', static: false, private: false, addInitializer() {}, access: {} }),
  registerWithoutInput: async () => {
    class T { @AlterTool({ description: 'x' }) lookup(ctx, input) { return input; } }
    const dir = mkdtempSync(path.join(tmpdir(), 'alter-misuse-'));
    const vault = new AlterVault({ caller: 'misuse', store: path.join(dir, 'vault.db'), encryptionKey: randomBytes(32).toString('base64'), providers: [] });
    try {
      new AlterMCP(vault, { defaultUser: 'alice' }).register(new McpServer({ name: 'm', version: '1' }), [T]);
    } finally {
      await vault.close();
    }
  },
  registerWithInput: async () => {
    class T { @AlterTool({ description: 'x', input: z.object({ q: z.string() }) }) lookup(ctx, input) { return input; } }
    const dir = mkdtempSync(path.join(tmpdir(), 'alter-misuse-'));
    const vault = new AlterVault({ caller: 'misuse', store: path.join(dir, 'vault.db'), encryptionKey: randomBytes(32).toString('base64'), providers: [] });
    try {
      return new AlterMCP(vault, { defaultUser: 'alice' }).register(new McpServer({ name: 'm', version: '1' }), [T]);
    } finally {
      await vault.close();
    }
  },
};
const out = {};
for (const [name, run] of Object.entries(cases)) {
  try {
    await run();
    out[name] = { ok: true };
  } catch (err) {
    out[name] = { ok: false, name: err?.name, code: err?.code, message: String(err?.message) };
  }
}
console.log(JSON.stringify(out));
`;

type Outcome = { ok: true } | { ok: false; name: string; code?: string; message: string };
let outcomes: Record<string, Outcome>;

beforeAll(() => {
  if (!existsSync(path.join(packageDir, 'dist/index.js'))) throw new Error('packages/mcp/dist is missing: run `pnpm build` first.');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const esbuild = requireHere('esbuild') as typeof import('esbuild');
  // Standard decorators: no experimentalDecorators (esbuild's default, like tsx's and TypeScript 5's).
  const { code } = esbuild.transformSync(source, {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    tsconfigRaw: { compilerOptions: { experimentalDecorators: false } },
  });
  const file = path.join(outDir, 'cases.mjs');
  writeFileSync(file, code);
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`the cases did not run (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  outcomes = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, Outcome>;
}, 150_000);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

function failure(name: string): { name: string; code?: string; message: string } {
  const o = outcomes[name];
  if (!o || o.ok) throw new Error(`${name}: expected an error, got ${JSON.stringify(o)}`);
  return o;
}

describe('standard decorators: misuse names the real cause', () => {
  it('accepts an instance method (it used to be refused as "a static method")', () => {
    expect(outcomes.instanceMethod).toEqual({ ok: true });
    expect(outcomes.registerWithInput).toEqual({ ok: true });
  });

  it('refuses a static method, naming it', () => {
    expect(failure('staticMethod')).toMatchObject({ name: 'ToolDefinitionError', code: 'ALTER_MCP_TOOL_DEFINITION' });
    expect(failure('staticMethod').message).toMatch(/@AlterTool on listAll: is a static method; tools must be instance methods/);
  });

  it('refuses a #private method: the registry could not call it', () => {
    expect(failure('privateMethod').message).toMatch(/@AlterTool on #secret: is a private \(#\) method; the registry cannot call it/);
  });

  it('refuses getters and fields as "not a method", not as static', () => {
    expect(failure('getter').message).toMatch(/@AlterTool on value: is a getter; only methods can be tools/);
    expect(failure('field').message).toMatch(/@AlterTool on handler: is a field; only methods can be tools/);
    expect(failure('getter').message).not.toMatch(/static/);
  });

  it('says when @AlterTool is used without its arguments', () => {
    expect(failure('withoutArguments').message).toMatch(/@AlterTool on search: @AlterTool is used without its arguments/);
  });

  it('says when the compiler passes no context.metadata (TypeScript 5.0/5.1), and what to use instead', () => {
    const { message } = failure('contextWithoutMetadata');
    expect(message).toMatch(/ran @AlterTool as a standard \(TC39\) decorator but passed no context\.metadata/);
    expect(message).toMatch(/TypeScript ≥ 5\.2/);
    expect(message).toMatch(/experimentalDecorators/);
  });

  it('refuses @Description on a method', () => {
    expect(failure('descriptionOnMethod')).toMatchObject({ name: 'TypeError' });
    expect(failure('descriptionOnMethod').message).toMatch(/@Description documents a DTO property, but this is a method/);
  });

  it('at registration, a parameter without `input` says that standard decorators carry no parameter types', () => {
    const { message, code } = failure('registerWithoutInput');
    expect(code).toBe('ALTER_MCP_TOOL_REGISTRATION');
    expect(message).toMatch(/T\.lookup: its input schema cannot be found: there is no `input` option, and standard \(TC39\) decorators/);
    expect(message).toMatch(/Pass the schema explicitly/);
  });
});
