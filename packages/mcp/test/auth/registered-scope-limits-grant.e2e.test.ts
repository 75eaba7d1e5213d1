/**
 * A client that registered `scope` (RFC 7591 §2: the scope values it can use) is never granted a
 * scope outside it: asking for one at `/authorize` is redirected `invalid_scope` with `state` and
 * `iss`, as an unsupported scope is, and no consent page is shown. Asking within it, or for
 * nothing (the registered scope is granted), works. Real HTTP, sandbox providers, a SQLite file.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type AuthHarness, browserSignIn, startAuthHarness } from './support/auth-harness.js';
import { type RegisteredClient, pkce, redeemCode, register, validAuthorizeUrl } from './support/raw-oauth.js';

describe("a client's registered scope", () => {
  let h: AuthHarness;
  let client: RegisteredClient;

  beforeAll(async () => {
    h = await startAuthHarness({ auth: { scopes: ['mcp', 'mcp:admin'] } });
    const { status, body } = await register(h.origin, {
      client_name: 'registered scope',
      redirect_uris: ['http://127.0.0.1:9/callback'],
      token_endpoint_auth_method: 'none',
      scope: 'mcp',
    });
    expect(status).toBe(201);
    client = body as unknown as RegisteredClient;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses a scope outside it with invalid_scope, redirected with state and iss', async () => {
    const url = validAuthorizeUrl(h.origin, h.mcpUrl, client, pkce(), { scope: 'mcp mcp:admin', state: 'st-registered' });
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_scope');
    expect(location.searchParams.get('error_description')).toContain('mcp:admin');
    expect(location.searchParams.get('state')).toBe('st-registered');
    expect(location.searchParams.get('iss')).toBe(h.origin);
    expect(location.searchParams.has('code')).toBe(false);
  });

  it.each([
    ['within it', 'mcp'],
    ['no scope at all (the registered one)', undefined],
  ])('grants a request asking %s', async (_label, scope) => {
    const p = pkce();
    const { redirect, consentPage } = await browserSignIn(h, validAuthorizeUrl(h.origin, h.mcpUrl, client, p, { scope }), 'alice');
    expect(consentPage).not.toContain('mcp:admin');
    const res = await redeemCode(h.origin, h.leak, redirect, client, p);
    expect(res.status).toBe(200);
    h.leak.secret(String(res.body.access_token), 'access token');
    h.leak.secret(String(res.body.refresh_token), 'refresh token');
    expect(res.body.scope).toBe('mcp');
  });
});
