/**
 * The sandbox's revocation endpoints, spoken to the way the real providers are: oidc-provider's
 * RFC 7009 endpoint, GitHub's `DELETE /applications/{client_id}/grant` (Basic client auth) and
 * Slack's `auth.revoke`. Each is recorded in `sandbox.stats.revocations` (never the token) and the
 * revoked grant's tokens stop working at the fake APIs and the token endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLeakCheck, type Sandbox, startSandbox } from '@alter/testing';
import { api, type CallbackServer, refresh, startCallbackServer, tokenFor } from './support/oauth-flow.js';

let sandbox: Sandbox;
let callback: CallbackServer;
const leak = createLeakCheck();

beforeAll(async () => {
  sandbox = await startSandbox();
  callback = await startCallbackServer();
  sandbox.registerRedirectUri(callback.url);
});
afterAll(async () => {
  await sandbox.close();
  await callback.close();
  leak.assertClean();
});

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function deleteGrant(
  clientIdInPath: string,
  authorization: string | undefined,
  body: string,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${sandbox.apiBase('api.github.com')}/applications/${clientIdInPath}/grant`, {
    method: 'DELETE',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

describe("fake GitHub's application grant deletion", () => {
  it('deletes the authorization: 204, recorded, access and refresh tokens dead', async () => {
    const tokens = await tokenFor(sandbox, callback, 'github', ['read:user']);
    const access = leak.secret(tokens.access_token, 'github access token');
    const refreshToken = leak.secret(tokens.refresh_token!, 'github refresh token');
    const c = sandbox.client('github');
    sandbox.stats.reset();
    const res = await deleteGrant(c.clientId, basic(c.clientId, c.clientSecret), JSON.stringify({ access_token: access }));
    expect(res.status).toBe(204);
    expect(sandbox.stats.revocations).toEqual([
      { via: 'github-grant', clientId: c.clientId, tokenType: 'access_token', login: 'alice', revoked: true, status: 204 },
    ]);
    expect(sandbox.stats.apiRequests.byRoute['DELETE /applications/:client_id/grant']).toBe(1);
    leak.inspect(sandbox.stats.revocations, 'revocations');
    expect((await api(sandbox, 'GET', 'https://api.github.com/user', access)).status).toBe(401);
    expect((await refresh(sandbox, 'github', refreshToken)).status).toBe(400);
    // Deleting again: GitHub no longer knows the token.
    expect((await deleteGrant(c.clientId, basic(c.clientId, c.clientSecret), JSON.stringify({ access_token: access }))).status).toBe(404);
  });

  it('refuses missing or wrong client credentials, another client, a missing token and foreign tokens', async () => {
    const access = leak.secret((await tokenFor(sandbox, callback, 'github', ['read:user'])).access_token, 'github access token');
    const googleToken = leak.secret((await tokenFor(sandbox, callback, 'google', [])).access_token, 'google access token');
    const c = sandbox.client('github');
    const body = JSON.stringify({ access_token: access });
    sandbox.stats.reset();
    expect((await deleteGrant(c.clientId, undefined, body)).status).toBe(401);
    expect((await deleteGrant(c.clientId, basic(c.clientId, 'wrong-secret'), body)).status).toBe(401);
    expect((await deleteGrant('sandbox', basic(c.clientId, c.clientSecret), body)).status).toBe(404);
    expect((await deleteGrant(c.clientId, basic(c.clientId, c.clientSecret), '{}')).status).toBe(422);
    expect((await deleteGrant(c.clientId, basic(c.clientId, c.clientSecret), JSON.stringify({ access_token: googleToken }))).status).toBe(
      404,
    );
    expect(sandbox.stats.revocations.every((r) => !r.revoked)).toBe(true);
    expect(sandbox.stats.revocations).toHaveLength(5);
    // Nothing was revoked: the token still works.
    expect((await api(sandbox, 'GET', 'https://api.github.com/user', access)).status).toBe(200);
  });
});

describe("fake Slack's auth.revoke", () => {
  it('revokes the presented token (ok: true, revoked: true); test=true only checks it', async () => {
    const access = leak.secret((await tokenFor(sandbox, callback, 'slack', [])).access_token, 'slack access token');
    sandbox.stats.reset();
    const dry = await api(sandbox, 'POST', 'https://slack.com/api/auth.revoke?test=true', access);
    expect(dry.json).toEqual({ ok: true, revoked: false });
    expect((await api(sandbox, 'POST', 'https://slack.com/api/auth.test', access)).json.ok).toBe(true);
    const res = await api(sandbox, 'POST', 'https://slack.com/api/auth.revoke', access);
    expect(res).toMatchObject({ status: 200, json: { ok: true, revoked: true } });
    expect(sandbox.stats.revocations.at(-1)).toEqual({
      via: 'slack-auth-revoke',
      clientId: sandbox.client('slack').clientId,
      tokenType: 'access_token',
      login: 'alice',
      revoked: true,
      status: 200,
    });
    expect((await api(sandbox, 'POST', 'https://slack.com/api/auth.test', access)).json).toEqual({ ok: false, error: 'invalid_auth' });
    expect((await api(sandbox, 'POST', 'https://slack.com/api/auth.revoke', access)).json).toEqual({ ok: false, error: 'invalid_auth' });
    expect((await api(sandbox, 'POST', 'https://slack.com/api/auth.revoke', undefined)).json).toEqual({ ok: false, error: 'not_authed' });
  });
});

describe("the OAuth server's RFC 7009 endpoint", () => {
  it('records the revocation of a refresh token, which ends the whole grant', async () => {
    const tokens = await tokenFor(sandbox, callback, 'google', ['https://www.googleapis.com/auth/gmail.readonly']);
    const access = leak.secret(tokens.access_token, 'google access token');
    const refreshToken = leak.secret(tokens.refresh_token!, 'google refresh token');
    const c = sandbox.client('google');
    sandbox.stats.reset();
    const res = await fetch(sandbox.endpoints.revocation, {
      method: 'POST',
      headers: { authorization: basic(c.clientId, c.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token' }).toString(),
    });
    expect(res.status).toBe(200);
    expect(sandbox.stats.revocations).toEqual([
      { via: 'rfc7009', clientId: c.clientId, tokenType: 'refresh_token', login: 'alice', revoked: true, status: 200 },
    ]);
    expect((await api(sandbox, 'GET', 'https://gmail.googleapis.com/gmail/v1/users/me/messages', access)).status).toBe(401);
    expect((await refresh(sandbox, 'google', refreshToken)).status).toBe(400);
  });
});
