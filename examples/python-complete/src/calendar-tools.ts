import { type AlterContext, AlterTool } from '@alter/mcp';
import { z } from 'zod';

const EVENTS_URL = 'https://www.googleapis.com/calendar/v3/calendars/primary/events';

/**
 * The two tools of the Python docs' "Complete Example", with the Python parameter names
 * (`max_results`, `summary`, `start`, `end`) and, like Python, no per-tool scopes: the
 * `calendar.events` scope comes from the AlterAuthProvider `providers` dict (see server.ts).
 */
export class CalendarTools {
  @AlterTool('google', {
    description: 'List upcoming calendar events.',
    input: z.object({ max_results: z.number().int().default(10) }),
  })
  async listEvents(ctx: AlterContext, { max_results }: { max_results: number }): Promise<unknown[]> {
    const response = await ctx.request('GET', EVENTS_URL, {
      queryParams: { maxResults: String(max_results), orderBy: 'startTime', singleEvents: 'true' },
    });
    return response.json<{ items?: unknown[] }>().items ?? [];
  }

  @AlterTool('google', {
    description: 'Create a calendar event. Start and end are ISO 8601 datetime strings.',
    input: z.object({ summary: z.string(), start: z.string(), end: z.string() }),
  })
  async createEvent(ctx: AlterContext, { summary, start, end }: { summary: string; start: string; end: string }): Promise<unknown> {
    const response = await ctx.request('POST', EVENTS_URL, {
      json: { summary, start: { dateTime: start }, end: { dateTime: end } },
    });
    return response.json();
  }
}
