/**
 * A stdio server whose vault cannot open fails at STARTUP, with one line on stderr and exit status
 * 1, and lists no tools — instead of listing its tools and failing every call. The SDK's real
 * Client spawns the BUILT example server (examples/conformance-server/dist/stdio-server.js; run
 * `pnpm build` first) with:
 *   - an unreachable PostgreSQL URL (127.0.0.1:1),
 *   - a SQLite vault written with another encryption key,
 *   - another Node major than the one better-sqlite3 was built for (a real NODE_MODULE_VERSION
 *     mismatch: the server runs under Node 22 fetched by `npx -p node@22`, or Node 20 when the
 *     tests run on another Node; skipped with the reason when npx cannot fetch it).
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { AlterVault, silentLogger } from '@alter/vault';
import { createLeakCheck, providers } from '@alter/testing';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const serverJs = path.join(root, 'examples/conformance-server/dist/stdio-server.js');
const SANDBOX_URL = 'http://127.0.0.1:9'; // never contacted: the server stops before any tool runs

interface Outcome {
  readonly code: number | null;
  readonly stderr: string;
  /** What the SDK Client got: the tool names, or the error connecting. */
  readonly tools: string[] | undefined;
  readonly connectError: unknown;
}

/** Starts the server twice: once under the SDK Client (does it list tools?), once bare (exit status). */
async function startServer(node: string, env: Record<string, string>): Promise<Outcome> {
  const fullEnv = { PATH: process.env.PATH ?? '', ALTER_SANDBOX_URL: SANDBOX_URL, ...env };
  const transport = new StdioClientTransport({ command: node, args: [serverJs], env: fullEnv, stderr: 'pipe' });
  const client = new Client({ name: 'startup-e2e', version: '1.0.0' });
  let tools: string[] | undefined;
  let connectError: unknown;
  try {
    await client.connect(transport);
    tools = (await client.listTools()).tools.map((t) => t.name);
  } catch (err) {
    connectError = err;
  } finally {
    await client.close().catch(() => {});
  }

  const child = spawn(node, [serverJs], { env: fullEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  (child.stderr as Readable).on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => {
    // A server that does start waits on stdin; end it after a while so the test reports instead of hanging.
    const timer = setTimeout(() => child.stdin.end(), 60_000);
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  return { code, stderr, tools, connectError };
}

function alterLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('[alter] error:'));
}

describe('stdio server startup with a broken vault (spawned, built example server)', () => {
  let dir: string;
  const leak = createLeakCheck();

  beforeAll(() => {
    if (!existsSync(serverJs))
      throw new Error(
        `${path.relative(root, serverJs)} is missing: run \`pnpm build\` at the repository root first (this test runs the built output).`,
      );
    dir = mkdtempSync(path.join(tmpdir(), 'alter-startup-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exits 1 with one line naming the unreachable PostgreSQL, and lists no tools', async () => {
    const key = leak.secret(randomBytes(32).toString('base64'), 'encryption key');
    const out = await startServer(process.execPath, { ALTER_VAULT_DB: 'postgres://alter@127.0.0.1:1/alter', ALTER_VAULT_KEY: key });
    expect(out.tools).toBeUndefined();
    expect(out.connectError).toBeDefined();
    expect(out.code).toBe(1);
    const lines = alterLines(out.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/serveStdio: cannot start, the vault store cannot be opened \(ALTER_STORE\); no tools are served\./);
    expect(lines[0]).toContain('postgres://alter@127.0.0.1:1/alter');
    expect(lines[0]).toContain('ECONNREFUSED');
    expect(out.stderr).not.toMatch(/^\s+at /m); // no stack trace
    leak.inspect(out.stderr, 'server stderr');
    leak.assertClean();
  }, 120_000);

  it("exits 1 with one line naming the key ids when the key is not the vault's, and lists no tools", async () => {
    const db = path.join(dir, 'vault.db');
    const rightKey = leak.secret(randomBytes(32).toString('base64'), 'right key');
    const wrongKey = leak.secret(randomBytes(32).toString('base64'), 'wrong key');
    const vault = new AlterVault({
      caller: 'startup-e2e',
      store: db,
      encryptionKey: rightKey,
      providers: [providers.sandbox({ url: SANDBOX_URL }, { id: 'google' })],
      logger: silentLogger,
    });
    await vault.ready();
    const rightId = vault.keyId;
    await vault.close();

    const out = await startServer(process.execPath, { ALTER_VAULT_DB: db, ALTER_VAULT_KEY: wrongKey });
    expect(out.tools).toBeUndefined();
    expect(out.code).toBe(1);
    const lines = alterLines(out.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('the encryption key does not open this vault (ALTER_ENCRYPTION_KEY)');
    expect(lines[0]).toContain(`key id "${rightId}"`);
    expect(out.stderr).not.toMatch(/^\s+at /m);
    leak.inspect(out.stderr, 'server stderr');
    leak.assertClean();
  }, 120_000);

  it('exits 1 with one line naming the Node better-sqlite3 was built for and the rebuild command (real NODE_MODULE_VERSION mismatch)', async () => {
    const otherMajor = process.versions.node.startsWith('22.') ? 20 : 22;
    const otherNode = await nodeFromNpx(otherMajor);
    if (otherNode === undefined) {
      console.log(`ABI mismatch test skipped: \`npx -y -p node@${otherMajor}\` could not fetch Node ${otherMajor} from the npm registry.`);
      return;
    }
    const key = leak.secret(randomBytes(32).toString('base64'), 'encryption key');
    const out = await startServer(otherNode.execPath, { ALTER_VAULT_DB: path.join(dir, 'abi.db'), ALTER_VAULT_KEY: key });
    expect(out.tools).toBeUndefined();
    expect(out.code).toBe(1);
    const lines = alterLines(out.stderr);
    expect(lines).toHaveLength(1);
    const builtMajor = process.versions.node.split('.')[0];
    expect(lines[0]).toContain('the SQLite driver (better-sqlite3) cannot be loaded (ALTER_NATIVE_MODULE)');
    expect(lines[0]).toContain(`was built for Node ${builtMajor} (NODE_MODULE_VERSION ${process.versions.modules})`);
    expect(lines[0]).toContain(`this process runs Node ${otherNode.version} (NODE_MODULE_VERSION ${otherNode.abi})`);
    expect(lines[0]).toContain('`pnpm rebuild better-sqlite3`');
    expect(lines[0]).toContain(`or start the server with Node ${builtMajor}`);
    expect(out.stderr).not.toMatch(/^\s+at /m);
  }, 400_000);
});

/** A real Node binary of another major, from the npm registry (`npx -p node@N`); undefined when unavailable. */
async function nodeFromNpx(major: number): Promise<{ execPath: string; version: string; abi: string } | undefined> {
  try {
    const { stdout } = await promisify(execFile)(
      'npx',
      [
        '-y',
        '-p',
        `node@${major}`,
        'node',
        '-e',
        'process.stdout.write(JSON.stringify({ execPath: process.execPath, version: process.versions.node, abi: process.versions.modules }))',
      ],
      { cwd: tmpdir(), timeout: 300_000 },
    );
    const info = JSON.parse(stdout.trim().split('\n').pop()!) as { execPath: string; version: string; abi: string };
    return info.version.startsWith(`${major}.`) ? info : undefined;
  } catch {
    return undefined;
  }
}
