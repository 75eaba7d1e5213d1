/**
 * serveHttp with one MCP SDK generation installed: a child process runs the BUILT package (run
 * `pnpm build` first) under module-resolution hooks (test/fixtures/module-graph/) that make the
 * other generation's packages unresolvable, exactly like an uninstalled package, and log every
 * module URL resolved. The child imports the public entries (`@alter/mcp`, `/http`, `/auth`),
 * serves an echo tool with serveHttp and calls it with that generation's real Client over
 * Streamable HTTP. An app that installs only SDK v2 must never need SDK v1 to serve HTTP.
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
const dir = mkdtempSync(path.join(tmpdir(), 'alter-http-graph-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const V1 = ['@modelcontextprotocol/sdk'];
const V2 = ['@modelcontextprotocol/server', '@modelcontextprotocol/client', '@modelcontextprotocol/core'];

interface ChildOutput {
  ok: boolean;
  authProvider: string;
  session?: string;
  sessionId?: string;
  stateless?: string;
  statelessVersion?: string;
  error?: { name: string; code: string; message: string };
}

/** Runs the child serving a `generation` server with `blocked` unresolvable; its output and every module URL it resolved. */
async function serveWith(
  generation: 'v1' | 'v2',
  blocked: readonly string[],
  label: string,
): Promise<{ out: ChildOutput; urls: string[] }> {
  for (const built of ['dist/entries/http.js', '../vault/dist/index.js']) {
    if (!existsSync(path.join(mcpDir, built)))
      throw new Error(`packages/mcp/${built} is missing: run \`pnpm build\` at the repository root first.`);
  }
  const log = path.join(dir, `${label}.log`);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', path.join(fixtures, 'register-hooks.mjs'), path.join(fixtures, 'serve-http-one-generation.mjs'), generation],
    {
      cwd: mcpDir,
      env: { PATH: process.env.PATH ?? '', ALTER_GRAPH_BLOCK: JSON.stringify(blocked), ALTER_GRAPH_LOG: log },
      timeout: 90_000,
    },
  );
  const line = stdout.split('\n').find((l) => l.startsWith('{'));
  if (line === undefined) throw new Error(`the child printed no result:\n${stdout}`);
  return { out: JSON.parse(line) as ChildOutput, urls: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

const fromPackage = (urls: readonly string[], pkg: string) => urls.filter((u) => u.includes(`/node_modules/${pkg}/`));

describe('serveHttp with one SDK generation installed', () => {
  it('with only v2: serves a v2 server to a 2025-11-25 session and a 2026-07-28 client, loading nothing of v1', async () => {
    const { out, urls } = await serveWith('v2', V1, 'v2-only');
    expect(out).toEqual({
      ok: true,
      authProvider: 'function',
      session: 'echo: session',
      sessionId: 'string',
      stateless: 'echo: stateless',
      statelessVersion: '2026-07-28',
    });
    expect(fromPackage(urls, '@modelcontextprotocol/server').length).toBeGreaterThan(0);
    expect(fromPackage(urls, '@modelcontextprotocol/sdk')).toEqual([]);
  }, 120_000);

  it('with only v1: serves a v1 server to a session, loading nothing of v2', async () => {
    const { out, urls } = await serveWith('v1', V2, 'v1-only');
    expect(out).toEqual({ ok: true, authProvider: 'function', session: 'echo: session' });
    expect(fromPackage(urls, '@modelcontextprotocol/sdk').length).toBeGreaterThan(0);
    for (const pkg of V2) expect([pkg, fromPackage(urls, pkg)]).toEqual([pkg, []]);
  }, 120_000);

  it("a v1 server whose SDK's HTTP transport cannot be resolved fails the start with DependencyMissingError and the install command", async () => {
    // As in a bundle that left the transport out: the v1 server itself loads, its transport does not.
    const { out } = await serveWith('v1', ['@modelcontextprotocol/sdk/server/streamableHttp.js', ...V2], 'v1-no-transport');
    expect(out.ok).toBe(false);
    expect(out.error?.name).toBe('DependencyMissingError');
    expect(out.error?.code).toBe('ALTER_DEPENDENCY_MISSING');
    expect(out.error?.message).toContain('serveHttp of an SDK v1 server');
    expect(out.error?.message).toContain('npm install @modelcontextprotocol/sdk');
    expect(out.error?.message).toContain('optional peer dependency of @alter/mcp');
  }, 120_000);
});
