/**
 * A v2 server's 2025-11-25 sessions are served by SDK v2's own Streamable HTTP transport
 * (`WebStandardStreamableHTTPServerTransport`, bridged to Node's HTTP server by serveHttp), not by
 * SDK v1's. What serveHttp promises for sessions holds there too, with SDK v2's real Client: the
 * SSE stream a tool closes is resumed from the per-session event store (Last-Event-ID), a DELETE
 * ends the session, and a foreign `Host` is refused (serveHttp's own DNS-rebinding check).
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AlterMCP, AlterTool, type AlterContext, type HttpServerHandle, serveHttp } from '@alter/mcp';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/server';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';

class Polling {
  @AlterTool({ description: 'Closes its stream, reports progress, then answers.' })
  async longJob(ctx: AlterContext): Promise<string> {
    const closed = ctx.closeSseStream();
    await new Promise((r) => setTimeout(r, 50));
    await ctx.progress(1, 2, 'half way');
    await ctx.progress(2, 2, 'done');
    return `closed=${closed}`;
  }
}

let h: McpHarness;
let handle: HttpServerHandle;
beforeAll(async () => {
  h = await createMcpHarness();
  const server = new McpServer({ name: 'sessions-v2', version: '1.0.0' });
  new AlterMCP(h.vault, { defaultUser: 'me', logger: h.leak.logger }).register(server, [Polling]);
  handle = await serveHttp(server, { closeVault: false, logger: h.leak.logger, sseRetryMs: 20 });
});
afterAll(async () => {
  await handle?.close();
  await h?.close();
});

/** A POST with a chosen `Host` header (fetch does not let one set it). */
function postWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { host, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    });
    req.once('error', reject);
    req.once('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }));
  });
}

describe("a v2 server's sessions over SDK v2's transport", () => {
  it('resumes a stream the tool closed: the client reconnects with Last-Event-ID and gets progress and result', async () => {
    const client = new Client({ name: 'polling-v2', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(handle.url)));
    const progress: number[] = [];
    try {
      const result = await client.callTool(
        { name: 'long_job', arguments: {} },
        { onprogress: (p) => progress.push(p.progress), timeout: 30_000 },
      );
      expect(result).toEqual({ content: [{ type: 'text', text: 'closed=true' }] });
      expect(progress).toEqual([1, 2]);
      h.leak.inspect(result, 'tool result');
      h.leak.assertClean();
    } finally {
      await client.close();
    }
  }, 60_000);

  it('a DELETE ends the session: its id then gets 404', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(handle.url));
    const client = new Client({ name: 'delete-v2', version: '1.0.0' });
    await client.connect(transport);
    const sessionId = transport.sessionId;
    expect(typeof sessionId).toBe('string');
    await transport.terminateSession();
    const after = await fetch(handle.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId!,
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
    });
    expect(after.status).toBe(404);
    await client.close();
  }, 60_000);

  it('refuses a foreign Host header with 403 (DNS-rebinding protection) and accepts localhost', async () => {
    const foreign = await postWithHost(handle.url, 'evil.example');
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body)).toEqual({ jsonrpc: '2.0', error: { code: -32000, message: 'Invalid Host: evil.example' }, id: null });
    const local = await postWithHost(handle.url, `localhost:${new URL(handle.url).port}`);
    // Past the Host check: a ping without a session is the sessionless 400, not 403.
    expect(local.status).toBe(400);
  }, 60_000);
});
