import { z } from 'zod';
import type { CalendarEvent } from '../calendar-event.js';

const eventTime = z.object({
  dateTime: z.string().optional().describe('Start or end as an RFC 3339 date-time (timed events).'),
  date: z.string().optional().describe('Date as YYYY-MM-DD (all-day events).'),
  timeZone: z.string().optional().describe('IANA time zone of the event time.'),
});
/** The fields of a Calendar v3 `Event` the tools return (https://developers.google.com/workspace/calendar/api/v3/reference/events). */
export const event = z.object({
  id: z.string().describe('Event id.'),
  status: z.string().optional().describe('confirmed, tentative or cancelled.'),
  summary: z.string().optional().describe('Title.'),
  description: z.string().optional().describe('Description.'),
  location: z.string().optional().describe('Location.'),
  start: eventTime.optional().describe('When the event starts.'),
  end: eventTime.optional().describe('When the event ends (exclusive).'),
  htmlLink: z.string().optional().describe('Link to the event in Google Calendar.'),
  attendees: z
    .array(z.object({ email: z.string().optional(), responseStatus: z.string().optional() }))
    .optional()
    .describe('Guests and their answers (needsAction, declined, tentative, accepted).'),
  organizer: z.object({ email: z.string().optional() }).optional().describe('Who organizes the event.'),
});

// CalendarEvent (the type of an event as the tools return it) is public: ../calendar-event.ts.
export type { CalendarEvent } from '../calendar-event.js';

/** Keeps the documented fields a model needs; drops etags, iCalUID, reminders and the like. */
export function pickEvent(raw: unknown): CalendarEvent {
  const e = (raw ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = { id: typeof e.id === 'string' ? e.id : '' };
  for (const key of ['status', 'summary', 'description', 'location', 'htmlLink'] as const) {
    if (typeof e[key] === 'string') out[key] = e[key];
  }
  for (const key of ['start', 'end'] as const) {
    const t = e[key] as Record<string, unknown> | undefined;
    if (t && typeof t === 'object') {
      const time: Record<string, string> = {};
      for (const f of ['dateTime', 'date', 'timeZone'] as const) if (typeof t[f] === 'string') time[f] = t[f];
      out[key] = time;
    }
  }
  if (Array.isArray(e.attendees)) {
    out.attendees = e.attendees.map((item: unknown) => {
      const a = (item ?? {}) as Record<string, unknown>;
      return {
        ...(typeof a.email === 'string' ? { email: a.email } : {}),
        ...(typeof a.responseStatus === 'string' ? { responseStatus: a.responseStatus } : {}),
      };
    });
  }
  const organizer = e.organizer as Record<string, unknown> | null | undefined;
  if (organizer && typeof organizer.email === 'string') out.organizer = { email: organizer.email };
  return out as CalendarEvent;
}
