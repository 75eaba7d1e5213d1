/**
 * The HTTP contract of the auth server's own endpoints (no SDK handlers behind them): methods,
 * CORS for browser-based clients, RFC 6750 challenges, RFC 7636 verifier syntax, the grant types
 * a client registered, and that a wrong PKCE verifier does not burn the legitimate client's code.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type AuthHarness, browserSignIn, startAuthHarness } from './support/auth-harness.js';
import {
  type RegisteredClient,
  mcpCall,
  pkce,
  register,
  registerPublicClient,
  tokenRequest,
  validAuthorizeUrl,
} from './support/raw-oauth.js';

describe("the auth server's endpoints", () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await startAuthHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers other methods 405 with Allow, and CORS preflights from any origin on the endpoints clients call', async () => {
    for (const path of ['/token', '/register', '/revoke']) {
      const get = await fetch(`${h.origin}${path}`);
      expect([path, get.status, get.headers.get('allow'), ((await get.json()) as { error: string }).error]).toEqual([
        path,
        405,
        'POST',
        'method_not_allowed',
      ]);
      const preflight = await fetch(`${h.origin}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://web-client.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
      expect([path, preflight.status, preflight.headers.get('access-control-allow-origin')]).toEqual([path, 204, '*']);
      expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
      expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    }
    const meta = await fetch(`${h.origin}/.well-known/oauth-authorization-server`, { headers: { origin: 'https://web-client.example' } });
    expect(meta.headers.get('access-control-allow-origin')).toBe('*');
    expect((await fetch(`${h.origin}/.well-known/oauth-protected-resource/mcp`, { method: 'POST' })).status).toBe(405);
    // The browser endpoints read cookies: no CORS there.
    const authorize = await fetch(`${h.origin}/authorize`, { headers: { origin: 'https://web-client.example' } });
    expect(authorize.headers.get('access-control-allow-origin')).toBeNull();
    expect((await fetch(`${h.origin}/authorize`, { method: 'PUT' })).status).toBe(405);
  });

  it('challenges a request without credentials per RFC 6750 (no error code), and a bad token with invalid_token', async () => {
    const none = await mcpCall(h.mcpUrl, undefined);
    expect(none.status).toBe(401);
    expect(none.wwwAuthenticate).toBe(`Bearer resource_metadata="${h.origin}/.well-known/oauth-protected-resource/mcp"`);
    const basic = await fetch(h.mcpUrl, {
      method: 'POST',
      headers: { authorization: 'Basic dXNlcjpwYXNz', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(basic.status).toBe(401);
    expect(basic.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('refuses a malformed or wrong code_verifier without spending the code, which the right verifier then redeems', async () => {
    const client = await registerPublicClient(h.origin);
    const p = pkce();
    const { redirect } = await browserSignIn(h, validAuthorizeUrl(h.origin, h.mcpUrl, client, p), 'alice');
    const code = h.leak.secret(redirect.searchParams.get('code')!, 'code');
    const base = { grant_type: 'authorization_code', code, client_id: client.client_id, resource: h.mcpUrl };
    const short = await tokenRequest(h.origin, { ...base, code_verifier: 'too-short' });
    expect([short.status, short.body.error]).toEqual([400, 'invalid_grant']);
    expect(String(short.body.error_description)).toContain('43-128');
    const wrong = await tokenRequest(h.origin, { ...base, code_verifier: pkce().verifier });
    expect([wrong.status, wrong.body.error]).toEqual([400, 'invalid_grant']);
    const missing = await tokenRequest(h.origin, { ...base });
    expect([missing.status, missing.body.error]).toEqual([400, 'invalid_request']);
    const right = await tokenRequest(h.origin, { ...base, code_verifier: p.verifier });
    expect(right.status).toBe(200);
    expect(right.headers.get('cache-control')).toBe('no-store');
    h.leak.secret(String(right.body.access_token), 'access token');
    h.leak.secret(String(right.body.refresh_token), 'refresh token');
  });

  it('answers unsupported_grant_type, and unauthorized_client for a grant the client did not register', async () => {
    const client = await registerPublicClient(h.origin);
    const implicit = await tokenRequest(h.origin, { grant_type: 'client_credentials', client_id: client.client_id });
    expect(implicit.body.error).toBe('unsupported_grant_type');
    const codeOnly = (
      await register(h.origin, {
        redirect_uris: ['http://127.0.0.1:9/cb'],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
      })
    ).body as unknown as RegisteredClient;
    const refresh = await tokenRequest(h.origin, {
      grant_type: 'refresh_token',
      refresh_token: 'alt_rt_whatever-1234567890',
      client_id: codeOnly.client_id,
    });
    expect(refresh.body.error).toBe('unauthorized_client');
  });

  it('never takes client_id or client_secret from a registration request', async () => {
    const res = await register(h.origin, {
      client_id: 'chosen-by-attacker',
      client_secret: 'chosen-secret-123',
      redirect_uris: ['https://app.example/cb'],
      token_endpoint_auth_method: 'client_secret_post',
    });
    expect(res.status).toBe(201);
    expect(res.body.client_id).not.toBe('chosen-by-attacker');
    expect(res.body.client_secret).not.toBe('chosen-secret-123');
    h.leak.secret(String(res.body.client_secret), 'client secret');
    expect(await h.auth.clientsStore.getClient('chosen-by-attacker')).toBeUndefined();
  });

  it('leaks nothing', async () => {
    await h.collectProviderTokens();
    h.leak.assertClean();
  });
});
