/**
 * Scale-out: three real server processes (the BUILT examples/conformance-server/dist/scale-out-server.js,
 * each `serveHttp` on 127.0.0.1:0) share one PostgreSQL vault (own schema) behind a round-robin
 * HTTP proxy on 127.0.0.1 (support/round-robin-proxy.ts: session affinity by Mcp-Session-Id, as the
 * 2025-11-25 protocol needs; everything else in turn). A client on process P0 calls a tool and gets
 * -32042 with a Connect link on the proxy; the browser's Connect requests are spread over the
 * processes and the provider callback lands on another process; the client's waiting
 * URL-elicitation completion notification still arrives (P0 hears of the completion through
 * PostgreSQL LISTEN/NOTIFY), and a client on the third process then calls the tool successfully.
 * Real parts: the sandbox OAuth server, PostgreSQL, the SDK v1 Client over Streamable HTTP.
 * A second test sends stateless 2026-07-28 requests (SDK v2 Client pinned to that revision) through
 * the same proxy: with no session to stick to, they are spread over all three processes, and every
 * one is served from the shared vault. Skipped, with the reason printed, when ALTER_TEST_PG_URL is unset.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitationCompleteNotificationSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { createLeakCheck, providers, type Sandbox, startSandbox } from '@alter/testing';
import { AlterVault } from '@alter/vault';
import { type RoundRobinProxy, startRoundRobinProxy } from '../support/round-robin-proxy.js';

type Result = { content: Array<{ type: string; text?: string }>; isError?: boolean };

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const serverJs = path.join(root, 'examples/conformance-server/dist/scale-out-server.js');
const PG_URL = process.env.ALTER_TEST_PG_URL?.trim();
const describePg = PG_URL ? describe : describe.skip;
if (!PG_URL) console.log('Scale-out test skipped: set ALTER_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run it.');

interface ServerProcess {
  readonly child: ChildProcess;
  readonly origin: string;
  readonly mcpUrl: string;
  output(): string;
}

/** Spawns one server process and resolves once it prints the URL it serves. */
function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [serverJs], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise<ServerProcess>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /ALTER_LISTENING=(\S+)/.exec(output);
      if (m) resolve({ child, origin: new URL(m[1]!).origin, mcpUrl: m[1]!, output: () => output });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`scale-out server exited with ${code} before listening:\n${output}`)));
  });
}

async function connectClient(url: string, urlElicitation: boolean): Promise<Client> {
  const client = new Client(
    { name: 'scale-out-e2e', version: '1.0.0' },
    { capabilities: urlElicitation ? { elicitation: { url: {} } } : {} },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

/**
 * One deployment (three server processes, the proxy, the sandbox, a schema of their own) per
 * scenario: both act as alice, and a grant one scenario connects stays in the processes' token
 * caches, so sharing processes made the Connect scenario fail whenever it ran second (jest
 * --randomize, seed 2025051771).
 */
type Scenario = 'connect across processes' | 'stateless requests';

function scaleOut(scenario: Scenario): () => void {
  return () => {
    const schema = `alter_scale_test_${randomBytes(6).toString('hex')}`;
    const storeUrl = `${PG_URL}${PG_URL?.includes('?') ? '&' : '?'}schema=${schema}`;
    const leak = createLeakCheck();
    const key = leak.secret(randomBytes(32).toString('base64'), 'encryption key');
    let sandbox: Sandbox;
    let proxy: RoundRobinProxy;
    const servers: ServerProcess[] = [];

    /** Opens alice's grants in the shared vault and registers their tokens with the leak check; returns how many. */
    async function registerVaultTokens(): Promise<number> {
      const reader = new AlterVault({
        caller: 'scale-out-reader',
        store: storeUrl,
        encryptionKey: key,
        providers: [providers.sandbox({ url: sandbox.url }, { id: 'google' })],
        logger: leak.logger,
      });
      try {
        await reader.ready();
        const grants = await reader.store.listGrants({ user: 'alice' });
        for (const g of grants) {
          leak.secret(reader.openSecret(g.accessToken), 'access token');
          if (g.refreshToken) leak.secret(reader.openSecret(g.refreshToken), 'refresh token');
        }
        return grants.length;
      } finally {
        await reader.close();
      }
    }

    beforeAll(async () => {
      if (!existsSync(serverJs))
        throw new Error(
          `${path.relative(root, serverJs)} is missing: run \`pnpm build\` at the repository root first (this test runs the built output).`,
        );
      sandbox = await startSandbox();
      proxy = await startRoundRobinProxy();
      sandbox.registerRedirectUri(`${proxy.url}/connect/callback`);
      const env = {
        ALTER_VAULT_STORE: storeUrl,
        ALTER_VAULT_KEY: key,
        ALTER_SANDBOX_URL: sandbox.url,
        ALTER_PUBLIC_URL: proxy.url,
        ALTER_DEFAULT_USER: 'alice',
      };
      // One after another: the first creates the schema (the others would wait on its migration lock anyway).
      for (let i = 0; i < 3; i++) servers.push(await startServer(env));
      proxy.setBackends(servers.map((s) => s.origin));
    }, 120_000);

    afterAll(async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              if (s.child.exitCode !== null) return resolve();
              s.child.once('exit', () => resolve());
              s.child.kill('SIGTERM');
            }),
        ),
      );
      await proxy?.close();
      await sandbox?.close();
      if (PG_URL) execFileSync('psql', [PG_URL, '-q', '-c', `DROP SCHEMA IF EXISTS "${schema}" CASCADE`], { stdio: 'ignore' });
    });

    if (scenario === 'connect across processes')
      it('Connect started on one process, approved through another; the completion reaches the waiting client and a call on the third succeeds', async () => {
        // P0: a client declaring URL-mode elicitation.
        const firstRequest = proxy.served.length;
        const waiting = await connectClient(`${proxy.url}/mcp`, true);
        const creator = proxy.served[firstRequest]!.backend;
        // P1: a client without URL mode (gets the Connect link as text).
        const plain = await connectClient(`${proxy.url}/mcp`, false);
        const clients = [waiting, plain];
        try {
          let completed: (id: string) => void = () => {};
          const completion = new Promise<string>((resolve) => (completed = resolve));
          waiting.setNotificationHandler(ElicitationCompleteNotificationSchema, (n) => completed(n.params.elicitationId));

          const err = (await waiting.callTool({ name: 'list_emails', arguments: {} }).catch((e: unknown) => e)) as McpError;
          expect(err).toBeInstanceOf(McpError);
          expect(err.code).toBe(-32042);
          const elicitation = (err.data as { elicitations: Array<{ url: string; elicitationId: string }> }).elicitations[0]!;
          expect(elicitation.url.startsWith(`${proxy.url}/connect/`)).toBe(true);

          const fallback = (await plain.callTool({ name: 'list_emails', arguments: {} })) as Result;
          expect(fallback.isError).toBe(true);
          expect(fallback.content[0]!.text).toContain(`${proxy.url}/connect/`);

          // The browser goes through the proxy: its requests are spread over the processes.
          const before = proxy.served.length;
          const page = await sandbox.approve(elicitation.url, { login: 'alice' });
          expect(page.status).toBe(200);
          const browser = proxy.served.slice(before);
          const callback = browser.find((r) => r.path.startsWith('/connect/callback'));
          expect(callback).toBeDefined();
          expect(callback!.backend).not.toBe(creator);
          expect(new Set(browser.map((r) => r.backend)).size).toBeGreaterThan(1);

          // The call waiting on the creator process learns of the completion handled elsewhere.
          expect(await completion).toBe(elicitation.elicitationId);
          // …through PostgreSQL: the waiting process LISTENs on its schema's channel (the vault's
          // channel name: alter_signals_ + 24 hex digits of the schema's SHA-256).
          const channel = `alter_signals_${createHash('sha256').update(schema).digest('hex').slice(0, 24)}`;
          const listening = execFileSync(
            'psql',
            [PG_URL!, '-At', '-c', `SELECT count(*) FROM pg_stat_activity WHERE query = 'LISTEN "${channel}"'`],
            { encoding: 'utf8' },
          );
          expect(Number(listening.trim())).toBeGreaterThanOrEqual(1);

          // A new client lands on the third process, which neither created nor completed the session.
          const third = await connectClient(`${proxy.url}/mcp`, false);
          clients.push(third);
          const retryAt = proxy.served.length;
          const ok = (await third.callTool({ name: 'list_emails', arguments: {} })) as Result;
          expect(ok.isError).toBeFalsy();
          const retried = proxy.served.slice(retryAt).find((r) => r.method === 'POST')!.backend;
          expect(new Set([creator, callback!.backend, retried]).size).toBe(3);

          // The client that waited retries on its own process and succeeds too.
          const again = (await waiting.callTool({ name: 'list_emails', arguments: {} })) as Result;
          expect(again.isError).toBeFalsy();
          leak.inspect([err.message, err.data, fallback, ok, again], 'tool results');
        } finally {
          for (const c of clients) await c.close();
        }
        // Every token the shared vault holds must appear nowhere: not in results, not in any process's output.
        expect(await registerVaultTokens()).toBe(1);
        for (const [i, s] of servers.entries()) leak.inspect(s.output(), `server process ${i} output`);
        leak.assertClean();
      }, 120_000);

    if (scenario === 'stateless requests')
      it('serves stateless 2026-07-28 requests from any process: spread over all three, each answered from the shared vault', async () => {
        const modern = new ModernClient(
          { name: 'scale-out-2026', version: '1.0.0' },
          { capabilities: {}, versionNegotiation: { mode: { pin: '2026-07-28' } } },
        );
        await modern.connect(new ModernTransport(new URL(`${proxy.url}/mcp`)));
        try {
          // Alone (or first), alice has no grant yet: the Connect link comes back as text; approve it through the proxy.
          const first = (await modern.callTool({ name: 'list_emails', arguments: {} })) as Result;
          if (first.isError) {
            const link = /(http:\/\/127\.0\.0\.1:\d+\/connect\/[A-Za-z0-9_-]+)/.exec(first.content[0]!.text!)![1]!;
            expect((await sandbox.approve(link, { login: 'alice' })).status).toBe(200);
          }
          const from = proxy.served.length;
          const results: Result[] = [];
          for (let i = 0; i < 9; i++) results.push((await modern.callTool({ name: 'list_emails', arguments: {} })) as Result);
          for (const r of results) expect(r.isError).toBeFalsy();
          const posts = proxy.served.slice(from).filter((r) => r.method === 'POST');
          // No session id: nothing is sticky, and the requests reached every process.
          expect(posts.every((r) => !r.sticky)).toBe(true);
          expect(new Set(posts.map((r) => r.backend)).size).toBe(3);
          // Every token the shared vault holds is registered with the leak check before inspecting.
          await registerVaultTokens();
          leak.inspect([first, results], 'stateless tool results');
        } finally {
          await modern.close();
        }
        for (const [i, s] of servers.entries()) leak.inspect(s.output(), `server process ${i} output`);
        leak.assertClean();
      }, 120_000);
  };
}

for (const scenario of ['connect across processes', 'stateless requests'] as const) {
  describePg(
    `three server processes behind a round-robin proxy share one PostgreSQL vault (${scenario})${PG_URL ? '' : ' — skipped: set ALTER_TEST_PG_URL'}`,
    scaleOut(scenario),
  );
}
