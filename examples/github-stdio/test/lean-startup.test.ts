/**
 * A stdio server loads only what it uses. Starts the built `dist/main.js` (real mode, with
 * placeholder GitHub credentials: nothing is called) under an ESM loader hook that logs every
 * module URL Node loads, waits for its first `tools/list`, and checks the log: the HTTP stack
 * (express), the auth server's JWT library (jose), the DTO libraries (class-validator,
 * class-transformer), the test sandbox (oidc-provider), the PostgreSQL driver and the OAuth client
 * library (oauth4webapi) are never loaded.
 * The hook sees every ES module and every CommonJS package entered from ESM (how each of those
 * packages would be reached), so a missing line means the package was not loaded.
 *
 * reflect-metadata is loaded (the GitHub pack's decorators need it) but with `require`, never
 * through the ESM loader: Node runs its CommonJS export lexer over a CommonJS module an ES module
 * imports, which for reflect-metadata was the largest single cost of importing @alter/mcp.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'main.js');

const HOOKS = `
import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function load(url, context, next) { appendFileSync(log, url + '\\n'); return next(url, context); }
`;
const REGISTER = `
import { register } from 'node:module';
register(new URL('./hooks.mjs', import.meta.url), { data: { log: process.env.ALTER_TEST_LOAD_LOG } });
`;

/**
 * Packages a stdio server must not load at startup. oauth4webapi is the vault's OAuth client
 * library: loaded on the first Connect, refresh or revocation, never to list tools.
 */
const NEVER = ['express', 'jose', 'class-validator', 'class-transformer', 'oidc-provider', 'pg', 'oauth4webapi'];
const packageOf = (url: string): string | undefined => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*\/node_modules\/)/.exec(url)?.[1];

describe('examples/github-stdio at startup', () => {
  let dir: string;
  let loaded: string[];
  let toolNames: string[];

  beforeAll(async () => {
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run pnpm build first.`);
    dir = mkdtempSync(join(tmpdir(), 'github-stdio-lean-'));
    const log = join(dir, 'loaded.txt');
    writeFileSync(log, '');
    writeFileSync(join(dir, 'hooks.mjs'), HOOKS);
    writeFileSync(join(dir, 'register.mjs'), REGISTER);
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', pathToFileURL(join(dir, 'register.mjs')).href, entry],
      cwd: dir,
      stderr: 'pipe',
      env: {
        PATH: process.env.PATH ?? '',
        ALTER_TEST_LOAD_LOG: log,
        GITHUB_CLIENT_ID: 'placeholder-client-id',
        GITHUB_CLIENT_SECRET: 'placeholder-client-secret',
        ALTER_VAULT_KEY: randomBytes(32).toString('base64'),
        ALTER_CONNECT_PORT: '0',
      },
    });
    const client = new Client({ name: 'lean-startup-test', version: '1.0.0' });
    try {
      await client.connect(transport);
      toolNames = (await client.listTools()).tools.map((t) => t.name);
    } finally {
      await client.close();
    }
    loaded = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers tools/list (and the hook saw the modules it did load)', () => {
    expect(toolNames).toContain('list_repos');
    const packages = new Set(loaded.map(packageOf));
    // Positive controls: the log is real, so an absent package below is really absent.
    expect(packages).toContain('@modelcontextprotocol/sdk');
    expect([...packages].some((p) => p === 'zod')).toBe(true);
    expect(loaded.some((u) => u.includes('/packages/mcp/dist/') || u.includes('/@alter/mcp/'))).toBe(true);
  });

  it('loads reflect-metadata with require, not through the ESM loader (no CommonJS export lexer pass)', () => {
    // The tools were listed, so their decorator metadata was recorded: the polyfill was loaded.
    expect(toolNames.length).toBeGreaterThan(0);
    expect(loaded.filter((u) => packageOf(u) === 'reflect-metadata')).toEqual([]);
  });

  it.each(NEVER)('never loads %s', (name) => {
    expect(loaded.filter((u) => packageOf(u) === name)).toEqual([]);
  });
});
