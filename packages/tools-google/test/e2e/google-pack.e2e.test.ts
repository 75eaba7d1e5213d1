import { AlterMCP } from '@alter/mcp';
import { expectToolsDeclareEndpoints, expectToolsMatchManifest, SandboxBrowser } from '@alter/testing';
import {
  CALENDAR_EVENTS,
  CALENDAR_READONLY,
  CalendarTools,
  GMAIL_READONLY,
  GmailTools,
  GoogleTools,
  googleManifest,
} from '@alter/tools-google';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CONNECT_URL, fuzzEveryTool, type PackStack, startPackStack, textOf, USER } from './support/pack-stack.js';

const GMAIL = 'https://gmail.googleapis.com/gmail/v1/users/me';
const EVENTS = 'https://www.googleapis.com/calendar/v3/calendars/primary/events';

describe('@alter/tools-google, what it declares', () => {
  it('every tool declares the endpoints it calls (this suite runs with undeclared: "deny", so each call below stays inside them)', () => {
    expectToolsDeclareEndpoints(GoogleTools, Object.keys(googleManifest.scopesByTool));
  });
});

// Every test gets its own stack (sandbox with freshly seeded fakes, vault, server, client), so each
// passes alone and in any order: none sees the grants, mail, events or audit rows of another.
describe('@alter/tools-google through the real stack (sandbox, SQLite vault, AlterMCP, SDK client)', () => {
  let stack: PackStack;

  beforeEach(async () => {
    stack = await startPackStack(['google'], GoogleTools);
  });
  afterEach(async () => {
    await stack?.close();
    stack?.leaks.assertClean();
  });

  it('lists every tool of the manifest, each field described, with output schema and annotations', async () => {
    const { tools } = await stack.client.listTools();
    expectToolsMatchManifest(tools, googleManifest);
    for (const tool of tools) {
      expect(typeof tool.annotations?.readOnlyHint).toBe('boolean');
      expect(typeof tool.annotations?.destructiveHint).toBe('boolean');
      expect(typeof tool.annotations?.idempotentHint).toBe('boolean');
    }
    const sendEmail = tools.find((t) => t.name === 'send_email');
    expect(sendEmail?.annotations).toMatchObject({ readOnlyHint: false, idempotentHint: false });
    expect(tools.find((t) => t.name === 'search_emails')?.annotations).toMatchObject({ readOnlyHint: true });
  });

  it("answers the first call with a Connect URL asking for exactly the tool's scope", async () => {
    const result = await stack.call('search_emails', { query: 'in:inbox' });
    expect(result.isError).toBe(true);
    const url = CONNECT_URL.exec(textOf(result))?.[0];
    expect(url).toBeDefined();
    // Following the Connect URL leads to the sandbox's authorize endpoint with the Gmail scope.
    // (The link opens on an interstitial; confirming it binds this browser, which then finishes it.)
    const browser = new SandboxBrowser();
    const res = await browser.openConnect(url as string);
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.searchParams.get('scope')?.split(' ')).toContain(GMAIL_READONLY);
    expect(location.searchParams.get('scope')?.split(' ')).not.toContain(CALENDAR_EVENTS);
    // alice approves that URL: the Gmail call works from now on.
    await stack.sandbox.approve(url as string, { login: USER, browser });
    const again = await stack.call('search_emails', { query: 'in:inbox' });
    expect(again.isError).toBeFalsy();
  });

  it('answers a tool whose scope the grant lacks with a re-authorize URL for that scope', async () => {
    // The grant the first call's Connect URL gives: Gmail only.
    await stack.connect('google', [GMAIL_READONLY]);
    const result = await stack.call('list_events', {});
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(CALENDAR_READONLY);
    const url = CONNECT_URL.exec(textOf(result))?.[0];
    const res = await new SandboxBrowser().openConnect(url as string);
    expect(new URL(res.headers.get('location') ?? '').searchParams.get('scope')?.split(' ')).toContain(CALENDAR_READONLY);
  });

  describe('with Google connected (every scope of the manifest)', () => {
    beforeEach(async () => {
      await stack.connect('google', googleManifest.allScopes);
    });

    it('search_emails returns sender, subject and snippet of the fake mailbox', async () => {
      const out = await stack.callOk<{
        messages: Array<{ id: string; from?: string; subject?: string; snippet?: string }>;
        resultSizeEstimate?: number;
      }>('search_emails', { query: 'subject:lunch', maxResults: 5 });
      expect(out.messages).toHaveLength(1);
      expect(out.messages[0]).toMatchObject({ subject: 'Lunch tomorrow?', snippet: expect.stringContaining('lunch') });
      expect(out.messages[0]?.from).toMatch(/Bob/);
    });

    it('get_email decodes the base64url text body', async () => {
      const { messages } = await stack.callOk<{ messages: Array<{ id: string }> }>('search_emails', { query: 'subject:quarterly' });
      const out = await stack.callOk<{ body: string; bodyMimeType: string; subject: string; truncated: boolean }>('get_email', {
        id: messages[0]?.id,
      });
      expect(out).toMatchObject({ subject: 'Quarterly report', bodyMimeType: 'text/plain', truncated: false });
      expect(out.body).toBe('The numbers are in the attached sheet. Let me know what you think.');
    });

    it("get_email of an unknown id is an error result carrying Google's message", async () => {
      const result = await stack.call('get_email', { id: 'ffffffffffffffff' });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/404.*Requested entity was not found/);
    });

    it("send_email sends an RFC 2822 message that lands in the recipient's fake mailbox", async () => {
      const out = await stack.callOk<{ id: string; labelIds?: string[] }>('send_email', {
        to: ['bob@sandbox.test'],
        subject: 'Café at 3? ☕',
        body: 'See you there.\nA.',
      });
      expect(out.id).toMatch(/\w+/);
      expect(out.labelIds).toEqual(['SENT']);
      // It was delivered to bob (a sandbox user): body intact, subject an RFC 2047 encoded word.
      const delivered = stack.sandbox.fakes.gmail.messages('bob').find((m) => m.bodyText.startsWith('See you there.'));
      expect(delivered?.bodyText.replace(/\r\n/g, '\n').trim()).toBe('See you there.\nA.');
      const subject = delivered?.headers.find((h) => h.name === 'Subject')?.value ?? '';
      const decoded = subject.replace(/=\?UTF-8\?B\?([^?]+)\?=\s*/g, (_m, b: string) => Buffer.from(b, 'base64').toString('utf8'));
      expect(decoded).toBe('Café at 3? ☕');
      // And alice finds it in her own mailbox with search_emails / get_email.
      const sent = await stack.callOk<{ messages: Array<{ id: string; subject?: string; to?: string }> }>('search_emails', {
        query: 'to:bob@sandbox.test',
      });
      const mine = sent.messages.find((m) => m.id === out.id);
      expect(mine).toBeDefined();
      expect(mine?.to).toBe('bob@sandbox.test');
      const full = await stack.callOk<{ body: string }>('get_email', { id: out.id });
      expect(full.body.trim()).toBe('See you there.\r\nA.');
    });

    it('send_email rejects a header-injection subject before any request', async () => {
      const result = await stack.call('send_email', { to: ['bob@sandbox.test'], subject: 'Hi\r\nBcc: eve@evil.test', body: 'x' });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/subject/);
    });

    it('summarize_inbox calls search_emails as a nested tool and the audit rows carry the chain', async () => {
      const out = await stack.callOk<{ examined: number; summary: string; topSenders: Array<{ from: string; count: number }> }>(
        'summarize_inbox',
        { maxMessages: 10 },
      );
      expect(out.examined).toBeGreaterThanOrEqual(1);
      expect(out.summary).toMatch(/unread message/);
      await stack.vault.audit.flush();
      const rows = await stack.vault.audit.query({ user: USER, tool: 'search_emails' });
      const nested = rows.filter((r) => r.parentTool === 'summarize_inbox');
      expect(nested.length).toBeGreaterThanOrEqual(2); // the list call + one metadata read per message
      for (const row of nested) expect(row.chain).toEqual(['summarize_inbox', 'search_emails']);
      expect(nested.every((r) => r.url.startsWith(GMAIL))).toBe(true);
    });

    it('create_event creates the event and list_events shows it in start order', async () => {
      const start = new Date(Date.now() + 3 * 86_400_000);
      start.setUTCMinutes(0, 0, 0);
      const end = new Date(start.getTime() + 30 * 60_000);
      const created = await stack.callOk<{ id: string; summary?: string; start?: { dateTime?: string } }>('create_event', {
        summary: 'Design review',
        start: start.toISOString(),
        end: end.toISOString(),
        attendees: ['bob@sandbox.test'],
        location: 'Room 2',
      });
      expect(created).toMatchObject({ summary: 'Design review', start: { dateTime: start.toISOString() } });
      const upcoming = await stack.callOk<{ events: Array<{ id: string; attendees?: Array<{ email?: string }> }> }>('list_events', {});
      expect(upcoming.events.map((e) => e.id)).toContain(created.id);
      expect(upcoming.events.find((e) => e.id === created.id)?.attendees).toEqual([
        { email: 'bob@sandbox.test', responseStatus: 'needsAction' },
      ]);
      // The seeded January events are in the past: only a timeMin before them shows them.
      const all = await stack.callOk<{ events: Array<{ summary?: string }> }>('list_events', {
        timeMin: '2026-01-01T00:00:00Z',
        maxResults: 50,
      });
      expect(all.events.map((e) => e.summary)).toEqual(expect.arrayContaining(['Team standup', 'Planning', 'Design review']));
    });

    it('random JSON arguments never crash a tool (every answer is a result, never an internal error)', async () => {
      expect(await fuzzEveryTool(stack)).toBeGreaterThan(0);
    });

    it('create_event refuses an end before the start, naming the field', async () => {
      const result = await stack.call('create_event', { summary: 'Backwards', start: '2026-12-01T10:00:00Z', end: '2026-12-01T09:00:00Z' });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/end/);
    });
  });

  // Direct vault requests declare their endpoints: this suite's vault denies undeclared requests.
  describe('the fake Google APIs check shapes and scopes like the real ones', () => {
    it('refuses messages.send without raw (400), and a calendar write with a read-only token (403)', async () => {
      await stack.connect('google', googleManifest.allScopes);
      const noRaw = await stack.vault.request('google', 'POST', `${GMAIL}/messages/send`, {
        user: USER,
        endpoints: ['POST /gmail/v1/users/me/messages/send'],
        json: { message: 'hi' },
      });
      expect(noRaw.status).toBe(400);
      expect(JSON.stringify(noRaw.data)).toMatch(/raw/);
      const badTime = await stack.vault.request('google', 'POST', EVENTS, {
        user: USER,
        endpoints: ['POST /calendar/v3/calendars/primary/events'],
        json: { summary: 'x', start: { dateTime: 'tomorrow' }, end: { dateTime: 'later' } },
      });
      expect(badTime.status).toBe(400);
    });

    it('answers 403 insufficient scopes when the token lacks the scope (vault asked without a scope check)', async () => {
      await stack.connect('google', [GMAIL_READONLY], 'bob');
      const write = await stack.vault.request('google', 'POST', EVENTS, {
        user: 'bob',
        endpoints: ['POST /calendar/v3/calendars/primary/events'],
        json: { summary: 'x', start: { dateTime: '2026-12-01T10:00:00Z' }, end: { dateTime: '2026-12-01T11:00:00Z' } },
        // The raw answer (by default the vault raises ScopeReauthRequiredError for it).
        scopeErrors: 'return',
      });
      expect(write.status).toBe(403);
      expect(JSON.stringify(write.data)).toMatch(/insufficient authentication scopes/);
    });
  });

  it('registers in part and with prefixed names (toolNamePrefix), calling through the same vault', async () => {
    expect(GoogleTools).toEqual([GmailTools, CalendarTools]);
    await stack.connect('google', googleManifest.allScopes);
    const server = new McpServer({ name: 'prefixed', version: '1.0.0' });
    const names = new AlterMCP(stack.vault, { defaultUser: USER, toolNamePrefix: 'google_' }).register(server, [CalendarTools]);
    expect([...names].sort()).toEqual(['google_create_event', 'google_list_events']);
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(b);
    const client = new Client({ name: 'prefixed-client', version: '1.0.0' });
    await client.connect(a);
    try {
      const result = await client.callTool({ name: 'google_list_events', arguments: { timeMin: '2026-01-01T00:00:00Z' } });
      expect(result.isError).toBeFalsy();
      expect((result.structuredContent as { events: unknown[] }).events.length).toBeGreaterThanOrEqual(2);
    } finally {
      await client.close();
    }
  });
});
