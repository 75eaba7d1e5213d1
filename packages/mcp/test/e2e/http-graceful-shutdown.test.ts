/**
 * serveHttp's `close()` (what SIGTERM runs with `handleSignals`) drains: it stops accepting, lets a
 * tool call in flight finish — its provider request completes and is audited with the provider's
 * status, the client gets the tool's result — and only then closes the sessions and the vault.
 * When the call outlasts `shutdownGraceMs`, the client gets a JSON-RPC error at once instead of
 * waiting for its own timeout. Idle, `close()` does not wait for the grace period.
 * Real parts: the sandbox's fake GitHub API on loopback (delayed with its latency fault), a SQLite
 * vault, serveHttp, the SDK's Client over Streamable HTTP.
 */
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type express from 'express';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type AlterContext, AlterMCP, AlterTool, type HttpServerHandle, type ServeHttpOptions, serveHttp } from '@alter/mcp';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';
import { SDK_GENERATIONS, type SdkKit } from '../support/sdk-generations.js';

const USER = 'alice';
const PROVIDER_LATENCY_MS = 1500;
const CLOSE_AFTER_MS = 300;

class SlowGithubTools {
  @AlterTool('github', { description: "Reads the user's GitHub profile (the provider answers slowly).", scopes: ['repo'] })
  async githubProfile(ctx: AlterContext): Promise<string> {
    const res = await ctx.request('GET', 'https://api.github.com/user');
    return `status ${res.status}, login ${res.json<{ login: string }>().login}`;
  }
}

let h: McpHarness;

beforeAll(async () => {
  h = await createMcpHarness({ providers: ['github'] });
  const session = await h.vault.connect.createSession({ user: USER, providers: { github: ['repo'] } });
  await h.sandbox.approve(session.url, { login: USER });
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => {
  h.sandbox.faults.reset();
  h.sandbox.stats.reset();
});

async function serve(alter: AlterMCP, options: ServeHttpOptions = {}, kit: SdkKit = SDK_GENERATIONS[0]!): Promise<HttpServerHandle> {
  const server = kit.mcpServer('drain');
  alter.register(server, [SlowGithubTools]);
  return serveHttp(server, { vault: h.vault, closeVault: false, logger: h.leak.logger, ...options });
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'drain-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

/** The audit rows of the profile reads, oldest first. */
async function profileReads(): Promise<Array<{ status: number | null; errorCode: string | null }>> {
  const rows = await h.vault.audit.query({ user: USER, limit: 100 });
  return rows
    .filter((r) => r.url.endsWith('/user'))
    .sort((a, b) => a.seq - b.seq)
    .map((r) => ({ status: r.status, errorCode: r.errorCode }));
}

/** One GET on a kept-alive `agent` connection: status, `Connection` header and body. */
function get(agent: Agent, url: string): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe.each(SDK_GENERATIONS.map((kit) => ({ sdk: kit.name, kit })))(
  'serveHttp (McpServer $sdk) close() with a tool call in flight',
  ({ kit }: { kit: SdkKit }) => {
    it('lets a tool call in flight finish: the provider request completes, is audited with 200, and the client gets the result', async () => {
      const alter = new AlterMCP(h.vault, { defaultUser: USER, logger: h.leak.logger });
      const handle = await serve(alter, {}, kit);
      const client = await connect(handle.url);
      const before = (await profileReads()).length;
      h.sandbox.faults.latency(PROVIDER_LATENCY_MS, 'api');
      const started = Date.now();
      const call = client.callTool({ name: 'github_profile', arguments: {} }, undefined, { timeout: 20_000 });
      await new Promise((r) => setTimeout(r, CLOSE_AFTER_MS));
      const closed = handle.close();

      const result = (await call) as { content: Array<{ text: string }>; isError?: boolean };
      expect(result.isError).toBeFalsy();
      expect(result.content[0]!.text).toBe('status 200, login alice');
      expect(Date.now() - started).toBeGreaterThanOrEqual(PROVIDER_LATENCY_MS);
      await closed;
      // The provider answered the request in full (2xx), and the audit row says so — not ALTER_REQUEST_ABORTED.
      expect(h.sandbox.stats.apiRequests.byRoute['GET /user']).toBe(1);
      expect(h.sandbox.stats.apiRequests.ok).toBe(1);
      expect((await profileReads()).slice(before)).toEqual([{ status: 200, errorCode: null }]);
      await client.close();
      await alter.close();
    });

    it('answers a call that outlasts shutdownGraceMs with a JSON-RPC error promptly, not at the client timeout', async () => {
      const alter = new AlterMCP(h.vault, { defaultUser: USER, logger: h.leak.logger });
      const handle = await serve(alter, { shutdownGraceMs: 200 }, kit);
      const client = await connect(handle.url);
      const before = (await profileReads()).length;
      h.sandbox.faults.latency(PROVIDER_LATENCY_MS, 'api');
      const started = Date.now();
      const call = client.callTool({ name: 'github_profile', arguments: {} }, undefined, { timeout: 20_000 }).then(
        (r) => ({ result: r }),
        (err: Error) => ({ error: err.message }),
      );
      await new Promise((r) => setTimeout(r, CLOSE_AFTER_MS));
      const closeStarted = Date.now();
      await handle.close();
      const outcome = await call;
      const answeredAfterMs = Date.now() - started;
      expect(outcome).toEqual({
        error: expect.stringMatching(/Server shutting down: the request did not finish within the shutdown grace period \(200 ms/),
      });
      // Answered around close + grace, well before the provider's answer would have come (and far from the 20 s timeout).
      expect(answeredAfterMs).toBeLessThan(PROVIDER_LATENCY_MS);
      expect(Date.now() - closeStarted).toBeGreaterThanOrEqual(200);
      // Past the grace period the call is aborted, as documented; wait until the sandbox has
      // answered the abandoned request too, so the next test's counters start clean.
      await new Promise((r) => setTimeout(r, PROVIDER_LATENCY_MS));
      expect((await profileReads()).slice(before)).toEqual([{ status: null, errorCode: 'ALTER_REQUEST_ABORTED' }]);
      await client.close().catch(() => {});
      await alter.close();
    });
  },
);

describe('serveHttp close() drains requests in flight', () => {
  it('waits for any route in flight and answers a new request on a kept-alive connection with 503 and Connection: close', async () => {
    const alter = new AlterMCP(h.vault, { defaultUser: USER, logger: h.leak.logger });
    const handle = await serve(alter);
    // The head goes out at once (as an SSE answer's does), the body after `ms`: a response under way when close() begins.
    const after =
      (ms: number): express.RequestHandler =>
      (_req, res) => {
        res.status(200).type('application/json');
        res.flushHeaders();
        setTimeout(() => res.end(JSON.stringify({ after: ms })), ms);
      };
    handle.app.get('/slow', after(600));
    handle.app.get('/slower', after(1200));
    // One socket: `next` goes on the connection `slow` kept alive (its headers were sent before close()).
    const keptAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    const other = new Agent();
    try {
      const slower = get(other, `${handle.baseUrl}/slower`);
      const slow = get(keptAlive, `${handle.baseUrl}/slow`);
      const next = get(keptAlive, `${handle.baseUrl}/slow`);
      await new Promise((r) => setTimeout(r, 100));
      const closed = handle.close();
      // Both requests in flight finish (any route is drained, not only MCP's).
      expect(await slow).toMatchObject({ status: 200, body: JSON.stringify({ after: 600 }) });
      // `slower` still drains when `next` arrives on the kept-alive connection: it is refused, and the connection closes.
      const refused = await next;
      expect(refused.status).toBe(503);
      expect(refused.connection).toBe('close');
      expect(JSON.parse(refused.body)).toMatchObject({
        jsonrpc: '2.0',
        error: { code: -32000, message: expect.stringContaining('server shutting down') },
        id: null,
      });
      expect(await slower).toMatchObject({ status: 200, body: JSON.stringify({ after: 1200 }) });
      await closed;
    } finally {
      keptAlive.destroy();
      other.destroy();
      await alter.close();
    }
  });

  it('does not wait for the grace period when nothing is in flight, even with a client connected (its SSE stream is not waited for)', async () => {
    const alter = new AlterMCP(h.vault, { defaultUser: USER, logger: h.leak.logger });
    const handle = await serve(alter, { shutdownGraceMs: 10_000 });
    const client = await connect(handle.url);
    await client.listTools();
    const started = Date.now();
    await handle.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    await client.close().catch(() => {});
    await alter.close();
  });

  it('refuses a shutdownGraceMs that is not an integer ≥ 0', async () => {
    const alter = new AlterMCP(h.vault, { defaultUser: USER, logger: h.leak.logger });
    for (const bad of [-1, 1.5, Number.NaN]) {
      await expect(serve(alter, { shutdownGraceMs: bad })).rejects.toMatchObject({ code: 'ALTER_INVALID_ARGUMENT' });
    }
    await alter.close();
  });
});
