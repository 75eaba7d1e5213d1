import { type AlterContext, AlterTool } from '@alter/mcp';
import { z } from 'zod';

/** The one scope the Python seed's example declares: read and write calendar events. */
export const CALENDAR_EVENTS_SCOPE = 'https://www.googleapis.com/auth/calendar.events';
const EVENTS_URL = 'https://www.googleapis.com/calendar/v3/calendars/primary/events';

const listEventsInput = z.object({
  maxResults: z.number().int().min(1).max(250).default(10).describe('How many events to return (1–250).'),
});
const createEventInput = z.object({
  summary: z.string().min(1).max(1024).describe('Title of the event.'),
  start: z.iso.datetime({ offset: true }).describe('Start, ISO 8601 date-time, e.g. "2026-12-01T10:00:00Z".'),
  end: z.iso.datetime({ offset: true }).describe('End, ISO 8601 date-time, after start.'),
});

/**
 * The calendar server of the Python seed's "Complete Example", in TypeScript: `list_events` and
 * `create_event` on the user's primary Google Calendar.
 */
export class CalendarTools {
  @AlterTool('google', {
    description: 'List upcoming calendar events.',
    input: listEventsInput,
    scopes: [CALENDAR_EVENTS_SCOPE],
    annotations: { readOnlyHint: true, openWorldHint: true },
  })
  async listEvents(ctx: AlterContext, { maxResults }: z.output<typeof listEventsInput>) {
    const response = await ctx.request('GET', EVENTS_URL, {
      queryParams: { maxResults: String(maxResults), orderBy: 'startTime', singleEvents: 'true' },
    });
    return response.json<{ items?: unknown[] }>().items ?? [];
  }

  @AlterTool('google', {
    description: 'Create a calendar event. Start and end are ISO 8601 datetime strings.',
    input: createEventInput,
    scopes: [CALENDAR_EVENTS_SCOPE],
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  })
  async createEvent(ctx: AlterContext, { summary, start, end }: z.output<typeof createEventInput>) {
    const response = await ctx.request('POST', EVENTS_URL, {
      json: { summary, start: { dateTime: start }, end: { dateTime: end } },
    });
    return response.json<Record<string, unknown>>();
  }
}
