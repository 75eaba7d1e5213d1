/**
 * With only one MCP SDK generation resolvable, @alter/mcp loads nothing of the other: a child
 * process runs the BUILT package (run `pnpm build` first) under module-resolution hooks
 * (test/fixtures/module-graph/) that make the other generation's packages unresolvable, exactly
 * like an uninstalled package, and log every module URL resolved. The child registers a tool on
 * the remaining generation's McpServer and calls it with that generation's real Client.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from '@jest/globals';

const mcpDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.join(mcpDir, 'test/fixtures/module-graph');
const dir = mkdtempSync(path.join(tmpdir(), 'alter-graph-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const V1 = ['@modelcontextprotocol/sdk'];
const V2 = ['@modelcontextprotocol/server', '@modelcontextprotocol/client', '@modelcontextprotocol/core'];

async function runWithOnly(generation: 'v1' | 'v2'): Promise<{ stdout: string; urls: string[] }> {
  for (const built of ['dist/alter-mcp.js', '../vault/dist/index.js']) {
    if (!existsSync(path.join(mcpDir, built)))
      throw new Error(`packages/mcp/${built} is missing: run \`pnpm build\` at the repository root first.`);
  }
  const log = path.join(dir, `${generation}.log`);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', path.join(fixtures, 'register-hooks.mjs'), path.join(fixtures, 'one-generation.mjs'), generation],
    {
      cwd: mcpDir,
      env: { PATH: process.env.PATH ?? '', ALTER_GRAPH_BLOCK: JSON.stringify(generation === 'v1' ? V2 : V1), ALTER_GRAPH_LOG: log },
      timeout: 60_000,
    },
  );
  return { stdout, urls: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

const fromPackage = (urls: readonly string[], pkg: string) => urls.filter((u) => u.includes(`/node_modules/${pkg}/`));

describe('loading @alter/mcp with one SDK generation installed', () => {
  it('with only v1 (@modelcontextprotocol/sdk), the public entry loads and serves, and nothing of v2 is loaded', async () => {
    const { stdout, urls } = await runWithOnly('v1');
    expect(stdout).toContain('OK echo: hi');
    expect(fromPackage(urls, '@modelcontextprotocol/sdk').length).toBeGreaterThan(0);
    for (const pkg of V2) expect([pkg, fromPackage(urls, pkg)]).toEqual([pkg, []]);
  });

  it('with only v2 (@modelcontextprotocol/server), the registry loads and serves, and nothing of v1 is loaded', async () => {
    const { stdout, urls } = await runWithOnly('v2');
    expect(stdout).toContain('OK echo: hi');
    expect(fromPackage(urls, '@modelcontextprotocol/server').length).toBeGreaterThan(0);
    expect(fromPackage(urls, '@modelcontextprotocol/sdk')).toEqual([]);
  });
});
