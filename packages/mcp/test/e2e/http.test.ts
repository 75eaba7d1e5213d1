/**
 * Streamable HTTP end to end: serveHttp on 127.0.0.1:0 (one McpServer per session), the SDK's real
 * Client over StreamableHTTPClientTransport, the sandbox and a SQLite vault. Fallback and
 * URL-elicitation recovery, an auth plug-in choosing the user, and graceful close.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ElicitationCompleteNotificationSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { AlterMCP, AlterTool, type AlterContext, type HttpAuthPlugin, type HttpServerHandle, serveHttp } from '@alter/mcp';
import { CalendarTools, GmailTools } from '../fixtures/example.tools.js';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';

type Result = { content: Array<{ type: string; text?: string }>; isError?: boolean };

class WhoAmI {
  @AlterTool({ description: 'Returns the user the call runs as.' })
  whoami(ctx: AlterContext): string {
    return ctx.user;
  }
}

let h: McpHarness;
let handle: HttpServerHandle;
let alter: AlterMCP;

async function client(url: string, elicitation = false, headers?: Record<string, string>): Promise<Client> {
  const c = new Client({ name: 'http-e2e', version: '1.0.0' }, { capabilities: elicitation ? { elicitation: { url: {} } } : {} });
  await c.connect(new StreamableHTTPClientTransport(new URL(url), headers ? { requestInit: { headers } } : undefined));
  return c;
}

beforeAll(async () => {
  h = await createMcpHarness();
  alter = new AlterMCP(h.vault, { defaultUser: 'alice', logger: h.leak.logger });
  handle = await serveHttp(
    () => {
      const server = new McpServer({ name: 'http-e2e', version: '1.0.0' });
      alter.register(server, [CalendarTools, GmailTools, WhoAmI]);
      return server;
    },
    { port: 0, closeVault: false, logger: h.leak.logger },
  );
});
afterAll(async () => {
  await handle?.close();
  await h?.close();
});

describe('AlterMCP over Streamable HTTP', () => {
  it('binds 127.0.0.1 and serves several sessions', async () => {
    expect(handle.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const [a, b] = await Promise.all([client(handle.url), client(handle.url)]);
    expect((await a.listTools()).tools.map((t) => t.name)).toContain('list_events');
    expect((await b.callTool({ name: 'whoami', arguments: {} })) as Result).toEqual({ content: [{ type: 'text', text: 'alice' }] });
    await Promise.all([a.close(), b.close()]);
  });

  it('fallback: Connect URL, approve, the same call succeeds', async () => {
    const c = await client(handle.url);
    try {
      const first = (await c.callTool({ name: 'list_events', arguments: {} })) as Result;
      expect(first.isError).toBe(true);
      const url = /(http:\/\/127\.0\.0\.1:\d+\/connect\/[A-Za-z0-9_-]+)/.exec(first.content[0]!.text!)![1]!;
      await h.sandbox.approve(url, { login: 'alice' });
      const second = (await c.callTool({ name: 'list_events', arguments: {} })) as Result;
      expect(second.isError).toBeFalsy();
      h.leak.inspect([first, second], 'http results');
    } finally {
      await c.close();
    }
  });

  it('URL elicitation: -32042, approve, completion notification, the same call succeeds', async () => {
    const c = await client(handle.url, true);
    try {
      let resolveDone: (id: string) => void = () => {};
      const done = new Promise<string>((resolve) => {
        resolveDone = resolve;
      });
      c.setNotificationHandler(ElicitationCompleteNotificationSchema, (n) => resolveDone(n.params.elicitationId));
      const err = (await c.callTool({ name: 'list_emails', arguments: {} }).catch((e: unknown) => e)) as McpError;
      expect(err).toBeInstanceOf(McpError);
      expect(err.code).toBe(-32042);
      const el = (err.data as { elicitations: Array<{ url: string; elicitationId: string }> }).elicitations[0]!;
      await h.sandbox.approve(el.url, { login: 'alice' });
      expect(await done).toBe(el.elicitationId);
      const ok = (await c.callTool({ name: 'list_emails', arguments: {} })) as Result;
      expect(ok.isError).toBeFalsy();
    } finally {
      await c.close();
    }
  });

  it('runs calls as the user the auth plug-in puts in AuthInfo.extra.user, and 401s without a token', async () => {
    const plugin: HttpAuthPlugin = {
      install(app, { mcpPath, baseUrl }) {
        app.get(`/.well-known/oauth-protected-resource${mcpPath}`, (_req, res) => {
          res.json({ resource: `${baseUrl}${mcpPath}` });
        });
        return (req, res, next) => {
          const token = req.headers.authorization?.replace(/^Bearer /, '');
          if (token !== 'dave-token-123') {
            res.status(401).json({ error: 'invalid_token' });
            return;
          }
          (req as unknown as { auth: unknown }).auth = {
            token,
            clientId: 'c',
            scopes: [],
            expiresAt: Date.now() / 1000 + 60,
            extra: { user: 'dave' },
          };
          next();
        };
      },
    };
    const a2 = new AlterMCP(h.vault, { defaultUser: 'alice', logger: h.leak.logger });
    const guarded = await serveHttp(
      () => {
        const s = new McpServer({ name: 'guarded', version: '1' });
        a2.register(s, [WhoAmI]);
        return s;
      },
      { port: 0, auth: plugin, closeVault: false, logger: h.leak.logger },
    );
    try {
      const meta = await fetch(`${guarded.baseUrl}/.well-known/oauth-protected-resource/mcp`);
      expect(await meta.json()).toEqual({ resource: guarded.url });
      const anonymous = await fetch(guarded.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(anonymous.status).toBe(401);
      const c = await client(guarded.url, false, { authorization: 'Bearer dave-token-123' });
      expect((await c.callTool({ name: 'whoami', arguments: {} })) as Result).toEqual({ content: [{ type: 'text', text: 'dave' }] });
      await c.close();
    } finally {
      await guarded.close();
    }
  });

  it('rejects a foreign Host header (DNS rebinding protection)', async () => {
    const u = new URL(handle.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: 'POST',
          headers: { host: 'evil.example.com', 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    expect(status).toBe(403);
  });

  it('passes the leak check', async () => {
    await h.collectTokens();
    h.leak.inspect(await h.vault.audit.query({ limit: 1000 }), 'audit rows');
    h.leak.assertClean();
  });
});
