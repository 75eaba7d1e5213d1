import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Sandbox, startSandbox } from '@alter/testing';
import { api, type CallbackServer, startCallbackServer, tokenFor } from './support/oauth-flow.js';

const S = 'https://slack.com/api';

let sandbox: Sandbox;
let callback: CallbackServer;
let readToken: string;
let writeToken: string;
let allToken: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  callback = await startCallbackServer();
  sandbox.registerRedirectUri(callback.url);
  readToken = (await tokenFor(sandbox, callback, 'slack', ['channels:read', 'channels:history'])).access_token;
  writeToken = (await tokenFor(sandbox, callback, 'slack', ['chat:write'])).access_token;
  allToken = (
    await tokenFor(sandbox, callback, 'slack', ['channels:read', 'groups:read', 'channels:history', 'groups:history', 'chat:write'])
  ).access_token;
});
afterAll(async () => {
  await sandbox.close();
  await callback.close();
});

describe('fake Slack Web API', () => {
  it('reports auth failures like Slack: HTTP 200 with ok:false', async () => {
    const none = await api(sandbox, 'GET', `${S}/conversations.list`, undefined);
    expect(none.status).toBe(200);
    expect(none.json).toEqual({ ok: false, error: 'not_authed' });
    const bad = await api(sandbox, 'GET', `${S}/conversations.list`, 'xoxp-bogus');
    expect(bad.json).toEqual({ ok: false, error: 'invalid_auth' });
  });

  it('reports missing_scope with needed and provided', async () => {
    const res = await api(sandbox, 'POST', `${S}/chat.postMessage`, readToken, { channel: 'C0GENERAL01', text: 'hi' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: false, error: 'missing_scope', needed: 'chat:write', provided: 'channels:read,channels:history' });
  });

  it('auth.test names the user', async () => {
    const res = await api(sandbox, 'POST', `${S}/auth.test`, writeToken);
    expect(res.json).toMatchObject({ ok: true, user: 'alice', team_id: 'T0SANDBOX', user_id: sandbox.user('alice').slackId });
  });

  it('lists public channels, and private ones only with groups:read and membership', async () => {
    const pub = await api(sandbox, 'GET', `${S}/conversations.list`, readToken);
    expect(pub.json.ok).toBe(true);
    expect(pub.json.channels.map((c: { name: string }) => c.name)).toEqual(['general', 'random']);
    expect(pub.json.channels[0]).toMatchObject({
      id: 'C0GENERAL01',
      is_channel: true,
      is_private: false,
      is_general: true,
      is_member: true,
      num_members: 2,
    });
    expect(pub.json.response_metadata).toEqual({ next_cursor: '' });
    const both = await api(sandbox, 'GET', `${S}/conversations.list?types=public_channel,private_channel`, allToken);
    expect(both.json.channels.map((c: { name: string }) => c.name)).toEqual(['general', 'random', 'secret-plans']);
    const paged = await api(sandbox, 'GET', `${S}/conversations.list?limit=1`, readToken);
    expect(paged.json.channels).toHaveLength(1);
    const next = await api(
      sandbox,
      'GET',
      `${S}/conversations.list?limit=1&cursor=${encodeURIComponent(paged.json.response_metadata.next_cursor)}`,
      readToken,
    );
    expect(next.json.channels[0].name).toBe('random');
    expect((await api(sandbox, 'GET', `${S}/conversations.list?types=bogus`, readToken)).json).toEqual({
      ok: false,
      error: 'invalid_types',
    });
  });

  it('posts a message (JSON or form body) that shows up in conversations.history, newest first', async () => {
    const res = await api(sandbox, 'POST', `${S}/chat.postMessage`, writeToken, { channel: 'C0GENERAL01', text: 'Hello from a test' });
    expect(res.json).toMatchObject({
      ok: true,
      channel: 'C0GENERAL01',
      ts: expect.stringMatching(/^\d+\.\d{6}$/),
      message: { type: 'message', text: 'Hello from a test', user: sandbox.user('alice').slackId },
    });
    const form = await api(sandbox, 'POST', `${S}/chat.postMessage`, writeToken, 'channel=%23general&text=form+body', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.json.ok).toBe(true);
    const history = await api(sandbox, 'GET', `${S}/conversations.history?channel=C0GENERAL01&limit=2`, readToken);
    expect(history.json.ok).toBe(true);
    expect(history.json.messages.map((m: { text: string }) => m.text)).toEqual(['form body', 'Hello from a test']);
    expect(history.json.has_more).toBe(true);
    expect(history.json.response_metadata.next_cursor).not.toBe('');
  });

  it('validates arguments with Slack error codes', async () => {
    expect((await api(sandbox, 'POST', `${S}/chat.postMessage`, writeToken, { channel: 'C0GENERAL01' })).json).toEqual({
      ok: false,
      error: 'no_text',
    });
    expect((await api(sandbox, 'POST', `${S}/chat.postMessage`, writeToken, { text: 'x' })).json.error).toBe('channel_not_found');
    expect((await api(sandbox, 'POST', `${S}/chat.postMessage`, writeToken, { channel: 'CNOPE', text: 'x' })).json.error).toBe(
      'channel_not_found',
    );
    expect((await api(sandbox, 'POST', `${S}/chat.postMessage`, writeToken, { channel: 'C0GENERAL01', text: 5 })).json.error).toBe(
      'invalid_arguments',
    );
    expect((await api(sandbox, 'GET', `${S}/conversations.history`, readToken)).json).toMatchObject({
      ok: false,
      error: 'invalid_arguments',
    });
    expect((await api(sandbox, 'GET', `${S}/conversations.history?channel=G0SECRET001`, allToken)).json.ok).toBe(true);
    const bobToken = (await tokenFor(sandbox, callback, 'slack', ['groups:history'], 'bob')).access_token;
    expect((await api(sandbox, 'GET', `${S}/conversations.history?channel=G0SECRET001`, bobToken)).json.error).toBe('channel_not_found');
    expect(
      (await api(sandbox, 'POST', `${S}/chat.postMessage`, writeToken, '{bad', { 'content-type': 'application/json' })).json.error,
    ).toBe('invalid_json');
  });

  it('answers unknown_method for an unknown method', async () => {
    const res = await api(sandbox, 'GET', `${S}/users.nope`, readToken);
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ ok: false, error: 'unknown_method' });
  });
});
