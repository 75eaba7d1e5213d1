import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import * as oauth from 'oauth4webapi';
import { type Sandbox, startSandbox } from '@alter/testing';
import { api, type CallbackServer, discover, rawTokenRequest, refresh, startCallbackServer, tokenFor } from './support/oauth-flow.js';

let sandbox: Sandbox;
let callback: CallbackServer;

beforeAll(async () => {
  sandbox = await startSandbox();
  callback = await startCallbackServer();
  sandbox.registerRedirectUri(callback.url);
});
afterEach(() => sandbox.faults.reset());
afterAll(async () => {
  await sandbox.close();
  await callback.close();
});

describe('expireAccessTokens()', () => {
  it('makes current access tokens fail with 401 (API) and invalid_token (userinfo) until a refresh', async () => {
    const t = await tokenFor(sandbox, callback, 'github', ['read:user']);
    expect((await api(sandbox, 'GET', 'https://api.github.com/user', t.access_token)).status).toBe(200);
    expect(sandbox.faults.expireAccessTokens()).toBeGreaterThan(0);
    expect((await api(sandbox, 'GET', 'https://api.github.com/user', t.access_token)).status).toBe(401);
    const ui = await fetch(sandbox.endpoints.userinfo, { headers: { authorization: `Bearer ${t.access_token}` } });
    expect(ui.status).toBe(401);
    expect(ui.headers.get('www-authenticate')).toContain('invalid_token');
    const slack = await tokenFor(sandbox, callback, 'slack', ['channels:read']);
    sandbox.faults.expireAccessTokens();
    expect((await api(sandbox, 'GET', 'https://slack.com/api/conversations.list', slack.access_token)).json.error).toBe('token_expired');

    const as = await discover(sandbox);
    const fresh = await oauth.processRefreshTokenResponse(
      as,
      { client_id: 'sandbox-github' },
      await refresh(sandbox, 'github', t.refresh_token as string),
    );
    expect((await api(sandbox, 'GET', 'https://api.github.com/user', fresh.access_token)).status).toBe(200);
  });
});

describe('revokeGrant()', () => {
  it('turns refresh into invalid_grant and API calls into 401, for one provider only', async () => {
    const gh = await tokenFor(sandbox, callback, 'github', ['read:user'], 'bob');
    const g = await tokenFor(sandbox, callback, 'google', ['https://www.googleapis.com/auth/gmail.readonly'], 'bob');
    expect(sandbox.faults.revokeGrant({ login: 'bob', provider: 'github' })).toBeGreaterThan(0);
    expect((await api(sandbox, 'GET', 'https://api.github.com/user', gh.access_token)).status).toBe(401);
    const r = await rawTokenRequest(sandbox, 'github', { grant_type: 'refresh_token', refresh_token: gh.refresh_token as string });
    expect(r.body.error).toBe('invalid_grant');
    // Google grant untouched.
    expect((await api(sandbox, 'GET', 'https://gmail.googleapis.com/gmail/v1/users/me/messages', g.access_token)).status).toBe(200);
    expect(
      (await rawTokenRequest(sandbox, 'google', { grant_type: 'refresh_token', refresh_token: g.refresh_token as string })).status,
    ).toBe(200);
    sandbox.faults.revokeGrant({ login: 'bob' });
    expect(
      (await rawTokenRequest(sandbox, 'google', { grant_type: 'refresh_token', refresh_token: g.refresh_token as string })).body.error,
    ).toBe('invalid_grant');
  });

  it('rejects an unknown login or provider', () => {
    expect(() => sandbox.faults.revokeGrant({ login: 'nobody' })).toThrow(
      expect.objectContaining({ code: 'SANDBOX_INVALID_ARGUMENT', argument: 'options.login' }),
    );
    // Any string type-checks (custom services have their own ids); an unknown one is refused at run time.
    expect(() => sandbox.faults.revokeGrant({ login: 'alice', provider: 'dropbox' })).toThrow(
      expect.objectContaining({ argument: 'options.provider' }),
    );
  });
});

describe('rotateRefreshTokens()', () => {
  it('rotates on every use; the spent refresh token gives invalid_grant', async () => {
    sandbox.faults.rotateRefreshTokens(true);
    const t = await tokenFor(sandbox, callback, 'google', []);
    const rt1 = t.refresh_token as string;
    const first = await rawTokenRequest(sandbox, 'google', { grant_type: 'refresh_token', refresh_token: rt1 });
    expect(first.status).toBe(200);
    const rt2 = first.body.refresh_token as string;
    expect(rt2).not.toBe(rt1);
    const second = await rawTokenRequest(sandbox, 'google', { grant_type: 'refresh_token', refresh_token: rt2 });
    expect(second.status).toBe(200);
    const spent = await rawTokenRequest(sandbox, 'google', { grant_type: 'refresh_token', refresh_token: rt1 });
    expect(spent.status).toBe(400);
    expect(spent.body.error).toBe('invalid_grant');
    // oidc-provider treats reuse as theft and revokes the whole grant: the newest token dies too.
    const newest = second.body.refresh_token as string;
    expect((await rawTokenRequest(sandbox, 'google', { grant_type: 'refresh_token', refresh_token: newest })).body.error).toBe(
      'invalid_grant',
    );
  });

  it('keeps the refresh token when rotation is off', async () => {
    sandbox.faults.rotateRefreshTokens(false);
    const t = await tokenFor(sandbox, callback, 'google', []);
    const r = await rawTokenRequest(sandbox, 'google', { grant_type: 'refresh_token', refresh_token: t.refresh_token as string });
    expect(r.body.refresh_token).toBe(t.refresh_token);
  });
});

describe('failNext()', () => {
  it('answers the next API calls with 429 in the provider shape and Retry-After, then recovers', async () => {
    const t = await tokenFor(sandbox, callback, 'github', ['read:user']);
    sandbox.faults.failNext({ status: 429, count: 2 });
    const before = sandbox.stats.apiRequests.injected;
    const a = await api(sandbox, 'GET', 'https://api.github.com/user', t.access_token);
    const b = await api(sandbox, 'GET', 'https://api.github.com/user', t.access_token);
    const c = await api(sandbox, 'GET', 'https://api.github.com/user', t.access_token);
    expect([a.status, b.status, c.status]).toEqual([429, 429, 200]);
    expect(a.json.message).toMatch(/rate limit/);
    expect(a.headers.get('retry-after')).toBe('1');
    expect(sandbox.stats.apiRequests.injected - before).toBe(2);
  });

  it('uses each provider shape for 503 and 429', async () => {
    const g = await tokenFor(sandbox, callback, 'google', ['https://www.googleapis.com/auth/gmail.readonly']);
    sandbox.faults.failNext({ status: 503 });
    const res = await api(sandbox, 'GET', 'https://gmail.googleapis.com/gmail/v1/users/me/messages', g.access_token);
    expect(res.status).toBe(503);
    expect(res.json.error).toMatchObject({ code: 503, status: 'UNAVAILABLE' });
    const s = await tokenFor(sandbox, callback, 'slack', ['channels:read']);
    sandbox.faults.failNext({ status: 429, retryAfterSec: 3 });
    const slack = await api(sandbox, 'GET', 'https://slack.com/api/conversations.list', s.access_token);
    expect(slack.status).toBe(429);
    expect(slack.json).toEqual({ ok: false, error: 'ratelimited' });
    expect(slack.headers.get('retry-after')).toBe('3');
  });

  it('matches only the given path (sandbox path, real path or real URL)', async () => {
    const t = await tokenFor(sandbox, callback, 'github', ['read:user']);
    sandbox.faults.failNext({ status: 503, path: 'https://api.github.com/user/repos' });
    expect((await api(sandbox, 'GET', 'https://api.github.com/user', t.access_token)).status).toBe(200);
    expect((await api(sandbox, 'GET', 'https://api.github.com/user/repos', t.access_token)).status).toBe(503);
    sandbox.faults.failNext({ status: 503, path: '/user' });
    expect((await api(sandbox, 'GET', 'https://api.github.com/user', t.access_token)).status).toBe(503);
    expect(sandbox.faults.pendingFailures).toEqual([]);
  });

  it('fails the token endpoint with temporarily_unavailable and counts the request', async () => {
    const t = await tokenFor(sandbox, callback, 'google', []);
    sandbox.stats.reset();
    sandbox.faults.failNext({ status: 503, target: 'token' });
    const failed = await rawTokenRequest(sandbox, 'google', { grant_type: 'refresh_token', refresh_token: t.refresh_token as string });
    expect(failed.status).toBe(503);
    expect(failed.body.error).toBe('temporarily_unavailable');
    const ok = await rawTokenRequest(sandbox, 'google', { grant_type: 'refresh_token', refresh_token: t.refresh_token as string });
    expect(ok.status).toBe(200);
    expect(sandbox.stats.tokenRequests).toMatchObject({ total: 2, refresh_token: 2, errors: { temporarily_unavailable: 1 } });
  });

  it('rejects bad options', () => {
    expect(() => sandbox.faults.failNext({ status: 200 })).toThrow(expect.objectContaining({ argument: 'options.status' }));
    expect(() => sandbox.faults.failNext({ status: 429, count: 0 })).toThrow(expect.objectContaining({ argument: 'options.count' }));
  });
});

describe('echoRequestNext()', () => {
  it("answers 400 in each provider's error shape with the request headers echoed, then recovers", async () => {
    const g = await tokenFor(sandbox, callback, 'google', ['https://www.googleapis.com/auth/gmail.readonly']);
    sandbox.faults.echoRequestNext({ path: '/gmail/v1/' });
    const google = await api(sandbox, 'GET', 'https://gmail.googleapis.com/gmail/v1/users/me/messages', g.access_token);
    expect(google.status).toBe(400);
    expect(google.json.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT', errors: [{ reason: 'badRequest' }] });
    expect(google.json.error.message).toContain(`authorization: Bearer ${g.access_token}`);
    expect((await api(sandbox, 'GET', 'https://gmail.googleapis.com/gmail/v1/users/me/messages', g.access_token)).status).toBe(200);
    const gh = await tokenFor(sandbox, callback, 'github', ['read:user']);
    sandbox.faults.echoRequestNext();
    const github = await api(sandbox, 'GET', 'https://api.github.com/user', gh.access_token);
    expect([github.status, github.json.message]).toEqual([400, expect.stringContaining(`authorization: Bearer ${gh.access_token}`)]);
    const s = await tokenFor(sandbox, callback, 'slack', ['channels:read']);
    sandbox.faults.echoRequestNext({ count: 2 });
    const slack = await api(sandbox, 'GET', 'https://slack.com/api/conversations.list', s.access_token);
    expect([slack.status, slack.json.ok, slack.json.error]).toEqual([
      400,
      false,
      expect.stringContaining(`authorization: Bearer ${s.access_token}`),
    ]);
    sandbox.faults.reset();
    expect((await api(sandbox, 'GET', 'https://slack.com/api/conversations.list', s.access_token)).status).toBe(200);
  });

  it('rejects bad options', () => {
    expect(() => sandbox.faults.echoRequestNext({ count: 0 })).toThrow(expect.objectContaining({ argument: 'options.count' }));
    expect(() => sandbox.faults.echoRequestNext({ path: 5 as unknown as string })).toThrow(
      expect.objectContaining({ argument: 'options.path' }),
    );
  });
});

describe('latency()', () => {
  it('delays responses of the chosen target', async () => {
    const t = await tokenFor(sandbox, callback, 'github', ['read:user']);
    sandbox.faults.latency(150, 'api');
    const start = performance.now();
    const res = await api(sandbox, 'GET', 'https://api.github.com/user', t.access_token);
    // A lower bound only, which a slow machine cannot break: the delay was applied. No speed is asserted.
    expect(performance.now() - start).toBeGreaterThanOrEqual(140);
    expect(res.status).toBe(200);
    expect(() => sandbox.faults.latency(-1)).toThrow(expect.objectContaining({ code: 'SANDBOX_INVALID_ARGUMENT' }));
  });
});

describe('grantFewerScopes()', () => {
  it('refuses the listed scopes at every consent until turned off', async () => {
    sandbox.faults.grantFewerScopes(['repo']);
    const t = await tokenFor(sandbox, callback, 'github', ['repo', 'read:user']);
    expect(t.scope?.split(' ')).not.toContain('repo');
    expect(t.scope?.split(' ')).toContain('read:user');
    const write = await api(sandbox, 'POST', 'https://api.github.com/repos/alice/hello-world/issues', t.access_token, { title: 'x' });
    expect(write.status).toBe(403);
    sandbox.faults.grantFewerScopes([]);
    const t2 = await tokenFor(sandbox, callback, 'github', ['repo']);
    expect(t2.scope?.split(' ')).toContain('repo');
  });
});

describe('stats', () => {
  it('counts token requests by grant type and API requests by outcome', async () => {
    sandbox.stats.reset();
    const t = await tokenFor(sandbox, callback, 'github', ['read:user']);
    await rawTokenRequest(sandbox, 'github', { grant_type: 'refresh_token', refresh_token: t.refresh_token as string });
    await rawTokenRequest(sandbox, 'github', { grant_type: 'refresh_token', refresh_token: 'nope' });
    await api(sandbox, 'GET', 'https://api.github.com/user', t.access_token);
    await api(sandbox, 'GET', 'https://api.github.com/user', undefined);
    expect(sandbox.stats.tokenRequests).toEqual({
      total: 3,
      authorization_code: 1,
      refresh_token: 2,
      other: 0,
      errors: { invalid_grant: 1 },
    });
    expect(sandbox.stats.apiRequests).toMatchObject({
      total: 2,
      ok: 1,
      unauthorized: 1,
      forbidden: 0,
      byHost: { 'api.github.com': 2 },
      byRoute: { 'GET /user': 2 },
    });
  });
});
