import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Sandbox, startSandbox } from '@alter/testing';
import { api, type CallbackServer, startCallbackServer, tokenFor } from './support/oauth-flow.js';

const READONLY = 'https://www.googleapis.com/auth/calendar.readonly';
const EVENTS = 'https://www.googleapis.com/auth/calendar.events';
const URL_EVENTS = 'https://www.googleapis.com/calendar/v3/calendars/primary/events';

let sandbox: Sandbox;
let callback: CallbackServer;
let readToken: string;
let writeToken: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  callback = await startCallbackServer();
  sandbox.registerRedirectUri(callback.url);
  readToken = (await tokenFor(sandbox, callback, 'google', [READONLY])).access_token;
  writeToken = (await tokenFor(sandbox, callback, 'google', [EVENTS])).access_token;
});
afterAll(async () => {
  await sandbox.close();
  await callback.close();
});

describe('fake Calendar v3', () => {
  it('answers 401 without a token', async () => {
    const res = await api(sandbox, 'GET', URL_EVENTS, undefined);
    expect(res.status).toBe(401);
    expect(res.json.error.status).toBe('UNAUTHENTICATED');
  });

  it('answers 403 for insert with a read-only token, and for list with a Gmail-only token', async () => {
    const res = await api(sandbox, 'POST', URL_EVENTS, readToken, {
      start: { dateTime: '2026-02-01T10:00:00Z' },
      end: { dateTime: '2026-02-01T11:00:00Z' },
    });
    expect(res.status).toBe(403);
    expect(res.json.error.details[0].reason).toBe('ACCESS_TOKEN_SCOPE_INSUFFICIENT');
    const gmail = (await tokenFor(sandbox, callback, 'google', ['https://www.googleapis.com/auth/gmail.readonly'])).access_token;
    expect((await api(sandbox, 'GET', URL_EVENTS, gmail)).status).toBe(403);
  });

  it('lists events in the calendar#events shape', async () => {
    const res = await api(sandbox, 'GET', `${URL_EVENTS}?singleEvents=true&orderBy=startTime`, readToken);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ kind: 'calendar#events', summary: 'alice@sandbox.test', timeZone: 'UTC', accessRole: 'owner' });
    expect(res.json.items.map((e: { summary: string }) => e.summary)).toEqual(['Team standup', 'Planning']);
    const tomorrow9 = new Date();
    tomorrow9.setUTCHours(9, 0, 0, 0);
    tomorrow9.setUTCDate(tomorrow9.getUTCDate() + 1);
    expect(res.json.items[0]).toMatchObject({
      kind: 'calendar#event',
      status: 'confirmed',
      start: { dateTime: tomorrow9.toISOString().replace('.000Z', 'Z') },
      organizer: { email: 'alice@sandbox.test', self: true },
    });
  });

  it('seeds upcoming events, so a timeMin=now query finds them', async () => {
    const res = await api(
      sandbox,
      'GET',
      `${URL_EVENTS}?timeMin=${encodeURIComponent(new Date().toISOString().replace(/\.\d+Z$/, 'Z'))}&singleEvents=true&orderBy=startTime`,
      readToken,
    );
    expect(res.json.items).toHaveLength(2);
  });

  it('filters by timeMin/timeMax and q, and pages', async () => {
    const planning = sandbox.fakes.calendar.events('alice').find((e) => e.summary === 'Planning')!;
    const dayStart = `${planning.start.dateTime!.slice(0, 10)}T00:00:00Z`;
    const dayEnd = `${planning.start.dateTime!.slice(0, 10)}T23:59:59Z`;
    const win = await api(sandbox, 'GET', `${URL_EVENTS}?timeMin=${dayStart}&timeMax=${dayEnd}`, readToken);
    expect(win.json.items.map((e: { summary: string }) => e.summary)).toEqual(['Planning']);
    const q = await api(sandbox, 'GET', `${URL_EVENTS}?q=standup`, readToken);
    expect(q.json.items).toHaveLength(1);
    const p1 = await api(sandbox, 'GET', `${URL_EVENTS}?maxResults=1`, readToken);
    expect(p1.json.items).toHaveLength(1);
    const p2 = await api(sandbox, 'GET', `${URL_EVENTS}?maxResults=1&pageToken=${p1.json.nextPageToken}`, readToken);
    expect(p2.json.items[0].id).not.toBe(p1.json.items[0].id);
  });

  it('rejects bad list parameters with 400', async () => {
    expect((await api(sandbox, 'GET', `${URL_EVENTS}?timeMin=yesterday`, readToken)).status).toBe(400);
    expect((await api(sandbox, 'GET', `${URL_EVENTS}?orderBy=startTime`, readToken)).json.error.message).toBe(
      'The requested ordering is not available for the particular query.',
    );
    expect((await api(sandbox, 'GET', `${URL_EVENTS}?maxResults=0`, readToken)).status).toBe(400);
  });

  it('inserts an event that shows up in later lists and gets', async () => {
    const body = {
      summary: 'Sandbox demo',
      location: 'Online',
      start: { dateTime: '2026-03-01T10:00:00Z' },
      end: { dateTime: '2026-03-01T10:30:00Z' },
      attendees: [{ email: 'bob@sandbox.test' }],
    };
    const res = await api(sandbox, 'POST', URL_EVENTS, writeToken, body);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      kind: 'calendar#event',
      id: expect.any(String),
      summary: 'Sandbox demo',
      htmlLink: expect.stringContaining('https://www.google.com/calendar/event?eid='),
      attendees: [{ email: 'bob@sandbox.test', responseStatus: 'needsAction' }],
    });
    const list = await api(sandbox, 'GET', `${URL_EVENTS}?q=demo`, readToken);
    expect(list.json.items.map((e: { id: string }) => e.id)).toEqual([res.json.id]);
    const get = await api(sandbox, 'GET', `${URL_EVENTS}/${res.json.id}`, readToken);
    expect(get.json.summary).toBe('Sandbox demo');
    const del = await api(sandbox, 'DELETE', `${URL_EVENTS}/${res.json.id}`, writeToken);
    expect(del.status).toBe(204);
    expect((await api(sandbox, 'GET', `${URL_EVENTS}/${res.json.id}`, readToken)).status).toBe(404);
  });

  it('validates insert bodies like the real API', async () => {
    const noEnd = await api(sandbox, 'POST', URL_EVENTS, writeToken, { start: { dateTime: '2026-03-01T10:00:00Z' } });
    expect(noEnd.status).toBe(400);
    expect(noEnd.json.error).toMatchObject({ code: 400, message: 'Missing end time.' });
    expect(noEnd.json.error.errors[0].reason).toBe('required');
    const badStart = await api(sandbox, 'POST', URL_EVENTS, writeToken, {
      start: { dateTime: 'tomorrow' },
      end: { dateTime: '2026-03-01T10:00:00Z' },
    });
    expect(badStart.json.error.message).toBe('Invalid start time.');
    const empty = await api(sandbox, 'POST', URL_EVENTS, writeToken, {
      start: { dateTime: '2026-03-01T10:00:00Z' },
      end: { dateTime: '2026-03-01T09:00:00Z' },
    });
    expect(empty.json.error.errors[0].reason).toBe('timeRangeEmpty');
    const badSummary = await api(sandbox, 'POST', URL_EVENTS, writeToken, {
      summary: 5,
      start: { date: '2026-03-01' },
      end: { date: '2026-03-02' },
    });
    expect(badSummary.status).toBe(400);
    const allDay = await api(sandbox, 'POST', URL_EVENTS, writeToken, {
      summary: 'Holiday',
      start: { date: '2026-03-01' },
      end: { date: '2026-03-02' },
    });
    expect(allDay.status).toBe(200);
  });

  it("answers 404 for another user's calendar id", async () => {
    const res = await api(sandbox, 'GET', 'https://www.googleapis.com/calendar/v3/calendars/bob@sandbox.test/events', readToken);
    expect(res.status).toBe(404);
  });
});
