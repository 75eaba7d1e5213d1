import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { type Sandbox, startSandbox } from '@alter/testing';
import { api, type CallbackServer, startCallbackServer, tokenFor } from './support/oauth-flow.js';

const READONLY = 'https://www.googleapis.com/auth/gmail.readonly';
const SEND = 'https://www.googleapis.com/auth/gmail.send';
const METADATA = 'https://www.googleapis.com/auth/gmail.metadata';
const BASE = 'https://gmail.googleapis.com/gmail/v1/users/me';

let sandbox: Sandbox;
let callback: CallbackServer;
let readToken: string;
let sendToken: string;
let bobToken: string;

// A fresh sandbox (a fresh fake Gmail with the same seeded mailboxes) for each test: one test
// sends a message, and others expect the seeded messages only, so a shared sandbox made the
// results depend on the order the tests ran in (jest --randomize).
beforeEach(async () => {
  sandbox = await startSandbox();
  callback = await startCallbackServer();
  sandbox.registerRedirectUri(callback.url);
  readToken = (await tokenFor(sandbox, callback, 'google', [READONLY])).access_token;
  sendToken = (await tokenFor(sandbox, callback, 'google', [SEND])).access_token;
  bobToken = (await tokenFor(sandbox, callback, 'google', [READONLY], 'bob')).access_token;
});
afterEach(async () => {
  await sandbox.close();
  await callback.close();
});

function raw(lines: string[]): string {
  return Buffer.from(lines.join('\r\n')).toString('base64url');
}

describe('fake Gmail v1', () => {
  it('answers 401 UNAUTHENTICATED without a token, and with an unknown token', async () => {
    for (const token of [undefined, 'bogus']) {
      const res = await api(sandbox, 'GET', `${BASE}/messages`, token);
      expect(res.status).toBe(401);
      expect(res.json.error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
      expect(res.json.error.errors[0]).toMatchObject({ reason: 'authError', domain: 'global' });
      expect(res.headers.get('www-authenticate')).toContain('invalid_token');
    }
  });

  it('answers 403 ACCESS_TOKEN_SCOPE_INSUFFICIENT when the scope is missing', async () => {
    const res = await api(sandbox, 'GET', `${BASE}/messages`, sendToken);
    expect(res.status).toBe(403);
    expect(res.json.error).toMatchObject({
      code: 403,
      status: 'PERMISSION_DENIED',
      message: 'Request had insufficient authentication scopes.',
    });
    expect(res.json.error.details[0].reason).toBe('ACCESS_TOKEN_SCOPE_INSUFFICIENT');
    expect(res.headers.get('www-authenticate')).toContain('insufficient_scope');
    const send = await api(sandbox, 'POST', `${BASE}/messages/send`, readToken, { raw: raw(['To: bob@sandbox.test', '', 'x']) });
    expect(send.status).toBe(403);
  });

  it('refuses a token issued to another provider (GitHub token at Gmail)', async () => {
    const gh = await tokenFor(sandbox, callback, 'github', ['repo']);
    const res = await api(sandbox, 'GET', `${BASE}/messages`, gh.access_token);
    expect(res.status).toBe(401);
  });

  it('lists message ids newest first, with paging and a q filter', async () => {
    const res = await api(sandbox, 'GET', `${BASE}/messages?maxResults=2`, readToken);
    expect(res.status).toBe(200);
    expect(res.json.messages).toHaveLength(2);
    expect(res.json.messages[0]).toEqual({ id: expect.any(String), threadId: expect.any(String) });
    expect(res.json.resultSizeEstimate).toBe(3);
    expect(res.json.nextPageToken).toBeDefined();
    const page2 = await api(sandbox, 'GET', `${BASE}/messages?maxResults=2&pageToken=${res.json.nextPageToken}`, readToken);
    expect(page2.json.messages).toHaveLength(1);
    expect(page2.json.nextPageToken).toBeUndefined();
    const q = await api(sandbox, 'GET', `${BASE}/messages?q=${encodeURIComponent('subject:lunch is:unread')}`, readToken);
    expect(q.json.messages).toHaveLength(1);
    const none = await api(sandbox, 'GET', `${BASE}/messages?q=nothing-matches-this`, readToken);
    expect(none.json).toEqual({ resultSizeEstimate: 0 });
  });

  it('gets a message in full, metadata, minimal and raw formats', async () => {
    const list = await api(sandbox, 'GET', `${BASE}/messages`, readToken);
    const id = list.json.messages[0].id;
    const full = await api(sandbox, 'GET', `${BASE}/messages/${id}`, readToken);
    expect(full.status).toBe(200);
    expect(full.json).toMatchObject({
      id,
      threadId: expect.any(String),
      labelIds: expect.any(Array),
      snippet: expect.any(String),
      historyId: expect.any(String),
      internalDate: expect.stringMatching(/^\d+$/),
    });
    expect(full.json.payload.headers).toEqual(expect.arrayContaining([{ name: 'Subject', value: 'Lunch tomorrow?' }]));
    expect(Buffer.from(full.json.payload.body.data, 'base64url').toString()).toContain('lunch');
    const meta = await api(sandbox, 'GET', `${BASE}/messages/${id}?format=metadata&metadataHeaders=Subject`, readToken);
    expect(meta.json.payload.headers).toEqual([{ name: 'Subject', value: 'Lunch tomorrow?' }]);
    expect(meta.json.payload.body.data).toBeUndefined();
    const minimal = await api(sandbox, 'GET', `${BASE}/messages/${id}?format=minimal`, readToken);
    expect(minimal.json.payload).toBeUndefined();
    const rawMsg = await api(sandbox, 'GET', `${BASE}/messages/${id}?format=raw`, readToken);
    expect(Buffer.from(rawMsg.json.raw, 'base64url').toString()).toContain('Subject: Lunch tomorrow?');
  });

  it('answers 404 for an unknown message and 400 for a bad format', async () => {
    const missing = await api(sandbox, 'GET', `${BASE}/messages/ffffffffffffffff`, readToken);
    expect(missing.status).toBe(404);
    expect(missing.json.error).toMatchObject({ code: 404, status: 'NOT_FOUND' });
    const bad = await api(sandbox, 'GET', `${BASE}/messages/x?format=html`, readToken);
    expect(bad.status).toBe(400);
  });

  it('limits the metadata scope like Gmail does', async () => {
    const t = await tokenFor(sandbox, callback, 'google', [METADATA]);
    const list = await api(sandbox, 'GET', `${BASE}/messages`, t.access_token);
    expect(list.status).toBe(200);
    const full = await api(sandbox, 'GET', `${BASE}/messages/${list.json.messages[0].id}`, t.access_token);
    expect(full.status).toBe(403);
    const q = await api(sandbox, 'GET', `${BASE}/messages?q=lunch`, t.access_token);
    expect(q.status).toBe(403);
  });

  it("keeps mailboxes per user and refuses another user's userId", async () => {
    const res = await api(sandbox, 'GET', 'https://gmail.googleapis.com/gmail/v1/users/alice@sandbox.test/messages', bobToken);
    expect(res.status).toBe(403);
    expect(res.json.error.message).toMatch(/Delegation denied/);
    const own = await api(sandbox, 'GET', 'https://gmail.googleapis.com/gmail/v1/users/bob@sandbox.test/messages', bobToken);
    expect(own.status).toBe(200);
  });

  it('sends a message: it appears in SENT and in the recipient sandbox user inbox', async () => {
    const res = await api(sandbox, 'POST', `${BASE}/messages/send`, sendToken, {
      raw: raw(['To: Bob <bob@sandbox.test>', 'Subject: Hello from a test', '', 'Body text here']),
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ id: expect.any(String), threadId: expect.any(String), labelIds: ['SENT'] });
    const sent = await api(sandbox, 'GET', `${BASE}/messages?labelIds=SENT`, readToken);
    expect(sent.json.messages.map((m: { id: string }) => m.id)).toContain(res.json.id);
    const inbox = await api(
      sandbox,
      'GET',
      `${BASE}/messages?labelIds=INBOX&q=${encodeURIComponent('subject:hello from:alice')}`,
      bobToken,
    );
    expect(inbox.json.messages).toHaveLength(1);
    expect(sandbox.fakes.gmail.messages('bob').some((m) => m.headers.some((h) => h.value === 'Hello from a test'))).toBe(true);
  });

  it('validates send bodies with Gmail-shaped 400s', async () => {
    const noRaw = await api(sandbox, 'POST', `${BASE}/messages/send`, sendToken, {});
    expect(noRaw.status).toBe(400);
    expect(noRaw.json.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect(noRaw.json.error.message).toMatch(/'raw' RFC822 payload/);
    const noTo = await api(sandbox, 'POST', `${BASE}/messages/send`, sendToken, { raw: raw(['Subject: x', '', 'y']) });
    expect(noTo.json.error.message).toBe('Recipient address required');
    const notString = await api(sandbox, 'POST', `${BASE}/messages/send`, sendToken, { raw: 42 });
    expect(notString.status).toBe(400);
    const badJson = await api(sandbox, 'POST', `${BASE}/messages/send`, sendToken, '{nope');
    expect(badJson.status).toBe(400);
  });

  it('answers 404 for an unknown path and counts requests by route', async () => {
    expect((await api(sandbox, 'GET', `${BASE}/messages`, readToken)).status).toBe(200);
    const res = await api(sandbox, 'GET', `${BASE}/nothing`, readToken);
    expect(res.status).toBe(404);
    expect(sandbox.stats.apiRequests.byRoute['GET /gmail/v1/users/:userId/messages']).toBeGreaterThan(0);
    expect(sandbox.stats.apiRequests.byHost['gmail.googleapis.com']).toBeGreaterThan(0);
  });
});
