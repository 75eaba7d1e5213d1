/**
 * Responses served to an authenticated user are private to them: `Cache-Control: private` and
 * `Vary: Authorization`, so no shared cache hands user A's tool list or results to user B.
 * Real parts: the sandbox OAuth server, AlterAuthProvider mounted by serveHttp, the SDK's OAuth
 * client for the sign-in, a SQLite vault.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AlterMCP, AlterTool, type AlterContext, type HttpServerHandle, serveHttp } from '@alter/mcp';
import { AlterAuthProvider } from '@alter/mcp/auth';
import { AlterVault } from '@alter/vault';
import { createLeakCheck, type LeakCheck, type Sandbox, startSandbox } from '@alter/testing';
import { browserSignIn, GMAIL_READONLY } from '../auth/support/auth-harness.js';
import { TestOAuthClient } from '../auth/support/test-oauth-client.js';

class WhoAmI {
  @AlterTool({ description: 'Returns the user the call runs as.' })
  whoami(ctx: AlterContext): string {
    return ctx.user;
  }
}

let sandbox: Sandbox;
let leak: LeakCheck;
let vault: AlterVault;
let handle: HttpServerHandle;
let dir: string;
let token: string;

beforeAll(async () => {
  leak = createLeakCheck();
  sandbox = await startSandbox();
  dir = mkdtempSync(path.join(tmpdir(), 'alter-private-cache-'));
  const google = sandbox.provider('google');
  if (google.clientSecret) leak.secret(google.clientSecret, 'google client secret');
  vault = new AlterVault({
    caller: 'cache-e2e',
    store: path.join(dir, 'vault.db'),
    encryptionKey: leak.secret(randomBytes(32).toString('base64'), 'vault key'),
    providers: [google],
    logger: leak.logger,
  });
  const connect = await vault.connect.listen();
  sandbox.registerRedirectUri(`${connect.url}/connect/callback`);
  const auth = new AlterAuthProvider(vault, { providers: { google: [GMAIL_READONLY] }, rateLimit: false, logger: leak.logger });
  const server = new McpServer({ name: 'cache', version: '1.0.0' });
  new AlterMCP(vault, { logger: leak.logger }).register(server, [WhoAmI]);
  handle = await serveHttp(server, { port: 0, auth, logger: leak.logger });

  // The SDK client's sign-in: 401 → discovery → registration → PKCE → browser → code → token.
  const oauth = new TestOAuthClient('http://127.0.0.1:9/cache/callback', 'cache client');
  const first = new StreamableHTTPClientTransport(new URL(handle.url), { authProvider: oauth });
  await expect(new Client({ name: 'cache', version: '1.0.0' }).connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
  const { redirect } = await browserSignIn({ sandbox }, oauth.lastAuthorizationUrl, 'alice');
  const code = leak.secret(redirect.searchParams.get('code')!, 'authorization code');
  await first.finishAuth(code);
  token = leak.secret(oauth.tokens()!.access_token, 'access token');
  if (oauth.tokens()!.refresh_token) leak.secret(oauth.tokens()!.refresh_token!, 'refresh token');
}, 60_000);

afterAll(async () => {
  await handle?.close();
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function post(body: unknown, headers: Record<string, string>): Promise<Response> {
  return fetch(handle.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
      authorization: `Bearer ${token}`,
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

function expectPrivate(res: Response): void {
  const cacheControl = res.headers.get('cache-control') ?? '';
  expect(cacheControl.split(',').map((d) => d.trim())).toContain('private');
  expect(cacheControl).not.toMatch(/public/);
  expect((res.headers.get('vary') ?? '').toLowerCase()).toContain('authorization');
}

describe('serveHttp responses to an authenticated user', () => {
  it('are Cache-Control: private with Vary: Authorization (initialize, tools/list, tools/call)', async () => {
    const init = await post(
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      },
      {},
    );
    expect(init.status).toBe(200);
    expectPrivate(init);
    const sid = init.headers.get('mcp-session-id')!;
    await init.text();
    await (await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': sid })).text();
    const list = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }, { 'mcp-session-id': sid });
    expectPrivate(list);
    expect(await list.text()).toContain('whoami');
    const call = await post(
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'whoami', arguments: {} } },
      { 'mcp-session-id': sid },
    );
    expectPrivate(call);
    const text = await call.text();
    expect(text).toContain('alice');
    leak.inspect([text], 'tool result');
  });

  it("are private on the 2026-07-28 (stateless) era too: Cache-Control, and cacheScope in the result; the tool runs as the token's user", async () => {
    const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
    const modern = { 'mcp-protocol-version': '2026-07-28' };
    const list = await post(
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: meta } },
      { ...modern, 'mcp-method': 'tools/list' },
    );
    expect(list.status).toBe(200);
    expectPrivate(list);
    const listed = (await list.json()) as { result: { tools: Array<{ name: string }>; cacheScope?: string } };
    expect(listed.result.tools.map((t) => t.name)).toContain('whoami');
    expect(listed.result.cacheScope).toBe('private');
    const call = await post(
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {}, _meta: meta } },
      { ...modern, 'mcp-method': 'tools/call', 'mcp-name': 'whoami' },
    );
    expect(call.status).toBe(200);
    expectPrivate(call);
    const text = await call.text();
    expect(text).toContain('alice');
    leak.inspect([text], 'tool result');
  });
});
