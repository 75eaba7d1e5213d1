/**
 * SSE polling (SEP-1699): a tool closes the SSE stream of its own call with `ctx.closeSseStream()`;
 * the SDK's real Client reconnects with Last-Event-ID and gets the progress and result it missed
 * from serveHttp's default per-session event store. Without an event store nothing is closed.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AlterMCP, AlterTool, type AlterContext, type HttpServerHandle, serveHttp } from '@alter/mcp';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';

type Result = { content: Array<{ type: string; text?: string }>; isError?: boolean };

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
beforeAll(async () => {
  h = await createMcpHarness();
});
afterAll(async () => {
  await h?.close();
});

async function start(options: Parameters<typeof serveHttp>[1] = {}): Promise<HttpServerHandle> {
  const server = new McpServer({ name: 'polling', version: '1.0.0' });
  new AlterMCP(h.vault, { defaultUser: 'me', logger: h.leak.logger }).register(server, [Polling]);
  return serveHttp(server, { port: 0, closeVault: false, logger: h.leak.logger, sseRetryMs: 20, ...options });
}

async function callLongJob(url: string): Promise<{ result: Result; progress: number[] }> {
  const client = new Client({ name: 'polling-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  const progress: number[] = [];
  try {
    const result = (await client.callTool({ name: 'long_job', arguments: {} }, undefined, {
      onprogress: (p) => progress.push(p.progress),
      timeout: 30_000,
    })) as Result;
    return { result, progress };
  } finally {
    await client.close();
  }
}

describe('ctx.closeSseStream() over serveHttp', () => {
  it('closes the stream mid-call; the client resumes and receives progress and result', async () => {
    const handle = await start();
    try {
      const { result, progress } = await callLongJob(handle.url);
      expect(result).toEqual({ content: [{ type: 'text', text: 'closed=true' }] });
      expect(progress).toEqual([1, 2]);
    } finally {
      await handle.close();
    }
  }, 60_000);

  it('does nothing and returns false without an event store (eventStore: false)', async () => {
    const handle = await start({ eventStore: false });
    try {
      const { result, progress } = await callLongJob(handle.url);
      expect(result).toEqual({ content: [{ type: 'text', text: 'closed=false' }] });
      expect(progress).toEqual([1, 2]);
    } finally {
      await handle.close();
    }
  }, 60_000);
});
