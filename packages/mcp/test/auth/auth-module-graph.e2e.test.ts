/**
 * The auth server stands on its own: with only SDK v2 installed (`@modelcontextprotocol/sdk`
 * made unresolvable, exactly like an uninstalled package, by test/fixtures/module-graph hooks),
 * the BUILT `AlterAuthProvider` loads and serves its endpoints in a child process, and no module
 * of the v1 SDK — whose auth helpers SDK v2 moved to the deprecated server-legacy package — is
 * loaded. Run `pnpm build` first.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from '@jest/globals';

const mcpDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.join(mcpDir, 'test/fixtures/module-graph');
const dir = mkdtempSync(path.join(tmpdir(), 'alter-auth-graph-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('AlterAuthProvider without the v1 SDK', () => {
  it('loads and serves metadata, registration, authorize and the bearer check with only v2 installed, loading nothing of v1', async () => {
    const log = path.join(dir, 'auth.log');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', path.join(fixtures, 'register-hooks.mjs'), path.join(fixtures, 'auth-server-v2-only.mjs')],
      {
        cwd: mcpDir,
        env: {
          PATH: process.env.PATH ?? '',
          ALTER_GRAPH_BLOCK: JSON.stringify(['@modelcontextprotocol/sdk', '@modelcontextprotocol/server-legacy']),
          ALTER_GRAPH_LOG: log,
        },
        timeout: 60_000,
      },
    );
    expect(stdout.trim().split('\n')).toEqual([
      'OK metadata iss_supported=true',
      'OK register 201',
      'OK authorize 200',
      'OK bearer 401 challenge',
    ]);
    const urls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    expect(urls.filter((u) => u.includes('/node_modules/@modelcontextprotocol/sdk/') || u.includes('server-legacy'))).toEqual([]);
    expect(urls.some((u) => u.includes('/dist/auth/alter-auth-provider.js'))).toBe(true);
    expect(urls.some((u) => u.includes('/node_modules/@modelcontextprotocol/server/'))).toBe(true);
  }, 90_000);
});
