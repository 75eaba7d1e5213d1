/**
 * ctx.request() refuses an option it does not know, instead of sending the request without it:
 * `{ query: {...} }` for `queryParams` used to fetch the unfiltered list. Keys tool code may not
 * set (`user`, `scopes`, …) are still accepted and replaced by the call's own. Real parts: the
 * sandbox's OAuth server and fake Gmail, a SQLite vault, the SDK's Client over the in-memory
 * transport.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { type AlterContext, AlterMCP, AlterTool } from '@alter/mcp';
import { GMAIL_READONLY } from '../fixtures/example.tools.js';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';

type ToolResultT = { content: Array<{ type: string; text?: string }>; isError?: boolean };

const MESSAGES = 'https://gmail.googleapis.com/gmail/v1/users/me/messages';
let h: McpHarness;
let client: Client;
let server: McpServer;

class OptionTools {
  @AlterTool('google', {
    description: 'Lists messages with the options it is given (as untyped tool code would pass them).',
    input: z.object({ options: z.record(z.string(), z.unknown()) }),
    scopes: [GMAIL_READONLY],
  })
  async listWith(ctx: AlterContext, { options }: { options: Record<string, unknown> }) {
    const res = await ctx.request('GET', MESSAGES, options as never);
    return { status: res.status, user: ctx.user, callId: ctx.callId };
  }
}

async function call(options: Record<string, unknown>): Promise<ToolResultT> {
  const result = (await client.callTool({ name: 'list_with', arguments: { options } })) as ToolResultT;
  h.leak.inspect(result, 'tool result');
  return result;
}

const text = (r: ToolResultT) => r.content.map((c) => c.text ?? '').join('\n');

async function auditRowCount(): Promise<number> {
  await h.vault.audit.flush();
  return (await h.vault.audit.query({ provider: 'google', limit: 10_000 })).length;
}

beforeAll(async () => {
  h = await createMcpHarness();
  const session = await h.vault.connect.createSession({ user: 'alice', providers: { google: [GMAIL_READONLY] } });
  await h.sandbox.approve(session.url, { login: 'alice' });
  const done = await h.vault.connect.waitFor(session.id, { timeoutMs: 10_000 });
  if (done.status !== 'complete') throw new Error(`connect alice: ${done.status}`);
  await h.collectTokens();
  const alter = new AlterMCP(h.vault, { defaultUser: 'alice', logger: h.leak.logger });
  server = new McpServer({ name: 'request-options', version: '1.0.0' });
  alter.register(server, [OptionTools]);
  const [a, b] = InMemoryTransport.createLinkedPair();
  client = new Client({ name: 'request-options-client', version: '1.0.0' });
  await Promise.all([server.connect(a), client.connect(b)]);
});

afterAll(async () => {
  await client?.close();
  await server?.close();
  if (h) {
    await h.collectTokens();
    await h.vault.audit.flush();
    h.leak.inspect(await h.vault.audit.query({ limit: 10_000 }), 'audit rows');
    await h.close();
    h.leak.assertClean();
  }
});

describe('ctx.request() options', () => {
  it('a misspelt option fails the call with the option it meant, and nothing is sent', async () => {
    const before = await auditRowCount();
    const result = await call({ query: { maxResults: 1 } });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('options.query');
    expect(text(result)).toContain('did you mean queryParams?');
    // Refused before the vault saw it: no provider request, so no audit row.
    expect(await auditRowCount()).toBe(before);
  });

  it('the hint comes from edit distance too, and lists only what tool code may set', async () => {
    const result = await call({ queryparams: { maxResults: 1 } });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('did you mean queryParams?');
    expect(text(result)).not.toMatch(/approvalAsker|endpoints/);
  });

  it('the right option is sent', async () => {
    const before = await auditRowCount();
    const result = await call({ queryParams: { maxResults: 1 } });
    expect(result.isError).toBeFalsy();
    expect(JSON.parse(result.content[0]?.text ?? 'null')).toMatchObject({ status: 200, user: 'alice' });
    expect(await auditRowCount()).toBe(before + 1);
    const rows = await h.vault.audit.query({ provider: 'google', limit: 10_000 });
    expect(rows.some((r) => r.url.includes('maxResults=1'))).toBe(true);
  });

  it("keys tool code may not set are still accepted and replaced by the call's own (user stays alice)", async () => {
    const result = await call({ user: 'bob', scopes: [] });
    expect(result.isError).toBeFalsy();
    expect(JSON.parse(result.content[0]?.text ?? 'null')).toMatchObject({ status: 200, user: 'alice' });
    const rows = await h.vault.audit.query({ provider: 'google', limit: 10_000 });
    expect(rows.every((r) => r.user === 'alice')).toBe(true);
  });
});
