/**
 * Resumption never crosses sessions: a client that sends another session's `Last-Event-ID` gets
 * none of that session's events — with the default per-session store and with a user-supplied
 * store shared by every session. Raw HTTP against serveHttp on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { AlterMCP, AlterTool, type AlterContext, type HttpServerHandle, serveHttp } from '@alter/mcp';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';

class Secretive {
  @AlterTool({ description: 'Answers with a value only its caller may see.' })
  secret(_ctx: AlterContext): string {
    return 'only-for-session-A';
  }
}

/** A naive shared store, as a user might write one (ids are counters: easy to guess). */
class SharedStore implements EventStore {
  readonly events: Array<{ id: string; streamId: string; message: JSONRPCMessage }> = [];
  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const id = String(this.events.length + 1);
    this.events.push({ id, streamId, message });
    return id;
  }
  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return this.events.find((e) => e.id === eventId)?.streamId;
  }
  async replayEventsAfter(lastEventId: string, { send }: { send: (id: string, m: JSONRPCMessage) => Promise<void> }): Promise<string> {
    const at = this.events.findIndex((e) => e.id === lastEventId);
    const streamId = this.events[at]!.streamId;
    for (const e of this.events.slice(at + 1)) if (e.streamId === streamId) await send(e.id, e.message);
    return streamId;
  }
}

let h: McpHarness;
beforeAll(async () => {
  h = await createMcpHarness();
});
afterAll(async () => {
  await h?.close();
});

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };

async function openSession(url: string): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: HEADERS,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    }),
  });
  await res.text();
  const sid = res.headers.get('mcp-session-id')!;
  await (
    await fetch(url, {
      method: 'POST',
      headers: { ...HEADERS, 'mcp-session-id': sid },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    })
  ).text();
  return sid;
}

async function scenario(options: Parameters<typeof serveHttp>[1]): Promise<{ status: number; body: string; aEventIds: string[] }> {
  const server = new McpServer({ name: 'events', version: '1.0.0' });
  new AlterMCP(h.vault, { defaultUser: 'me', logger: h.leak.logger }).register(server, [Secretive]);
  const handle: HttpServerHandle = await serveHttp(server, { port: 0, closeVault: false, logger: h.leak.logger, ...options });
  try {
    const a = await openSession(handle.url);
    const call = await fetch(handle.url, {
      method: 'POST',
      headers: { ...HEADERS, 'mcp-session-id': a },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'secret', arguments: {} } }),
    });
    const text = await call.text();
    expect(text).toContain('only-for-session-A');
    const aEventIds = [...text.matchAll(/^id: (.+)$/gm)].map((m) => m[1]!);
    const b = await openSession(handle.url);
    // B resumes "after" A's priming event: it would receive A's tool result.
    // A resumed stream stays open after the replay: read for a while, then stop.
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 2000);
    const resume = await fetch(handle.url, {
      method: 'GET',
      signal: ac.signal,
      headers: { accept: 'text/event-stream', 'mcp-protocol-version': '2025-11-25', 'mcp-session-id': b, 'last-event-id': aEventIds[0]! },
    });
    let body = '';
    try {
      if (resume.body) for await (const chunk of resume.body as unknown as AsyncIterable<Uint8Array>) body += Buffer.from(chunk).toString();
    } catch {
      // aborted: the stream stayed open without data
    } finally {
      clearTimeout(timer);
    }
    return { status: resume.status, body, aEventIds };
  } finally {
    await handle.close();
  }
}

describe('serveHttp resumption across sessions', () => {
  it('with the default per-session store, B cannot resume A’s stream', async () => {
    const { status, body } = await scenario({});
    expect(status).toBe(400);
    expect(body).not.toContain('only-for-session-A');
  });

  it('with a user store shared by all sessions, B cannot resume A’s stream', async () => {
    const store = new SharedStore();
    const { status, body, aEventIds } = await scenario({ eventStore: store });
    expect(aEventIds.length).toBeGreaterThan(0);
    expect(store.events.length).toBeGreaterThan(0); // the shared store is used
    expect(status).toBe(400);
    expect(body).not.toContain('only-for-session-A');
  });

  it('refuses at startup a shared store that cannot name an event’s stream', async () => {
    const server = new McpServer({ name: 'events', version: '1.0.0' });
    new AlterMCP(h.vault, { defaultUser: 'me', logger: h.leak.logger }).register(server, [Secretive]);
    const store: EventStore = { storeEvent: async () => 'x', replayEventsAfter: async () => '' };
    await expect(serveHttp(server, { closeVault: false, eventStore: store })).rejects.toMatchObject({
      code: 'ALTER_MCP_SERVE',
      message: expect.stringContaining('getStreamIdForEventId'),
    });
  });
});
