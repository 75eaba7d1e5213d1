import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oauth from 'oauth4webapi';
import { type Sandbox, startSandbox } from '@alter/testing';
import {
  authorizeUrl,
  type CallbackServer,
  codeFlow,
  discover,
  insecure,
  rawTokenRequest,
  refresh,
  startCallbackServer,
} from './support/oauth-flow.js';

const GMAIL_READ = 'https://www.googleapis.com/auth/gmail.readonly';
const CAL = 'https://www.googleapis.com/auth/calendar';

let sandbox: Sandbox;
let callback: CallbackServer;

beforeAll(async () => {
  sandbox = await startSandbox();
  callback = await startCallbackServer();
  sandbox.registerRedirectUri(callback.url);
});
afterAll(async () => {
  await sandbox.close();
  await callback.close();
});

describe('authorization code + PKCE', () => {
  it('publishes discovery metadata for its loopback issuer', async () => {
    const as = await discover(sandbox);
    expect(as.issuer).toBe(sandbox.url);
    expect(as.token_endpoint).toBe(sandbox.endpoints.token);
    expect(as.authorization_endpoint).toBe(sandbox.endpoints.authorization);
    expect(as.userinfo_endpoint).toBe(sandbox.endpoints.userinfo);
    expect(as.code_challenge_methods_supported).toEqual(['S256']);
    expect(as.scopes_supported).toEqual(expect.arrayContaining(['openid', 'offline_access', GMAIL_READ, 'repo', 'chat:write']));
  });

  it('issues access, refresh and id tokens with sub/email/name after approve()', async () => {
    const { tokens, claims, approve } = await codeFlow(sandbox, callback, 'google', `openid offline_access email profile ${GMAIL_READ}`, {
      login: 'alice',
    });
    expect(approve.status).toBe(200);
    expect(approve.finalUrl.startsWith(callback.url)).toBe(true);
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(typeof tokens.access_token).toBe('string');
    expect(typeof tokens.refresh_token).toBe('string');
    expect(tokens.expires_in).toBe(3600);
    expect(tokens.scope?.split(' ').sort()).toEqual(['email', GMAIL_READ, 'offline_access', 'openid', 'profile'].sort());
    expect(claims).toMatchObject({
      sub: 'user-alice',
      email: 'alice@sandbox.test',
      name: 'Alice Sandbox',
      iss: sandbox.url,
      aud: 'sandbox-google',
    });
  });

  it('answers userinfo for the access token', async () => {
    const { tokens } = await codeFlow(sandbox, callback, 'github', 'openid offline_access email profile read:user', { login: 'bob' });
    const res = await fetch(sandbox.endpoints.userinfo, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ sub: 'user-bob', email: 'bob@sandbox.test', name: 'Bob Sandbox' });
  });

  it('issues no refresh token without offline_access', async () => {
    const { tokens } = await codeFlow(sandbox, callback, 'google', `openid ${GMAIL_READ}`, { login: 'alice' });
    expect(tokens.refresh_token).toBeUndefined();
  });

  it('drops offline_access (no refresh token) when prompt is sent without consent', async () => {
    const as = await discover(sandbox);
    const c = sandbox.client('google');
    const req = await authorizeUrl(as, c.clientId, callback.url, 'openid offline_access', { prompt: 'login' });
    const approve = await sandbox.approve(req.url.href, { login: 'alice' });
    const params = oauth.validateAuthResponse(as, { client_id: c.clientId }, new URL(approve.finalUrl), req.state);
    const res = await oauth.authorizationCodeGrantRequest(
      as,
      { client_id: c.clientId },
      oauth.ClientSecretBasic(c.clientSecret),
      params,
      callback.url,
      req.codeVerifier,
      insecure,
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, { client_id: c.clientId }, res, { expectedNonce: req.nonce });
    expect(tokens.refresh_token).toBeUndefined();
  });

  it('refreshes without rotation by default (the same refresh token keeps working)', async () => {
    const { tokens } = await codeFlow(sandbox, callback, 'google', `openid offline_access ${GMAIL_READ}`, { login: 'alice' });
    const rt = tokens.refresh_token as string;
    const as = await discover(sandbox);
    const first = await oauth.processRefreshTokenResponse(as, { client_id: 'sandbox-google' }, await refresh(sandbox, 'google', rt));
    expect(first.access_token).not.toBe(tokens.access_token);
    expect(first.refresh_token).toBe(rt);
    const second = await refresh(sandbox, 'google', rt);
    expect(second.status).toBe(200);
  });

  it('grants fewer scopes when approve() is told to, and reports them in the token response', async () => {
    const { tokens } = await codeFlow(sandbox, callback, 'google', `openid offline_access ${GMAIL_READ} ${CAL}`, {
      login: 'alice',
      scopes: [GMAIL_READ],
    });
    expect(tokens.scope?.split(' ').sort()).toEqual(['offline_access', 'openid', GMAIL_READ].sort());
    expect(typeof tokens.refresh_token).toBe('string');
  });

  it('can drop offline_access explicitly (no refresh token)', async () => {
    const { tokens } = await codeFlow(sandbox, callback, 'google', `openid offline_access ${GMAIL_READ}`, {
      login: 'alice',
      dropScopes: ['offline_access'],
    });
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.scope?.split(' ').sort()).toEqual(['openid', GMAIL_READ].sort());
  });

  it('sends access_denied to the callback when the user denies', async () => {
    const as = await discover(sandbox);
    const c = sandbox.client('github');
    const req = await authorizeUrl(as, c.clientId, callback.url, 'openid read:user');
    const approve = await sandbox.approve(req.url.href, { login: 'alice', deny: true });
    const url = new URL(approve.finalUrl);
    expect(url.origin + url.pathname).toBe(callback.url);
    expect(url.searchParams.get('error')).toBe('access_denied');
    expect(url.searchParams.get('state')).toBe(req.state);
    expect(url.searchParams.get('code')).toBeNull();
    expect(() => oauth.validateAuthResponse(as, { client_id: c.clientId }, url, req.state)).toThrow(oauth.AuthorizationResponseError);
  });
});

describe('real validation stays on', () => {
  it('rejects an authorization request without PKCE', async () => {
    const as = await discover(sandbox);
    const req = await authorizeUrl(as, 'sandbox-google', callback.url, 'openid', { code_challenge: null, code_challenge_method: null });
    const approve = await sandbox.approve(req.url.href, { login: 'alice' });
    const url = new URL(approve.finalUrl);
    expect(url.searchParams.get('error')).toBe('invalid_request');
    expect(url.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('rejects the plain PKCE method', async () => {
    const as = await discover(sandbox);
    const req = await authorizeUrl(as, 'sandbox-google', callback.url, 'openid', {
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'plain',
    });
    const approve = await sandbox.approve(req.url.href, { login: 'alice' });
    expect(new URL(approve.finalUrl).searchParams.get('error')).toBe('invalid_request');
  });

  it('rejects a code exchanged with the wrong code_verifier', async () => {
    const as = await discover(sandbox);
    const req = await authorizeUrl(as, 'sandbox-google', callback.url, 'openid');
    const approve = await sandbox.approve(req.url.href, { login: 'alice' });
    const code = new URL(approve.finalUrl).searchParams.get('code') as string;
    const res = await rawTokenRequest(sandbox, 'google', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: callback.url,
      code_verifier: oauth.generateRandomCodeVerifier(),
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
    expect(sandbox.stats.tokenRequests.errors.invalid_grant).toBeGreaterThanOrEqual(1);
  });

  it('rejects a code exchanged without a code_verifier', async () => {
    const as = await discover(sandbox);
    const req = await authorizeUrl(as, 'sandbox-google', callback.url, 'openid');
    const approve = await sandbox.approve(req.url.href, { login: 'alice' });
    const code = new URL(approve.finalUrl).searchParams.get('code') as string;
    const missing = await rawTokenRequest(sandbox, 'google', { grant_type: 'authorization_code', code, redirect_uri: callback.url });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_grant');
  });

  it('rejects a code used twice', async () => {
    const as = await discover(sandbox);
    const req = await authorizeUrl(as, 'sandbox-google', callback.url, 'openid');
    const approve = await sandbox.approve(req.url.href, { login: 'alice' });
    const code = new URL(approve.finalUrl).searchParams.get('code') as string;
    const form = { grant_type: 'authorization_code', code, redirect_uri: callback.url, code_verifier: req.codeVerifier };
    expect((await rawTokenRequest(sandbox, 'google', form)).status).toBe(200);
    const replay = await rawTokenRequest(sandbox, 'google', form);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
  });

  it('rejects a code exchanged with a different redirect_uri than authorized', async () => {
    const as = await discover(sandbox);
    const req = await authorizeUrl(as, 'sandbox-google', callback.url, 'openid');
    const approve = await sandbox.approve(req.url.href, { login: 'alice' });
    const code = new URL(approve.finalUrl).searchParams.get('code') as string;
    const res = await rawTokenRequest(sandbox, 'google', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: `${callback.url}/other`,
      code_verifier: req.codeVerifier,
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });

  it('refuses an unregistered redirect_uri with an error page, not a redirect', async () => {
    const as = await discover(sandbox);
    const req = await authorizeUrl(as, 'sandbox-google', `${callback.url}-evil`, 'openid');
    const approve = await sandbox.approve(req.url.href, { login: 'alice' });
    expect(approve.status).toBe(400);
    expect(approve.finalUrl.startsWith(sandbox.endpoints.authorization)).toBe(true);
    expect(approve.body).toContain('invalid_redirect_uri');
    expect(approve.body).toContain('redirect_uri did not match any of the client&#39;s registered redirect_uris');
    expect(callback.hits.some((h) => h.pathname.endsWith('-evil'))).toBe(false);
  });

  it('accepts a redirect URI registered for one provider only at that provider', async () => {
    const other = await startCallbackServer('/only-github');
    try {
      sandbox.registerRedirectUri(other.url, { provider: 'github' });
      expect(sandbox.client('github').redirectUris).toContain(other.url);
      expect(sandbox.client('google').redirectUris).not.toContain(other.url);
      const as = await discover(sandbox);
      const gh = await authorizeUrl(as, 'sandbox-github', other.url, 'openid');
      expect(new URL((await sandbox.approve(gh.url.href, { login: 'alice' })).finalUrl).searchParams.get('code')).toBeTruthy();
      const g = await authorizeUrl(as, 'sandbox-google', other.url, 'openid');
      expect((await sandbox.approve(g.url.href, { login: 'alice' })).status).toBe(400);
    } finally {
      await other.close();
    }
  });

  it('rejects an unknown client and a wrong client secret', async () => {
    const as = await discover(sandbox);
    const req = await authorizeUrl(as, 'no-such-client', callback.url, 'openid');
    const approve = await sandbox.approve(req.url.href, { login: 'alice' });
    expect(approve.status).toBe(400);
    expect(approve.body).toMatch(/invalid_client/);

    const res = await fetch(sandbox.endpoints.token, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('sandbox-google:wrong').toString('base64')}`,
      },
      body: 'grant_type=refresh_token&refresh_token=x',
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('rejects an unknown refresh token with invalid_grant', async () => {
    const res = await rawTokenRequest(sandbox, 'google', { grant_type: 'refresh_token', refresh_token: 'not-a-real-token' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });

  it("rejects another client's refresh token", async () => {
    const { tokens } = await codeFlow(sandbox, callback, 'google', 'openid offline_access', { login: 'alice' });
    const res = await rawTokenRequest(sandbox, 'github', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string });
    expect(res.body.error).toBe('invalid_grant');
  });
});

describe('revocation', () => {
  it('revokes a refresh token through the RFC 7009 endpoint', async () => {
    const { tokens } = await codeFlow(sandbox, callback, 'google', 'openid offline_access', { login: 'alice' });
    const res = await fetch(sandbox.endpoints.revocation, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('sandbox-google:sandbox-google-secret').toString('base64')}`,
      },
      body: new URLSearchParams({ token: tokens.refresh_token as string, token_type_hint: 'refresh_token' }).toString(),
    });
    expect(res.status).toBe(200);
    const again = await rawTokenRequest(sandbox, 'google', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string });
    expect(again.body.error).toBe('invalid_grant');
  });
});

describe('approve() scopes keep identity scopes', () => {
  it('keeps openid, offline_access, email and profile when granting fewer API scopes', async () => {
    const { tokens, claims } = await codeFlow(sandbox, callback, 'github', 'openid offline_access email profile repo read:user', {
      login: 'bob',
      scopes: ['read:user'],
    });
    expect(tokens.scope?.split(' ').sort()).toEqual(['email', 'offline_access', 'openid', 'profile', 'read:user']);
    expect(claims).toMatchObject({ sub: 'user-bob', email: 'bob@sandbox.test' });
  });
});
