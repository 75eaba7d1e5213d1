/**
 * Issue #13, finding 1 ("Re-authorizing one tool breaks another"), end to end with the SDK's real
 * Client against the sandbox: a Gmail grant survives a Calendar re-authorization (the Connect
 * session asks for the union of the grant's scopes and the missing ones, and the stored grant
 * keeps the union), so both tools work afterwards without another re-authorization.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AlterMCP, AlterTool, type AlterContext, CONNECT_META_KEY } from '@alter/mcp';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';

type ToolResultT = { content: Array<{ type: string; text?: string }>; isError?: boolean; _meta?: Record<string, unknown> };

const GMAIL_READONLY = 'https://www.googleapis.com/auth/gmail.readonly';
const CALENDAR_EVENTS = 'https://www.googleapis.com/auth/calendar.events';

class MailAndCalendarTools {
  @AlterTool('google', { description: 'Search mail.', scopes: ['gmail.readonly'] })
  async searchMail(ctx: AlterContext): Promise<unknown> {
    return (await ctx.request('GET', 'https://gmail.googleapis.com/gmail/v1/users/me/messages')).json();
  }

  @AlterTool('google', { description: 'List calendar events.', scopes: ['calendar.events'] })
  async listEvents(ctx: AlterContext): Promise<unknown> {
    return (await ctx.request('GET', 'https://www.googleapis.com/calendar/v3/calendars/primary/events')).json();
  }
}

let h: McpHarness;

beforeAll(async () => {
  h = await createMcpHarness();
});
afterAll(async () => {
  await h?.close();
});

function connectUrlOf(result: ToolResultT): string {
  const url = (result._meta?.[CONNECT_META_KEY] as { url?: string } | undefined)?.url;
  expect(typeof url).toBe('string');
  return url!;
}

describe('incremental authorization', () => {
  it('keeps the Gmail grant through a Calendar re-authorization: both tools work without another one', async () => {
    const alter = new AlterMCP(h.vault, { defaultUser: 'incr-user', logger: h.leak.logger });
    const server = new McpServer({ name: 'incr', version: '1.0.0' });
    alter.register(server, [MailAndCalendarTools]);
    const [a, b] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'incr-client', version: '1.0.0' });
    await Promise.all([server.connect(a), client.connect(b)]);
    try {
      // 1. Gmail first: no grant yet, Connect, approve gmail.readonly.
      const first = (await client.callTool({ name: 'search_mail', arguments: {} })) as ToolResultT;
      expect(first.isError).toBe(true);
      await h.sandbox.approve(connectUrlOf(first), { login: 'alice' });
      const mail = (await client.callTool({ name: 'search_mail', arguments: {} })) as ToolResultT;
      expect(mail.isError).toBeFalsy();

      // 2. The calendar tool lacks calendar.events: a re-authorize link; the user approves it.
      const cal = (await client.callTool({ name: 'list_events', arguments: {} })) as ToolResultT;
      expect(cal.isError).toBe(true);
      await h.sandbox.approve(connectUrlOf(cal), { login: 'alice' });

      // 3. Both tools work now, in either order, with no further re-authorization.
      const events = (await client.callTool({ name: 'list_events', arguments: {} })) as ToolResultT;
      expect(events.isError).toBeFalsy();
      const mailAgain = (await client.callTool({ name: 'search_mail', arguments: {} })) as ToolResultT;
      expect(mailAgain._meta?.[CONNECT_META_KEY]).toBeUndefined();
      expect(mailAgain.isError).toBeFalsy();
      const grants = await h.vault.store.listGrants({ user: 'incr-user', provider: 'google' });
      expect(grants).toHaveLength(1);
      expect(grants[0]!.scopes).toEqual(expect.arrayContaining([GMAIL_READONLY, CALENDAR_EVENTS]));

      await h.collectTokens();
      h.leak.inspect([first, mail, cal, events, mailAgain], 'tool results');
      h.leak.assertClean();
    } finally {
      await client.close();
      await server.close();
    }
  });
});
