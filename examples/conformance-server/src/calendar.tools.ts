/** The design's CalendarTools (verbatim) plus a Gmail pair with a nested call, for the stdio server. */
import { z } from 'zod';
import { AlterTool, type AlterContext } from '@alter/mcp';

export class CalendarTools {
  @AlterTool('google', {
    description: 'List upcoming calendar events.',
    input: z.object({ maxResults: z.number().int().min(1).max(250).default(10) }),
    scopes: ['https://www.googleapis.com/auth/calendar.readonly'],
    annotations: { readOnlyHint: true },
  })
  async listEvents(ctx: AlterContext, { maxResults }: { maxResults: number }) {
    const res = await ctx.request('GET', 'https://www.googleapis.com/calendar/v3/calendars/primary/events', {
      queryParams: { maxResults: String(maxResults) },
    });
    return res.json<{ items?: unknown[] }>().items ?? [];
  }
}

export class GmailTools {
  @AlterTool('google', {
    description: 'List emails matching a Gmail search query.',
    input: z.object({ query: z.string().default('') }),
    scopes: ['https://www.googleapis.com/auth/gmail.readonly'],
  })
  async listEmails(ctx: AlterContext, { query }: { query: string }): Promise<unknown[]> {
    const res = await ctx.request('GET', 'https://gmail.googleapis.com/gmail/v1/users/me/messages', { queryParams: { q: query } });
    return res.json<{ messages?: unknown[] }>().messages ?? [];
  }

  @AlterTool('google', { description: 'Summarize the unread inbox.', scopes: ['https://www.googleapis.com/auth/gmail.readonly'] })
  async summarizeInbox(ctx: AlterContext): Promise<string> {
    const emails = await this.listEmails(ctx, { query: 'is:unread' });
    return `Found ${emails.length} unread emails`;
  }
}
