/**
 * Connect on the MCP HTTP server itself: a vault WITHOUT a Connect base URL (no connect.baseUrl, no
 * listen()) behind serveHttp on 127.0.0.1:0. serveHttp adopts its own origin, so the Connect URL a
 * tool call returns is on the SAME origin as the MCP endpoint; the sandbox approves it through
 * that server and the call then succeeds. Real SDK Client over Streamable HTTP, SQLite vault.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AlterMCP, type HttpServerHandle, serveHttp } from '@alter/mcp';
import { CalendarTools } from '../fixtures/example.tools.js';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';

type Result = { content: Array<{ type: string; text?: string }>; isError?: boolean };

let h: McpHarness;
let alter: AlterMCP;
let handle: HttpServerHandle;

beforeAll(async () => {
  h = await createMcpHarness({ listen: false });
  expect(h.vault.connect.baseUrl).toBeUndefined();
  alter = new AlterMCP(h.vault, { defaultUser: 'same-origin-user', logger: h.leak.logger });
  handle = await serveHttp(
    () => {
      const server = new McpServer({ name: 'same-origin', version: '1.0.0' });
      alter.register(server, [CalendarTools]);
      return server;
    },
    { port: 0, closeVault: false, logger: h.leak.logger },
  );
  // The provider must accept the callback on the MCP server's origin (known only now: port 0).
  h.sandbox.registerRedirectUri(`${handle.baseUrl}/connect/callback`);
});
afterAll(async () => {
  await handle?.close();
  await h?.close();
});

describe('serveHttp serves Connect on its own origin when the vault has no base URL', () => {
  it('adopts the MCP server origin as the Connect base URL', () => {
    expect(handle.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(h.vault.connect.baseUrl).toBe(handle.baseUrl);
    // An explicit, different base is refused without force (the adoption is per process).
    expect(() => h.vault.connect.useBaseUrl('http://127.0.0.1:1')).toThrow(/does not replace it/);
  });

  it('returns a Connect URL on the same origin; approving it there makes the call succeed', async () => {
    const c = new Client({ name: 'same-origin-client', version: '1.0.0' });
    await c.connect(new StreamableHTTPClientTransport(new URL(handle.url)));
    try {
      const first = (await c.callTool({ name: 'list_events', arguments: {} })) as Result;
      expect(first.isError).toBe(true);
      const url = /(http:\/\/[^\s]+\/connect\/[A-Za-z0-9_-]+)/.exec(first.content[0]!.text!)![1]!;
      expect(new URL(url).origin).toBe(new URL(handle.url).origin);
      const done = await h.sandbox.approve(url, { login: 'alice' });
      expect(done.status).toBe(200);
      // The provider sent the browser back to the callback on the MCP server's origin, which completed it.
      expect(new URL(done.finalUrl).origin).toBe(new URL(handle.url).origin);
      expect(done.visited.some((v) => v.startsWith(`${handle.baseUrl}/connect/callback?`))).toBe(true);
      expect(done.body).toContain('All done');
      const second = (await c.callTool({ name: 'list_events', arguments: {} })) as Result;
      expect(second.isError).toBeFalsy();
      await h.collectTokens();
      h.leak.inspect([first, second], 'same-origin results');
      h.leak.assertClean();
    } finally {
      await c.close();
    }
  });

  it('drops the adopted base URL when the server closes and the vault lives on', async () => {
    // Its own vault and first server: closing the suite's shared server would leave the other
    // tests without one when this test runs first (jest --randomize).
    const own = await createMcpHarness({ listen: false });
    try {
      const first = await serveHttp(new McpServer({ name: 'first', version: '1.0.0' }), {
        port: 0,
        vault: own.vault,
        closeVault: false,
        logger: own.leak.logger,
      });
      expect(own.vault.connect.baseUrl).toBe(first.baseUrl);
      const other = await serveHttp(new McpServer({ name: 'second', version: '1.0.0' }), {
        port: 0,
        vault: own.vault,
        closeVault: false,
        logger: own.leak.logger,
      });
      // The first server's adoption stands; the second does not replace it.
      expect(own.vault.connect.baseUrl).toBe(first.baseUrl);
      await other.close();
      expect(own.vault.connect.baseUrl).toBe(first.baseUrl);
      await first.close();
      expect(own.vault.connect.baseUrl).toBeUndefined();
    } finally {
      await own.close();
    }
  });
});
