/**
 * What AlterAuthProvider refuses, each on real HTTP against the real stack: missing and plain
 * PKCE, redirect mismatch, code reuse, refresh-token reuse (family revoked), expired and tampered
 * tokens, tokens for another resource, unknown clients, bad registration metadata, consent
 * CSRF, a Connect link finished in another browser, a user denying (or a provider failing) at the
 * provider, revocation.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { AlterAuthProvider } from '@alter/mcp/auth';
import {
  type AuthHarness,
  Browser,
  GMAIL_READONLY,
  browserSignIn,
  closeServer,
  consentForm,
  listen,
  mcpHandler,
  startAuthHarness,
} from './support/auth-harness.js';
import {
  type Pkce,
  type RegisteredClient,
  mcpCall,
  pkce,
  register,
  registerPublicClient,
  tokenRequest,
  validAuthorizeUrl,
} from './support/raw-oauth.js';
import { TestOAuthClient } from './support/test-oauth-client.js';

interface Tokens {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly scope: string;
  readonly expires_in: number;
}

describe('AlterAuthProvider refuses', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await startAuthHarness({ auth: { scopes: ['mcp', 'mcp:admin'], requiredScopes: ['mcp'] } });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Sign in by hand; returns the code and what is needed to exchange it. */
  async function codeFor(
    login = 'alice',
    overrides: Record<string, string | undefined> = {},
  ): Promise<{ client: RegisteredClient; p: Pkce; code: string; redirect: URL }> {
    const client = await registerPublicClient(h.origin);
    const p = pkce();
    const { redirect } = await browserSignIn(h, validAuthorizeUrl(h.origin, h.mcpUrl, client, p, overrides), login);
    const code = redirect.searchParams.get('code');
    if (!code) throw new Error(`no code: ${redirect.href}`);
    h.leak.secret(code, 'authorization code');
    return { client, p, code, redirect };
  }

  async function tokensFor(
    login = 'alice',
    overrides: Record<string, string | undefined> = {},
  ): Promise<{ client: RegisteredClient; tokens: Tokens }> {
    const { client, p, code } = await codeFor(login, overrides);
    const res = await tokenRequest(h.origin, {
      grant_type: 'authorization_code',
      code,
      code_verifier: p.verifier,
      client_id: client.client_id,
      redirect_uri: client.redirect_uris[0],
      resource: h.mcpUrl,
    });
    expect(res.status).toBe(200);
    const tokens = res.body as unknown as Tokens;
    h.leak.secret(tokens.access_token, 'access token');
    h.leak.secret(tokens.refresh_token, 'refresh token');
    return { client, tokens };
  }

  it('accepts a correct hand-written flow (baseline for the negatives below)', async () => {
    const { tokens } = await tokensFor();
    expect(tokens).toMatchObject({ token_type: 'Bearer', scope: 'mcp mcp:admin' });
    expect(tokens.expires_in).toBe(900);
    const ok = await mcpCall(h.mcpUrl, tokens.access_token);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('google:');
  });

  it('an authorization request without PKCE, redirecting the error with state and iss', async () => {
    const client = await registerPublicClient(h.origin);
    const url = validAuthorizeUrl(h.origin, h.mcpUrl, client, pkce(), {
      code_challenge: undefined,
      code_challenge_method: undefined,
      state: 's1',
    });
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.href.startsWith(client.redirect_uris[0]!)).toBe(true);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('state')).toBe('s1');
    expect(location.searchParams.get('iss')).toBe(h.origin);
  });

  it('plain PKCE', async () => {
    const client = await registerPublicClient(h.origin);
    const p = pkce();
    const res = await fetch(
      validAuthorizeUrl(h.origin, h.mcpUrl, client, p, { code_challenge: p.verifier, code_challenge_method: 'plain' }),
      { redirect: 'manual' },
    );
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
  });

  it('a redirect URI that does not match exactly (another port, another path), answered without redirecting', async () => {
    const client = await registerPublicClient(h.origin, 'http://127.0.0.1:9/callback');
    for (const redirect_uri of ['http://127.0.0.1:10/callback', 'http://127.0.0.1:9/callback/x', 'https://evil.example/callback']) {
      const res = await fetch(validAuthorizeUrl(h.origin, h.mcpUrl, client, pkce(), { redirect_uri }), { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    }
  });

  it('a code exchanged with another redirect_uri, another client or a wrong verifier', async () => {
    const { client, p, code } = await codeFor();
    const other = await registerPublicClient(h.origin);
    const base = { grant_type: 'authorization_code', code, client_id: client.client_id, resource: h.mcpUrl };
    expect((await tokenRequest(h.origin, { ...base, code_verifier: pkce().verifier })).body.error).toBe('invalid_grant');
    expect((await tokenRequest(h.origin, { ...base, client_id: other.client_id, code_verifier: p.verifier })).body.error).toBe(
      'invalid_grant',
    );
    expect(
      (await tokenRequest(h.origin, { ...base, code_verifier: p.verifier, redirect_uri: 'http://127.0.0.1:9/other' })).body.error,
    ).toBe('invalid_grant');
  });

  it('a reused code, and revokes the tokens the first exchange issued', async () => {
    const { client, p, code } = await codeFor();
    const form = { grant_type: 'authorization_code', code, code_verifier: p.verifier, client_id: client.client_id, resource: h.mcpUrl };
    const first = await tokenRequest(h.origin, form);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const tokens = first.body as unknown as Tokens;
    h.leak.secret(tokens.access_token, 'access token');
    h.leak.secret(tokens.refresh_token, 'refresh token');
    expect((await mcpCall(h.mcpUrl, tokens.access_token)).status).toBe(200);
    const second = await tokenRequest(h.origin, form);
    expect(second.status).toBe(400);
    expect(second.body.error).toBe('invalid_grant');
    expect((await mcpCall(h.mcpUrl, tokens.access_token)).status).toBe(401);
    expect(
      (await tokenRequest(h.origin, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: client.client_id })).body
        .error,
    ).toBe('invalid_grant');
  });

  it('a reused refresh token, revoking the whole family (the newer tokens too)', async () => {
    const { client, tokens } = await tokensFor();
    const rotated = await tokenRequest(h.origin, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: client.client_id,
    });
    expect(rotated.status).toBe(200);
    const next = rotated.body as unknown as Tokens;
    h.leak.secret(next.access_token, 'access token');
    h.leak.secret(next.refresh_token, 'refresh token');
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    expect((await mcpCall(h.mcpUrl, next.access_token)).status).toBe(200);

    const reuse = await tokenRequest(h.origin, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: client.client_id,
    });
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_grant');
    expect(String(reuse.body.error_description)).toMatch(/already used/);
    // The family is gone: the newest refresh token and every access token stop working.
    expect(
      (await tokenRequest(h.origin, { grant_type: 'refresh_token', refresh_token: next.refresh_token, client_id: client.client_id })).body
        .error,
    ).toBe('invalid_grant');
    expect((await mcpCall(h.mcpUrl, next.access_token)).status).toBe(401);
    expect((await mcpCall(h.mcpUrl, tokens.access_token)).status).toBe(401);
  });

  it('two concurrent uses of one refresh token: at most one wins, and the family is revoked', async () => {
    const { client, tokens } = await tokensFor();
    const form = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: client.client_id };
    const results = await Promise.all([tokenRequest(h.origin, form), tokenRequest(h.origin, form)]);
    expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
    for (const r of results) if (r.status === 200) h.leak.secret((r.body as unknown as Tokens).access_token, 'raced access token');
    for (const r of results) if (r.status === 200) h.leak.secret((r.body as unknown as Tokens).refresh_token, 'raced refresh token');
    expect((await mcpCall(h.mcpUrl, tokens.access_token)).status).toBe(401);
  });

  it('a refresh asking for scopes beyond the original grant, or for another resource', async () => {
    const { client, tokens } = await tokensFor('alice', { scope: 'mcp' });
    const wider = await tokenRequest(h.origin, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: client.client_id,
      scope: 'mcp mcp:admin',
    });
    expect(wider.body.error).toBe('invalid_scope');
    const { client: c2, tokens: t2 } = await tokensFor();
    const elsewhere = await tokenRequest(h.origin, {
      grant_type: 'refresh_token',
      refresh_token: t2.refresh_token,
      client_id: c2.client_id,
      resource: 'https://other.example/mcp',
    });
    expect(elsewhere.body.error).toBe('invalid_target');
  });

  it('a tampered JWT (payload or signature changed)', async () => {
    const { tokens } = await tokensFor();
    const [header, payload, signature] = tokens.access_token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'google:user-bob' })).toString('base64url')}.${signature}`;
    const flipped = `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${payload}.`;
    for (const bad of [forged, flipped, none, 'not-a-jwt-at-all-1234567890']) {
      const res = await mcpCall(h.mcpUrl, bad);
      expect(res.status).toBe(401);
      expect(res.wwwAuthenticate).toContain('invalid_token');
      expect(res.wwwAuthenticate).toContain('resource_metadata=');
    }
  });

  it('a token without the required scope, with 403 insufficient_scope naming it', async () => {
    const { tokens } = await tokensFor('alice', { scope: 'mcp:admin' });
    expect(tokens.scope).toBe('mcp:admin');
    const res = await mcpCall(h.mcpUrl, tokens.access_token);
    expect(res.status).toBe(403);
    expect(res.wwwAuthenticate).toContain('error="insufficient_scope"');
    expect(res.wwwAuthenticate).toContain('scope="mcp"');
  });

  it('an unknown scope, or a resource other than this server, at the authorize step', async () => {
    const client = await registerPublicClient(h.origin);
    const badScope = await fetch(validAuthorizeUrl(h.origin, h.mcpUrl, client, pkce(), { scope: 'mcp root' }), { redirect: 'manual' });
    expect(new URL(badScope.headers.get('location')!).searchParams.get('error')).toBe('invalid_scope');
    const badResource = await fetch(validAuthorizeUrl(h.origin, 'https://other.example/mcp', client, pkce()), { redirect: 'manual' });
    const location = new URL(badResource.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_target');
    expect(location.searchParams.get('iss')).toBe(h.origin);
  });

  it('an unknown client at the authorize and token endpoints', async () => {
    const res = await fetch(
      validAuthorizeUrl(h.origin, h.mcpUrl, { client_id: 'no-such-client', redirect_uris: ['http://127.0.0.1:9/callback'] }, pkce()),
      { redirect: 'manual' },
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
    const token = await tokenRequest(h.origin, {
      grant_type: 'authorization_code',
      code: 'x',
      code_verifier: 'y',
      client_id: 'no-such-client',
    });
    expect(token.body.error).toBe('invalid_client');
  });

  it('bad registration metadata', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ redirect_uris: ['http://evil.example/callback'] }, 'invalid_redirect_uri'],
      [{ redirect_uris: ['javascript:alert(1)'] }, 'invalid_client_metadata'],
      [{ redirect_uris: ['https://app.example/cb#frag'] }, 'invalid_redirect_uri'],
      [{ redirect_uris: [] }, 'invalid_redirect_uri'],
      [{}, 'invalid_client_metadata'],
      [{ redirect_uris: ['https://app.example/cb'], grant_types: ['implicit'] }, 'invalid_client_metadata'],
      [{ redirect_uris: ['https://app.example/cb'], grant_types: ['client_credentials'] }, 'invalid_client_metadata'],
      [{ redirect_uris: ['https://app.example/cb'], response_types: ['token'] }, 'invalid_client_metadata'],
      [{ redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'private_key_jwt' }, 'invalid_client_metadata'],
      [{ redirect_uris: ['https://app.example/cb'], scope: 'mcp everything' }, 'invalid_client_metadata'],
      // RFC 7591 §2: a client must be able to use the response types it registers; code is the only one.
      [{ redirect_uris: ['https://app.example/cb'], response_types: [] }, 'invalid_client_metadata'],
      // Pages about the client are web addresses, never a script, inline content or a local file.
      [{ redirect_uris: ['https://app.example/cb'], client_uri: 'javascript:alert(1)' }, 'invalid_client_metadata'],
      [{ redirect_uris: ['https://app.example/cb'], logo_uri: 'data:text/html,<script>alert(1)</script>' }, 'invalid_client_metadata'],
      [{ redirect_uris: ['https://app.example/cb'], tos_uri: 'not a url' }, 'invalid_client_metadata'],
      [{ redirect_uris: ['https://app.example/cb'], policy_uri: 'file:///etc/passwd' }, 'invalid_client_metadata'],
    ];
    for (const [metadata, error] of cases) {
      const res = await register(h.origin, metadata);
      expect({ metadata, status: res.status, error: res.body.error }).toEqual({ metadata, status: 400, error });
    }
    // Confidential clients get a secret and are told to send it in the body.
    const confidential = await register(h.origin, {
      redirect_uris: ['https://app.example/cb'],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expect(confidential.status).toBe(201);
    const described = await register(h.origin, {
      redirect_uris: ['https://app.example/cb'],
      token_endpoint_auth_method: 'none',
      client_uri: 'https://app.example/',
      logo_uri: 'https://app.example/logo.png',
      tos_uri: 'http://app.example/tos',
      policy_uri: 'https://app.example/privacy',
    });
    expect(described.status).toBe(201);
    expect(confidential.body.token_endpoint_auth_method).toBe('client_secret_post');
    h.leak.secret(String(confidential.body.client_secret), 'client secret');
    const wrongSecret = await tokenRequest(h.origin, {
      grant_type: 'refresh_token',
      refresh_token: 'x',
      client_id: String(confidential.body.client_id),
      client_secret: 'nope',
    });
    expect(wrongSecret.body.error).toBe('invalid_client');
  });

  it('an expired access token and an expired code (1 s lifetimes, another provider on the same store)', async () => {
    const app = express();
    const { server, origin } = await listen(app);
    try {
      const shortLived = new AlterAuthProvider(h.vault, {
        baseUrl: `${origin}/mcp`,
        providers: { google: [GMAIL_READONLY], github: ['read:user'] },
        accessTokenTtlSec: 1,
        authorizationCodeTtlSec: 1,
        rateLimit: false,
        logger: h.leak.logger,
      });
      app.post('/mcp', express.json(), shortLived.install(app), mcpHandler(h.vault));
      const client = await registerPublicClient(origin);
      const p = pkce();
      const { redirect } = await browserSignIn(h, validAuthorizeUrl(origin, `${origin}/mcp`, client, p), 'alice');
      const res = await tokenRequest(origin, {
        grant_type: 'authorization_code',
        code: redirect.searchParams.get('code')!,
        code_verifier: p.verifier,
        client_id: client.client_id,
      });
      const minted = Date.now();
      const tokens = res.body as unknown as Tokens;
      h.leak.secret(tokens.access_token, 'short-lived access token');
      h.leak.secret(tokens.refresh_token, 'short-lived refresh token');
      // The token works while it is fresh. On a loaded machine the call can start after the 1 s
      // lifetime is over: then only a refusal for expiry is a correct answer.
      const fresh = await mcpCall(`${origin}/mcp`, tokens.access_token);
      if (Date.now() - minted < 900) expect(fresh.status).toBe(200);
      else if (fresh.status !== 200) expect([fresh.status, fresh.wwwAuthenticate]).toEqual([401, expect.stringContaining('expired')]);
      // A second code, left to expire (1 s lifetime) before it is exchanged.
      const p2 = pkce();
      const late = await browserSignIn(h, validAuthorizeUrl(origin, `${origin}/mcp`, client, p2), 'alice');
      const lateCode = h.leak.secret(late.redirect.searchParams.get('code')!, 'late code');
      await new Promise((r) => setTimeout(r, 2100));
      expect(
        (
          await tokenRequest(origin, {
            grant_type: 'authorization_code',
            code: lateCode,
            code_verifier: p2.verifier,
            client_id: client.client_id,
          })
        ).body.error,
      ).toBe('invalid_grant');
      const expired = await mcpCall(`${origin}/mcp`, tokens.access_token);
      expect(expired.status).toBe(401);
      expect(expired.wwwAuthenticate).toContain('expired');
      // Same store, same signing key, but another resource: this server's tokens are refused there and vice versa.
      expect((await mcpCall(h.mcpUrl, tokens.access_token)).status).toBe(401);
    } finally {
      await closeServer(server);
    }
  });

  it('a token minted for another resource on the same issuer and key', async () => {
    // A second protected resource on this very origin (same issuer, same signing key): only the audience differs.
    const other = new AlterAuthProvider(h.vault, {
      baseUrl: `${h.origin}/other`,
      providers: { google: [GMAIL_READONLY] },
      logger: h.leak.logger,
    });
    h.app.post('/other', express.json(), other.bearerMiddleware(), mcpHandler(h.vault));
    const { tokens } = await tokensFor();
    expect((await mcpCall(h.mcpUrl, tokens.access_token)).status).toBe(200);
    const res = await mcpCall(`${h.origin}/other`, tokens.access_token);
    expect(res.status).toBe(401);
    expect(res.wwwAuthenticate).toContain('not issued for this resource');
  });

  it('a consent form without the right CSRF token or cookie, and a denied consent', async () => {
    const client = await registerPublicClient(h.origin);
    const browser = new Browser();
    const page = await (await browser.fetch(validAuthorizeUrl(h.origin, h.mcpUrl, client, pkce(), { state: 'st' }))).text();
    expect(page).toContain('raw client');
    const form = consentForm(page);
    const post = (b: Browser, fields: Record<string, string>) =>
      b.fetch(form.action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      });
    expect((await post(browser, { request: form.request, csrf: 'forged', decision: 'approve' })).status).toBe(403);
    expect((await post(new Browser(), { request: form.request, csrf: form.csrf, decision: 'approve' })).status).toBe(403);
    const denied = await post(browser, { request: form.request, csrf: form.csrf, decision: 'deny' });
    expect(denied.status).toBe(302);
    const location = new URL(denied.headers.get('location')!);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({ error: 'access_denied', state: 'st', iss: h.origin });
  });

  it('escapes what the client registered (name, website) on the consent page', async () => {
    const { body } = await register(h.origin, {
      client_name: '<img src=x onerror=alert(1)>',
      client_uri: 'https://app.example/"><script>alert(2)</script>',
      redirect_uris: ['http://127.0.0.1:9/cb'],
      token_endpoint_auth_method: 'none',
    });
    const page = await (
      await fetch(validAuthorizeUrl(h.origin, h.mcpUrl, body as unknown as RegisteredClient, pkce()), { redirect: 'manual' })
    ).text();
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<script>');
    expect(page).toContain('&#60;img src=x onerror=alert(1)&#62;');
  });

  it('serves the consent page with anti-framing headers', async () => {
    const client = await registerPublicClient(h.origin);
    const res = await fetch(validAuthorizeUrl(h.origin, h.mcpUrl, client, pkce()), { redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.getSetCookie().join(';')).toMatch(/HttpOnly/);
  });

  it('a Connect link opened in another browser (confused deputy): it stops there, nothing is connected or issued', async () => {
    const client = await registerPublicClient(h.origin);
    const attacker = new Browser();
    const form = consentForm(await (await attacker.fetch(validAuthorizeUrl(h.origin, h.mcpUrl, client, pkce()))).text());
    const approved = await attacker.fetch(form.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request: form.request, csrf: form.csrf, decision: 'approve' }).toString(),
    });
    const connectUrl = approved.headers.get('location')!;
    // The victim opens the forwarded Connect link: it is bound to the attacker's browser, so it
    // stops on the "wrong browser" page before any provider is involved.
    const done = await h.sandbox.approve(connectUrl, { login: 'bob' });
    expect(done.finalUrl).toBe(connectUrl);
    expect(done.status).toBe(403);
    expect(done.body).toContain('wrong_browser');
    const victim = new Browser();
    const res = await victim.fetch(`${h.origin}/authorize/complete?request=${encodeURIComponent(form.request)}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('remembers consent per user and client: the second sign-in skips the page, another client does not', async () => {
    const client = await registerPublicClient(h.origin);
    const browser = new Browser();
    const first = await browserSignIn(h, validAuthorizeUrl(h.origin, h.mcpUrl, client, pkce()), 'alice', { browser });
    expect(first.consentPage).toBeDefined();
    const second = await browserSignIn(h, validAuthorizeUrl(h.origin, h.mcpUrl, client, pkce()), 'alice', { browser });
    expect(second.consentPage).toBeUndefined();
    expect(second.redirect.searchParams.get('code')).toBeTruthy();
    const otherClient = await registerPublicClient(h.origin);
    const third = await browserSignIn(h, validAuthorizeUrl(h.origin, h.mcpUrl, otherClient, pkce()), 'alice', { browser });
    expect(third.consentPage).toBeDefined();
    for (const r of [first, second, third]) h.leak.secret(r.redirect.searchParams.get('code')!, 'code');
  });

  it('revocation: revoking the refresh token ends the access token too; unknown tokens are ignored', async () => {
    const { client, tokens } = await tokensFor();
    const revoke = (token: string) =>
      fetch(`${h.origin}/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, client_id: client.client_id }).toString(),
      });
    expect((await revoke('unknown-token-value-123')).status).toBe(200);
    expect((await mcpCall(h.mcpUrl, tokens.access_token)).status).toBe(200);
    expect((await revoke(tokens.refresh_token)).status).toBe(200);
    expect((await mcpCall(h.mcpUrl, tokens.access_token)).status).toBe(401);
    expect(
      (await tokenRequest(h.origin, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: client.client_id })).body
        .error,
    ).toBe('invalid_grant');
  });

  it('revokeUserClient: the server ends every authorization a user gave one client, and forgets the consent', async () => {
    const { client, tokens } = await tokensFor('bob');
    const { client: other, tokens: otherTokens } = await tokensFor('bob');
    const user = String((await h.auth.verifyAccessToken(tokens.access_token)).extra?.user);
    expect(await h.auth.revokeUserClient(user, client.client_id)).toBe(1);
    expect((await mcpCall(h.mcpUrl, tokens.access_token)).status).toBe(401);
    expect(
      (await tokenRequest(h.origin, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: client.client_id })).body
        .error,
    ).toBe('invalid_grant');
    // Another client of the same user is untouched.
    expect((await mcpCall(h.mcpUrl, otherTokens.access_token)).status).toBe(200);
    expect(other.client_id).not.toBe(client.client_id);
  });

  it("a user who denies at the provider: the MCP client's redirect_uri gets error=access_denied with its state and iss, and no code", async () => {
    // The SDK's own client starts the sign-in (discovery, registration, PKCE, its own state).
    const state = `mcp-client-state-${Date.now()}`;
    const oauth = new (class extends TestOAuthClient {
      state(): string {
        return state;
      }
    })('http://127.0.0.1:9/denying-client/callback', 'denying client');
    const transport = new StreamableHTTPClientTransport(new URL(h.mcpUrl), { authProvider: oauth });
    await expect(new Client({ name: 'denying client', version: '1.0.0' }).connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
    const authorizationUrl = oauth.lastAuthorizationUrl;
    expect(authorizationUrl.searchParams.get('state')).toBe(state);

    // The user approves our consent page, then denies at the provider.
    const browser = new Browser();
    const form = consentForm(await (await browser.fetch(authorizationUrl)).text());
    const approved = await browser.fetch(form.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request: form.request, csrf: form.csrf, decision: 'approve' }).toString(),
    });
    expect(approved.status).toBe(302);
    const connectUrl = approved.headers.get('location')!;
    // An `error` on the completion link proves nothing while the Connect session is still pending.
    const forged = await browser.fetch(`${h.origin}/authorize/complete?request=${encodeURIComponent(form.request)}&error=denied`);
    expect(forged.status).toBe(400);
    expect(forged.headers.get('location')).toBeNull();
    expect(await forged.text()).toContain('connect_pending');

    const tokenCalls = h.sandbox.stats.tokenRequests.authorization_code;
    const done = await h.sandbox.approve(connectUrl, { login: 'alice', deny: true, browser, stopAt: `${h.origin}/authorize/complete` });
    // Connect sent the browser back to our completion endpoint (not its own error page)…
    const completion = new URL(done.finalUrl);
    expect(completion.pathname).toBe('/authorize/complete');
    expect(completion.searchParams.get('error')).toBe('denied');
    const sessionId = completion.searchParams.get('connect_session')!;
    expect(await h.vault.connect.get(sessionId)).toMatchObject({ status: 'failed', error: { reason: 'denied' }, grants: [] });
    expect(h.sandbox.stats.tokenRequests.authorization_code).toBe(tokenCalls); // no provider code was exchanged
    // …which delivers nothing to a browser that did not consent.
    const stranger = await new Browser().fetch(completion);
    expect(stranger.status).toBe(400);
    expect(stranger.headers.get('location')).toBeNull();

    // The consenting browser: redirected to the client's redirect_uri with the error, state and iss.
    const res = await browser.fetch(completion);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(oauth.redirectUrl);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      error: 'access_denied',
      error_description: 'The user denied access at a provider',
      state,
      iss: h.origin,
    });
    expect(location.searchParams.has('code')).toBe(false);
    // The request is spent: no second answer, and the client holds no tokens.
    expect((await browser.fetch(completion)).status).toBe(400);
    expect(oauth.tokens()).toBeUndefined();
  });

  it('a provider failing during the sign-in: the client gets error=server_error (state, iss, no code)', async () => {
    const client = await registerPublicClient(h.origin);
    const browser = new Browser();
    const form = consentForm(
      await (await browser.fetch(validAuthorizeUrl(h.origin, h.mcpUrl, client, pkce(), { state: 'st-provider-error' }))).text(),
    );
    const approved = await browser.fetch(form.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request: form.request, csrf: form.csrf, decision: 'approve' }).toString(),
    });
    // Open the Connect link; the provider then answers the callback with an error of its own.
    const toProvider = await browser.fetch(approved.headers.get('location')!);
    const providerUrl = new URL(toProvider.headers.get('location')!);
    const callback = new URL(providerUrl.searchParams.get('redirect_uri')!);
    callback.searchParams.set('state', providerUrl.searchParams.get('state')!);
    callback.searchParams.set('error', 'temporarily_unavailable');
    callback.searchParams.set('error_description', 'db-7 is down');
    const back = await browser.fetch(callback);
    expect(back.status).toBe(302);
    const completion = new URL(back.headers.get('location')!);
    expect(completion.pathname).toBe('/authorize/complete');
    expect(completion.href).not.toContain('db-7');
    const res = await browser.fetch(completion);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.href.startsWith(client.redirect_uris[0]!)).toBe(true);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({ error: 'server_error', state: 'st-provider-error', iss: h.origin });
    expect(location.searchParams.has('code')).toBe(false);
    expect(location.href).not.toContain('db-7');
  });

  it('leaks nothing', async () => {
    await h.collectProviderTokens();
    h.leak.inspect(h.auth, 'auth provider');
    h.leak.assertClean();
  });
});
