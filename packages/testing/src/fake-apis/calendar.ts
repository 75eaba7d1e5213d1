import { randomBytes } from 'node:crypto';
import type { ResolvedSandboxUser } from '../sandbox-user.js';
import { type FakeApi, type FakeRequest, type FakeResponse, intParam, isRecord, reply } from './fake-api.js';
import { googleError, googleErrors } from './google-errors.js';

const READ = [
  'https://www.googleapis.com/auth/calendar',
  'https://www.googleapis.com/auth/calendar.readonly',
  'https://www.googleapis.com/auth/calendar.events',
  'https://www.googleapis.com/auth/calendar.events.readonly',
];
const WRITE = ['https://www.googleapis.com/auth/calendar', 'https://www.googleapis.com/auth/calendar.events'];

/** `start` / `end` of an event: a timed event has `dateTime`, an all-day event has `date`. */
export interface CalendarEventTime {
  readonly dateTime?: string;
  readonly date?: string;
  readonly timeZone?: string;
}

/** One event in a fake primary calendar (the JSON shape of Calendar v3 `Event`). */
export interface CalendarEvent {
  readonly kind: 'calendar#event';
  readonly etag: string;
  readonly id: string;
  readonly status: 'confirmed';
  readonly htmlLink: string;
  readonly created: string;
  readonly updated: string;
  readonly summary?: string;
  readonly description?: string;
  readonly location?: string;
  readonly creator: { readonly email: string; readonly self: true };
  readonly organizer: { readonly email: string; readonly self: true };
  readonly start: CalendarEventTime;
  readonly end: CalendarEventTime;
  readonly iCalUID: string;
  readonly sequence: 0;
  readonly attendees?: readonly { readonly email: string; readonly responseStatus: string }[];
  readonly reminders: { readonly useDefault: true };
  readonly eventType: 'default';
}

/** What `CalendarFake.addEvent` takes. */
export interface NewCalendarEvent {
  readonly summary?: string;
  readonly description?: string;
  readonly location?: string;
  readonly start: CalendarEventTime;
  readonly end: CalendarEventTime;
  readonly attendees?: readonly { readonly email: string }[];
}

/**
 * A fake Google Calendar API v3 (`www.googleapis.com/calendar/v3/calendars/{calendarId}/events…`):
 * list (timeMin/timeMax, q, maxResults, singleEvents + orderBy=startTime, paging), get, insert
 * (validates start/end like the real API) and delete, on each user's `primary` calendar (also
 * addressable by the user's email). Seeded with two upcoming events per user (tomorrow 09:00
 * UTC "Team standup", the day after 14:00 UTC "Planning").
 */
export class CalendarFake {
  readonly #calendars = new Map<string, CalendarEvent[]>();

  constructor(users: readonly ResolvedSandboxUser[]) {
    // Upcoming, relative to start: "list upcoming events" tools (timeMin = now) find them.
    const day = (offset: number, hour: number, minute = 0) => {
      const d = new Date();
      d.setUTCHours(hour, minute, 0, 0);
      d.setUTCDate(d.getUTCDate() + offset);
      return d.toISOString().replace('.000Z', 'Z');
    };
    for (const u of users) {
      this.addEvent(u, { summary: 'Team standup', start: { dateTime: day(1, 9) }, end: { dateTime: day(1, 9, 15) } });
      this.addEvent(u, { summary: 'Planning', location: 'Room 1', start: { dateTime: day(2, 14) }, end: { dateTime: day(2, 15) } });
    }
  }

  /** Events of a user's primary calendar, by start time. */
  events(login: string): readonly CalendarEvent[] {
    return [...(this.#calendars.get(login) ?? [])].sort((a, b) => startOf(a) - startOf(b));
  }

  /** Adds an event to a user's primary calendar. */
  addEvent(user: ResolvedSandboxUser, e: NewCalendarEvent): CalendarEvent {
    const id = randomBytes(13).toString('hex');
    const now = new Date().toISOString();
    const event: CalendarEvent = {
      kind: 'calendar#event',
      etag: `"${Date.now()}${randomBytes(2).readUInt16BE()}"`,
      id,
      status: 'confirmed',
      htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${id} ${user.email}`).toString('base64url')}`,
      created: now,
      updated: now,
      ...(e.summary !== undefined ? { summary: e.summary } : {}),
      ...(e.description !== undefined ? { description: e.description } : {}),
      ...(e.location !== undefined ? { location: e.location } : {}),
      creator: { email: user.email, self: true },
      organizer: { email: user.email, self: true },
      start: { ...e.start },
      end: { ...e.end },
      iCalUID: `${id}@google.com`,
      sequence: 0,
      ...(e.attendees ? { attendees: e.attendees.map((a) => ({ email: a.email, responseStatus: 'needsAction' })) } : {}),
      reminders: { useDefault: true },
      eventType: 'default',
    };
    let list = this.#calendars.get(user.login);
    if (!list) {
      list = [];
      this.#calendars.set(user.login, list);
    }
    list.push(event);
    return event;
  }

  /** @internal The routes, for the sandbox's API server. */
  apis(): FakeApi[] {
    return [
      {
        name: 'calendar',
        provider: 'google',
        hosts: ['www.googleapis.com'],
        errors: googleErrors('calendar-json.googleapis.com'),
        routes: [
          { method: 'GET', path: '/calendar/v3/calendars/:calendarId/events', anyScope: READ, handle: (r) => this.#list(r) },
          { method: 'POST', path: '/calendar/v3/calendars/:calendarId/events', anyScope: WRITE, handle: (r) => this.#insert(r) },
          { method: 'GET', path: '/calendar/v3/calendars/:calendarId/events/:eventId', anyScope: READ, handle: (r) => this.#get(r) },
          { method: 'DELETE', path: '/calendar/v3/calendars/:calendarId/events/:eventId', anyScope: WRITE, handle: (r) => this.#delete(r) },
        ],
      },
    ];
  }

  #calendar(r: FakeRequest): CalendarEvent[] | FakeResponse {
    const id = r.params.calendarId ?? '';
    if (id !== 'primary' && id.toLowerCase() !== r.user.email.toLowerCase()) return googleError(404, 'Not Found', 'notFound');
    let list = this.#calendars.get(r.user.login);
    if (!list) {
      list = [];
      this.#calendars.set(r.user.login, list);
    }
    return list;
  }

  #list(r: FakeRequest): FakeResponse {
    const list = this.#calendar(r);
    if (!Array.isArray(list)) return list;
    const maxResults = intParam(r.query, 'maxResults', 1, 2500);
    if (Number.isNaN(maxResults)) return googleError(400, 'Invalid value for: maxResults', 'invalid');
    const timeMin = r.query.get('timeMin');
    const timeMax = r.query.get('timeMax');
    if ((timeMin !== null && !isRfc3339(timeMin)) || (timeMax !== null && !isRfc3339(timeMax)))
      return googleError(400, 'Bad Request', 'badRequest');
    const orderBy = r.query.get('orderBy');
    if (orderBy !== null && orderBy !== 'startTime' && orderBy !== 'updated')
      return googleError(400, `Invalid value for: orderBy`, 'invalid');
    if (orderBy === 'startTime' && r.query.get('singleEvents') !== 'true') {
      return googleError(400, 'The requested ordering is not available for the particular query.', 'invalid');
    }
    const q = (r.query.get('q') ?? '').toLowerCase();
    const offset = Number(r.query.get('pageToken') ?? '0');
    if (!Number.isInteger(offset) || offset < 0) return googleError(400, 'Invalid pageToken', 'invalid');
    const min = timeMin ? Date.parse(timeMin) : Number.NEGATIVE_INFINITY;
    const max = timeMax ? Date.parse(timeMax) : Number.POSITIVE_INFINITY;
    const items = [...list]
      .filter((e) => endOf(e) > min && startOf(e) < max)
      .filter((e) => !q || [e.summary, e.description, e.location].some((t) => t?.toLowerCase().includes(q)))
      .sort((a, b) => (orderBy === 'updated' ? Date.parse(a.updated) - Date.parse(b.updated) : startOf(a) - startOf(b)));
    const limit = maxResults ?? 250;
    const page = items.slice(offset, offset + limit);
    return reply(200, {
      kind: 'calendar#events',
      etag: `"${Date.now()}"`,
      summary: r.user.email,
      description: '',
      updated: new Date().toISOString(),
      timeZone: 'UTC',
      accessRole: 'owner',
      defaultReminders: [{ method: 'popup', minutes: 10 }],
      ...(offset + limit < items.length ? { nextPageToken: String(offset + limit) } : {}),
      items: page,
    });
  }

  #get(r: FakeRequest): FakeResponse {
    const list = this.#calendar(r);
    if (!Array.isArray(list)) return list;
    const e = list.find((x) => x.id === r.params.eventId);
    return e ? reply(200, e) : googleError(404, 'Not Found', 'notFound');
  }

  #delete(r: FakeRequest): FakeResponse {
    const list = this.#calendar(r);
    if (!Array.isArray(list)) return list;
    const i = list.findIndex((x) => x.id === r.params.eventId);
    if (i < 0) return googleError(404, 'Not Found', 'notFound');
    list.splice(i, 1);
    return { status: 204, body: undefined };
  }

  #insert(r: FakeRequest): FakeResponse {
    const list = this.#calendar(r);
    if (!Array.isArray(list)) return list;
    if (r.bodyMalformed) return googleError(400, 'Invalid JSON payload received.', 'parseError');
    const b = r.body;
    if (!isRecord(b)) return googleError(400, 'Missing end time.', 'required');
    for (const f of ['summary', 'description', 'location'] as const) {
      if (b[f] !== undefined && typeof b[f] !== 'string') return googleError(400, `Invalid value for: ${f}`, 'invalid');
    }
    if (b.end === undefined) return googleError(400, 'Missing end time.', 'required');
    if (b.start === undefined) return googleError(400, 'Missing start time.', 'required');
    const start = eventTime(b.start);
    const end = eventTime(b.end);
    if (!start) return googleError(400, 'Invalid start time.', 'invalid');
    if (!end) return googleError(400, 'Invalid end time.', 'invalid');
    if ('date' in start !== 'date' in end) return googleError(400, 'Invalid start time.', 'invalid');
    // The end is exclusive (all-day events end on the next day), so an empty range is refused.
    if (timeOf(end) <= timeOf(start)) {
      return googleError(400, 'The specified time range is empty.', 'timeRangeEmpty');
    }
    let attendees: { email: string }[] | undefined;
    if (b.attendees !== undefined) {
      if (!Array.isArray(b.attendees) || b.attendees.some((a) => !isRecord(a) || typeof a.email !== 'string' || !a.email.includes('@'))) {
        return googleError(400, 'Invalid attendee email.', 'invalid');
      }
      attendees = b.attendees.map((a) => ({ email: String((a as Record<string, unknown>).email) }));
    }
    const event = this.addEvent(r.user, {
      ...(typeof b.summary === 'string' ? { summary: b.summary } : {}),
      ...(typeof b.description === 'string' ? { description: b.description } : {}),
      ...(typeof b.location === 'string' ? { location: b.location } : {}),
      start,
      end,
      ...(attendees ? { attendees } : {}),
    });
    return reply(200, event);
  }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function isRfc3339(v: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v));
}

function eventTime(v: unknown): CalendarEventTime | undefined {
  if (!isRecord(v)) return undefined;
  if (v.timeZone !== undefined && typeof v.timeZone !== 'string') return undefined;
  const tz = typeof v.timeZone === 'string' ? { timeZone: v.timeZone } : {};
  if (typeof v.dateTime === 'string' && isRfc3339(v.dateTime)) return { dateTime: v.dateTime, ...tz };
  if (v.dateTime === undefined && typeof v.date === 'string' && DATE.test(v.date) && !Number.isNaN(Date.parse(v.date)))
    return { date: v.date, ...tz };
  return undefined;
}

function timeOf(t: CalendarEventTime): number {
  return Date.parse(t.dateTime ?? `${t.date}T00:00:00Z`);
}

function startOf(e: CalendarEvent): number {
  return timeOf(e.start);
}

function endOf(e: CalendarEvent): number {
  return timeOf(e.end);
}
