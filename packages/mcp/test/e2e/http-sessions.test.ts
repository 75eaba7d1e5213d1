/**
 * serveHttp with ONE McpServer, built exactly as in the README, serving many clients: one after
 * another (without DELETE), many at once, with per-session protocol state (client capabilities,
 * logging level) kept apart; idle sessions expire; the session bound evicts idle sessions and
 * answers 503 when every session is busy; requests without a session get a JSON-RPC 400.
 * Real parts: the sandbox + SQLite vault (harness), the SDK's Client over StreamableHTTPClientTransport.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ElicitRequestSchema, ListPromptsRequestSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { AlterMCP, AlterTool, type AlterContext, type HttpServerHandle, serveHttp } from '@alter/mcp';
import { CalendarTools } from '../fixtures/example.tools.js';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';

type Result = { content: Array<{ type: string; text?: string }>; isError?: boolean };

class SessionTools {
  @AlterTool({ description: 'Returns the user the call runs as.' })
  whoami(ctx: AlterContext): string {
    return ctx.user;
  }

  @AlterTool({ description: 'Asks the user for a colour (form elicitation).' })
  async askColour(ctx: AlterContext): Promise<string> {
    try {
      const answer = await ctx.elicitInput({
        message: 'Colour?',
        requestedSchema: { type: 'object', properties: { colour: { type: 'string' } } },
      });
      return `answer:${JSON.stringify((answer as { content?: unknown }).content)}`;
    } catch (err) {
      return `refused:${(err as Error).message}`;
    }
  }

  @AlterTool({ description: 'Logs one info line to the client.' })
  async logInfo(ctx: AlterContext): Promise<string> {
    await ctx.log.info('info line');
    return 'logged';
  }
}

let h: McpHarness;

beforeAll(async () => {
  h = await createMcpHarness();
});
afterAll(async () => {
  await h?.close();
});

/** The README's snippet: one McpServer, AlterMCP tools, plus a tool registered with the SDK directly. */
async function readmeServer(options: Parameters<typeof serveHttp>[1] = {}): Promise<HttpServerHandle> {
  const server = new McpServer({ name: 'calendar', version: '1.0.0' }, { capabilities: { logging: {} } });
  new AlterMCP(h.vault, { defaultUser: 'me', logger: h.leak.logger }).register(server, [CalendarTools, SessionTools]);
  server.registerTool('sdk_echo', { description: 'A tool registered with the SDK directly.' }, async () => ({
    content: [{ type: 'text', text: 'sdk-echo' }],
  }));
  return serveHttp(server, { port: 0, closeVault: false, logger: h.leak.logger, ...options });
}

async function connect(
  url: string,
  capabilities: Record<string, unknown> = {},
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'sessions-e2e', version: '1.0.0' }, { capabilities });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  return { client, transport };
}

async function rawPost(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: { error?: { message: string }; id?: unknown } | undefined; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let json: { error?: { message: string } } | undefined;
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, headers: res.headers };
}

/** Polls until `check` is true (bounded: no wall-clock assertion, just a generous number of tries). */
async function eventually(check: () => Promise<boolean>, tries = 400, intervalMs = 25): Promise<boolean> {
  for (let i = 0; i < tries; i += 1) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return false;
}

const TOOLS_LIST = { jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} };

describe('serveHttp(server) with one McpServer, as in the README', () => {
  it('a client connects, calls, disconnects without DELETE; 50 more clients then connect', async () => {
    const handle = await readmeServer();
    try {
      const first = await connect(handle.url);
      expect((await first.client.callTool({ name: 'whoami', arguments: {} })) as Result).toEqual({
        content: [{ type: 'text', text: 'me' }],
      });
      await first.client.close(); // no DELETE: the transport just goes away
      for (let i = 0; i < 50; i += 1) {
        const c = await connect(handle.url);
        const names = (await c.client.listTools()).tools.map((t) => t.name);
        expect(names).toEqual(expect.arrayContaining(['list_events', 'whoami', 'sdk_echo']));
        expect((await c.client.callTool({ name: 'sdk_echo', arguments: {} })) as Result).toEqual({
          content: [{ type: 'text', text: 'sdk-echo' }],
        });
        await c.client.close();
      }
    } finally {
      await handle.close();
    }
  }, 120_000);

  it('serves 20 clients at once, each with its own session', async () => {
    const handle = await readmeServer();
    try {
      const clients = await Promise.all(Array.from({ length: 20 }, () => connect(handle.url)));
      expect(new Set(clients.map((c) => c.transport.sessionId)).size).toBe(20);
      const results = await Promise.all(clients.map((c) => c.client.callTool({ name: 'whoami', arguments: {} })));
      for (const r of results) expect(r as Result).toEqual({ content: [{ type: 'text', text: 'me' }] });
      await Promise.all(clients.map((c) => c.client.close()));
    } finally {
      await handle.close();
    }
  }, 120_000);

  it("keeps each client's declared capabilities and logging level to its own session", async () => {
    const handle = await readmeServer();
    try {
      const withElicitation = await connect(handle.url, { elicitation: { form: {} } });
      withElicitation.client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { colour: 'teal' } }));
      const without = await connect(handle.url);
      const [a, b] = await Promise.all([
        withElicitation.client.callTool({ name: 'ask_colour', arguments: {} }),
        without.client.callTool({ name: 'ask_colour', arguments: {} }),
      ]);
      expect((a as Result).content[0]!.text).toBe('answer:{"colour":"teal"}');
      expect((b as Result).content[0]!.text).toMatch(/^refused:/);

      // A asks for errors only; B keeps the default. An info line reaches B, not A.
      const seen = { a: 0, b: 0 };
      withElicitation.client.setNotificationHandler(LoggingMessageNotificationSchema, () => {
        seen.a += 1;
      });
      without.client.setNotificationHandler(LoggingMessageNotificationSchema, () => {
        seen.b += 1;
      });
      await withElicitation.client.setLoggingLevel('error');
      await withElicitation.client.callTool({ name: 'log_info', arguments: {} });
      await without.client.callTool({ name: 'log_info', arguments: {} });
      expect(await eventually(async () => seen.b > 0)).toBe(true);
      expect(seen.a).toBe(0);
      await Promise.all([withElicitation.client.close(), without.client.close()]);
    } finally {
      await handle.close();
    }
  }, 60_000);

  it('closes a session that stays idle past sessionIdleTimeoutMs; its id then gets 404', async () => {
    const handle = await readmeServer({ sessionIdleTimeoutMs: 100 });
    try {
      const c = await connect(handle.url);
      await c.client.callTool({ name: 'whoami', arguments: {} });
      const sid = c.transport.sessionId!;
      await c.client.close(); // without DELETE
      const headers = { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
      // Each probe is a request of the session (it refreshes it): probe less often than the timeout.
      expect(await eventually(async () => (await rawPost(handle.url, TOOLS_LIST, headers)).status === 404, 100, 400)).toBe(true);
      const after = await rawPost(handle.url, TOOLS_LIST, headers);
      expect(after.json?.error?.message).toMatch(/initialize a new session/);
      // New clients are served as before.
      const next = await connect(handle.url);
      expect((await next.client.listTools()).tools.length).toBeGreaterThan(0);
      await next.client.close();
    } finally {
      await handle.close();
    }
  }, 60_000);

  it('at maxSessions evicts the least-recently-used idle session, and answers 503 when all are busy', async () => {
    const handle = await readmeServer({ maxSessions: 2 });
    try {
      const a = await connect(handle.url);
      const b = await connect(handle.url);
      // Both keep their SSE stream open (a request in flight): no session may be evicted.
      const refused = await rawPost(handle.url, {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } },
      });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(refused.json?.error?.message).toMatch(/maxSessions/);

      const sidA = a.transport.sessionId!;
      await a.client.close(); // A goes idle (its stream closes), without DELETE
      let c: Awaited<ReturnType<typeof connect>> | undefined;
      expect(
        await eventually(async () => {
          try {
            c = await connect(handle.url);
            return true;
          } catch {
            return false;
          }
        }),
      ).toBe(true);
      expect((await c!.client.callTool({ name: 'whoami', arguments: {} })) as Result).toEqual({ content: [{ type: 'text', text: 'me' }] });
      // A was the idle one: evicted. B, busy, still works.
      expect((await rawPost(handle.url, TOOLS_LIST, { 'mcp-session-id': sidA, 'mcp-protocol-version': '2025-11-25' })).status).toBe(404);
      expect((await b.client.listTools()).tools.length).toBeGreaterThan(0);
      await Promise.all([b.client.close(), c!.client.close()]);
    } finally {
      await handle.close();
    }
  }, 60_000);

  it('answers a request without a session id with a JSON-RPC 400 saying to initialize first', async () => {
    const handle = await readmeServer();
    try {
      const res = await rawPost(handle.url, TOOLS_LIST, { 'mcp-protocol-version': '2025-11-25' });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: -32000 } });
      expect(res.json?.error?.message).toMatch(/initialize/);
      // A 2026-07-28 request is served statelessly (both-eras.test.ts); one that announces that
      // revision in the header but lacks the per-request `_meta` envelope is refused by that era's rules.
      const stateless = await rawPost(handle.url, TOOLS_LIST, { 'mcp-protocol-version': '2026-07-28' });
      expect(stateless.status).toBe(400);
      expect(stateless.json).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: -32602 } });
      expect(stateless.json?.error?.message).toMatch(/2026-07-28.*_meta/);
    } finally {
      await handle.close();
    }
  });

  it('forks a low-level Server too, with the handlers set on it', async () => {
    const server = new Server({ name: 'low', version: '1.0.0' }, { capabilities: { prompts: {} }, instructions: 'be brief' });
    server.setRequestHandler(ListPromptsRequestSchema, async () => ({ prompts: [{ name: 'hello' }] }));
    new AlterMCP(h.vault, { defaultUser: 'me', logger: h.leak.logger }).register(server, [SessionTools]);
    const handle = await serveHttp(server, { port: 0, closeVault: false, logger: h.leak.logger });
    try {
      const [a, b] = await Promise.all([connect(handle.url), connect(handle.url)]);
      for (const c of [a, b]) {
        expect(c.client.getServerVersion()).toMatchObject({ name: 'low' });
        expect(c.client.getInstructions()).toBe('be brief');
        expect((await c.client.listPrompts()).prompts.map((p) => p.name)).toEqual(['hello']);
        expect((await c.client.callTool({ name: 'whoami', arguments: {} })) as Result).toEqual({ content: [{ type: 'text', text: 'me' }] });
      }
      await Promise.all([a.client.close(), b.client.close()]);
    } finally {
      await handle.close();
    }
  });

  it('rejects bad session options with a typed error naming the option', async () => {
    const server = new McpServer({ name: 'x', version: '1.0.0' });
    new AlterMCP(h.vault, { defaultUser: 'me', logger: h.leak.logger }).register(server, [SessionTools]);
    await expect(serveHttp(server, { closeVault: false, maxSessions: 0 })).rejects.toMatchObject({
      code: 'ALTER_INVALID_ARGUMENT',
      message: expect.stringContaining('options.maxSessions'),
    });
    await expect(serveHttp(server, { closeVault: false, sessionIdleTimeoutMs: -1 })).rejects.toMatchObject({
      message: expect.stringContaining('options.sessionIdleTimeoutMs'),
    });
  });
});
