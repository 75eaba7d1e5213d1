/**
 * Two `register()` calls with different prefixes on ONE server, end to end: the SDK's real Client
 * over InMemoryTransport lists and calls tools of both registrations (the same pack twice, under
 * `mail_` and `g_`), against the sandbox OAuth server and fake Google APIs with a SQLite vault;
 * nested tool calls audit the names of the registration they were called through.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AlterMCP } from '@alter/mcp';
import { CalendarTools, GmailTools } from '../fixtures/example.tools.js';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';

type Result = { content: Array<{ type: string; text?: string }>; isError?: boolean };

let h: McpHarness;
let alter: AlterMCP;
let client: Client;
let server: McpServer;
const USER = 'prefix-user';

beforeAll(async () => {
  h = await createMcpHarness();
  alter = new AlterMCP(h.vault, { defaultUser: USER, logger: h.leak.logger });
  server = new McpServer({ name: 'prefixes', version: '1.0.0' });
  expect([...alter.register(server, [GmailTools], { prefix: 'mail_', exclude: ['runaway'] })].sort()).toEqual([
    'mail_list_emails',
    'mail_summarize_inbox',
  ]);
  expect(
    [
      ...alter.register(server, [CalendarTools, GmailTools], { prefix: 'g_', include: ['list_events', 'list_emails', 'summarize_inbox'] }),
    ].sort(),
  ).toEqual(['g_list_emails', 'g_list_events', 'g_summarize_inbox']);
  const [a, b] = InMemoryTransport.createLinkedPair();
  client = new Client({ name: 'prefixes-client', version: '1.0.0' });
  await Promise.all([server.connect(a), client.connect(b)]);
});
afterAll(async () => {
  await client?.close();
  await server?.close();
  await alter?.close();
  await h?.close();
});

describe('two registrations with different prefixes on one server', () => {
  it('lists the tools of both registrations and nothing unprefixed or excluded', async () => {
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(['g_list_emails', 'g_list_events', 'g_summarize_inbox', 'mail_list_emails', 'mail_summarize_inbox']);
  });

  it('calls tools of both registrations (Connect first, then the calls succeed)', async () => {
    const first = (await client.callTool({ name: 'g_list_events', arguments: {} })) as Result;
    expect(first.isError).toBe(true);
    expect(first.content[0]!.text).toContain('call g_list_events again');
    const url = /(http:\/\/127\.0\.0\.1:\d+\/connect\/[A-Za-z0-9_-]+)/.exec(first.content[0]!.text!)![1]!;
    await h.sandbox.approve(url, { login: 'alice' });
    const events = (await client.callTool({ name: 'g_list_events', arguments: {} })) as Result;
    expect(events.isError).toBeFalsy();
    let emails = (await client.callTool({ name: 'mail_list_emails', arguments: { query: 'x' } })) as Result;
    if (emails.isError) {
      // The calendar consent may not cover Gmail: approve the Gmail scopes too.
      const more = /(http:\/\/127\.0\.0\.1:\d+\/connect\/[A-Za-z0-9_-]+)/.exec(emails.content[0]!.text!)![1]!;
      await h.sandbox.approve(more, { login: 'alice' });
      emails = (await client.callTool({ name: 'mail_list_emails', arguments: { query: 'x' } })) as Result;
    }
    expect(emails.isError).toBeFalsy();
    const unknown = (await client.callTool({ name: 'list_events', arguments: {} }).catch((e: unknown) => e)) as Error | Result;
    expect(unknown instanceof Error ? unknown.message : (unknown as Result).content[0]!.text).toMatch(/list_events not found/);
    await h.collectTokens();
    h.leak.inspect([first, events, emails], 'prefixed results');
  });

  it('audits nested calls under the prefixed names of the registration they ran through', async () => {
    for (const prefix of ['mail_', 'g_']) {
      const res = (await client.callTool({ name: `${prefix}summarize_inbox`, arguments: {} })) as Result;
      expect(res.isError).toBeFalsy();
      expect(res.content[0]!.text).toMatch(/^Found \d+ unread emails$/);
      await h.vault.audit.flush();
      const rows = await h.vault.audit.query({ user: USER, tool: `${prefix}list_emails`, limit: 5 });
      expect(rows.find((r) => r.parentTool === `${prefix}summarize_inbox`)).toMatchObject({
        tool: `${prefix}list_emails`,
        chain: [`${prefix}summarize_inbox`, `${prefix}list_emails`],
        status: 200,
      });
      h.leak.inspect(rows, 'audit rows');
    }
    h.leak.assertClean();
  });
});
