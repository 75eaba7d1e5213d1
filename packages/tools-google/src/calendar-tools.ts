import { type AlterContext, AlterTool } from '@alter/mcp';
import { z } from 'zod';
import { GOOGLE_SCOPES_BY_TOOL } from './google-scopes.js';
import type { CalendarEvent } from './calendar-event.js';
import { event, pickEvent } from './internal/calendar-event.js';
import { googleJson } from './internal/google-response.js';

/** Calendar API v3 (https://developers.google.com/workspace/calendar/api/v3/reference/events). */
const EVENTS = 'https://www.googleapis.com/calendar/v3/calendars/{calendarId}/events';

const calendarId = z
  .string()
  .min(1)
  .max(256)
  .default('primary')
  .describe('Calendar id: "primary" for the user\'s main calendar, or an id such as "team@group.calendar.google.com".');
const dateTime = z.iso.datetime({ offset: true });

const listEventsInput = z.object({
  calendarId,
  maxResults: z.number().int().min(1).max(250).default(10).describe('How many events to return (1–250).'),
  timeMin: dateTime.optional().describe('Only events ending after this RFC 3339 date-time, e.g. "2026-11-25T09:00:00Z". Defaults to now.'),
  timeMax: dateTime.optional().describe('Only events starting before this RFC 3339 date-time.'),
  query: z.string().max(500).optional().describe('Free-text filter on summary, description, location and attendees.'),
  pageToken: z.string().max(512).optional().describe('The nextPageToken of a previous call, to get the next page.'),
});
const listEventsOutput = z.object({
  events: z.array(event).describe('Events in start-time order (recurring events expanded).'),
  nextPageToken: z.string().optional().describe('Pass as pageToken to get more.'),
  timeZone: z.string().optional().describe("The calendar's time zone."),
});

const createEventInput = z
  .object({
    calendarId,
    summary: z.string().min(1).max(1024).describe('Title of the event.'),
    start: dateTime.describe('Start as an RFC 3339 date-time with offset, e.g. "2026-12-01T10:00:00+01:00".'),
    end: dateTime.describe('End as an RFC 3339 date-time with offset; after start.'),
    timeZone: z.string().max(64).optional().describe('IANA time zone for start and end, e.g. "Europe/Paris" (default: the calendar\'s).'),
    description: z.string().max(8192).optional().describe('Description or agenda.'),
    location: z.string().max(1024).optional().describe('Where it happens (address or meeting link).'),
    attendees: z.array(z.email()).max(100).optional().describe('Guests to invite (email addresses).'),
    sendUpdates: z
      .enum(['all', 'externalOnly', 'none'])
      .default('none')
      .describe('Who gets an invitation email: all guests, only non-Google-Calendar guests, or none.'),
  })
  .refine((v) => Date.parse(v.end) > Date.parse(v.start), { message: 'end must be after start', path: ['end'] });
const createEventOutput = event;

/** Input of `list_events` (after defaults). */
export type ListEventsInput = z.output<typeof listEventsInput>;
/** Result of `list_events`. */
export type ListEventsOutput = z.output<typeof listEventsOutput>;
/** Input of `create_event`. */
export type CreateEventInput = z.output<typeof createEventInput>;
/** An event as the tools return it. */
export type { CalendarEvent } from './calendar-event.js';

/**
 * Google Calendar tools: `list_events` and `create_event`.
 *
 * @throws ProviderApiError (code `ALTER_PROVIDER_API`) from a tool method when Google refuses the
 *   call; `@alter/mcp` shows its message to the model. Missing grants and scopes are handled by
 *   `@alter/mcp` (a Connect URL), not here.
 * @example
 * ```ts
 * alter.register(server, [CalendarTools]);
 * ```
 */
export class CalendarTools {
  @AlterTool('google', {
    name: 'list_events',
    // Only these: a request elsewhere is refused before the token is read (docs/policies.md).
    endpoints: ['GET https://www.googleapis.com/calendar/v3/calendars/{calendarId}/events'],
    title: 'List calendar events',
    description: "List upcoming events on the user's Google Calendar, in start-time order.",
    input: listEventsInput,
    output: listEventsOutput,
    scopes: [...GOOGLE_SCOPES_BY_TOOL.list_events],
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  })
  async listEvents(ctx: AlterContext, input: ListEventsInput): Promise<ListEventsOutput> {
    const queryParams: Record<string, string> = {
      maxResults: String(input.maxResults),
      orderBy: 'startTime',
      singleEvents: 'true',
      timeMin: input.timeMin ?? new Date().toISOString(),
    };
    if (input.timeMax) queryParams.timeMax = input.timeMax;
    if (input.query) queryParams.q = input.query;
    if (input.pageToken) queryParams.pageToken = input.pageToken;
    const res = googleJson<{ items?: unknown[]; nextPageToken?: string; timeZone?: string }>(
      await ctx.request('GET', EVENTS, { pathParams: { calendarId: input.calendarId }, queryParams, reason: 'list events' }),
      `Listing events of calendar ${input.calendarId}`,
    );
    return {
      events: (res.items ?? []).map(pickEvent),
      ...(res.nextPageToken ? { nextPageToken: res.nextPageToken } : {}),
      ...(res.timeZone ? { timeZone: res.timeZone } : {}),
    };
  }

  @AlterTool('google', {
    name: 'create_event',
    // Only these: a request elsewhere is refused before the token is read (docs/policies.md).
    endpoints: ['POST https://www.googleapis.com/calendar/v3/calendars/{calendarId}/events'],
    title: 'Create a calendar event',
    description: "Create an event on the user's Google Calendar, optionally inviting guests.",
    input: createEventInput,
    output: createEventOutput,
    scopes: [...GOOGLE_SCOPES_BY_TOOL.create_event],
    // Adds an event; calling twice creates two events.
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  })
  async createEvent(ctx: AlterContext, input: CreateEventInput): Promise<CalendarEvent> {
    const time = (dateTime: string) => (input.timeZone ? { dateTime, timeZone: input.timeZone } : { dateTime });
    const body: Record<string, unknown> = { summary: input.summary, start: time(input.start), end: time(input.end) };
    if (input.description) body.description = input.description;
    if (input.location) body.location = input.location;
    if (input.attendees?.length) body.attendees = input.attendees.map((email) => ({ email }));
    const created = googleJson<unknown>(
      await ctx.request('POST', EVENTS, {
        pathParams: { calendarId: input.calendarId },
        queryParams: { sendUpdates: input.sendUpdates },
        json: body,
        reason: 'create event',
      }),
      `Creating an event on calendar ${input.calendarId}`,
    );
    return pickEvent(created);
  }
}
