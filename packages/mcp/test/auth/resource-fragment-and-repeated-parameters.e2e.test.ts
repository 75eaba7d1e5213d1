/**
 * Two request-syntax rules, on real HTTP: a `resource` with a fragment is refused `invalid_target`
 * (RFC 8707 §2: it "MUST NOT include a fragment component") at `/authorize` and `/token` — it was
 * accepted as this server's resource; and a parameter sent twice is refused `invalid_request`
 * (RFC 6749 §3.1) — a repeated `state` or `scope` used to be dropped silently, so the sign-in
 * went on with every scope and came back without its state. A repeated parameter at `/authorize`
 * is answered directly (400), not redirected: which `redirect_uri` or `state` to trust is unknown.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type AuthHarness, browserSignIn, startAuthHarness } from './support/auth-harness.js';
import { type RegisteredClient, pkce, registerPublicClient, tokenRequest, validAuthorizeUrl } from './support/raw-oauth.js';

describe('the authorization server refuses', () => {
  let h: AuthHarness;
  let client: RegisteredClient;

  beforeAll(async () => {
    h = await startAuthHarness({ auth: { scopes: ['mcp', 'mcp:admin'] } });
    client = await registerPublicClient(h.origin);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a resource with a fragment at /authorize, redirected invalid_target with state and iss', async () => {
    const res = await fetch(validAuthorizeUrl(h.origin, `${h.mcpUrl}#frag`, client, pkce(), { state: 'st-frag' }), { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_target');
    expect(location.searchParams.get('state')).toBe('st-frag');
    expect(location.searchParams.get('iss')).toBe(h.origin);
  });

  it('a resource with a fragment at /token (code exchange and refresh), without spending the code', async () => {
    const p = pkce();
    const { redirect } = await browserSignIn(h, validAuthorizeUrl(h.origin, h.mcpUrl, client, p), 'alice');
    const code = h.leak.secret(redirect.searchParams.get('code')!, 'authorization code');
    const form = { grant_type: 'authorization_code', code, code_verifier: p.verifier, client_id: client.client_id };
    const refused = await tokenRequest(h.origin, { ...form, resource: `${h.mcpUrl}#frag` });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_target');
    const tokens = await tokenRequest(h.origin, form);
    expect(tokens.status).toBe(200);
    h.leak.secret(String(tokens.body.access_token), 'access token');
    const refreshToken = h.leak.secret(String(tokens.body.refresh_token), 'refresh token');
    const refresh = await tokenRequest(h.origin, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: client.client_id,
      resource: `${h.mcpUrl}#frag`,
    });
    expect(refresh.body.error).toBe('invalid_target');
  });

  it.each([
    ['state', 'second-state'],
    ['scope', 'mcp'],
    ['redirect_uri', 'http://127.0.0.1:9/callback'],
  ])('%s sent twice at /authorize, answered 400 invalid_request without redirecting', async (name, second) => {
    const url = validAuthorizeUrl(h.origin, h.mcpUrl, client, pkce(), { scope: 'mcp' });
    url.searchParams.append(name, second);
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    const body = (await res.json()) as { error: string; error_description: string };
    expect(body.error).toBe('invalid_request');
    expect(body.error_description).toContain(`parameter ${name} was sent more than once`);
  });

  it('a parameter sent twice at /token', async () => {
    const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'alt_rt_whatever-value', client_id: client.client_id });
    body.append('scope', 'mcp');
    body.append('scope', 'mcp:admin');
    const res = await fetch(`${h.origin}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { error: string; error_description: string };
    expect(answer.error).toBe('invalid_request');
    expect(answer.error_description).toContain('parameter scope was sent more than once');
  });
});
