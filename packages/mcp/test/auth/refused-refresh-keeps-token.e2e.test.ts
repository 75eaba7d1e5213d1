/**
 * A refresh request the server refuses does not consume the refresh token (RFC 6749 §5.2 and §6,
 * OAuth 2.1 §4.3): a client asking for a scope beyond its grant (`invalid_scope`) or for another
 * resource (`invalid_target`) can retry with the same refresh token and get tokens, and its
 * access token keeps working — before, the refused request had already spent the token, so the
 * corrected retry looked like reuse and revoked the whole authorization. Reuse of a token a
 * successful refresh spent is still detected. Real HTTP, sandbox providers, a SQLite vault file.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type AuthHarness, browserSignIn, startAuthHarness } from './support/auth-harness.js';
import { mcpCall, pkce, redeemCode, registerPublicClient, tokenRequest, validAuthorizeUrl } from './support/raw-oauth.js';

describe('a refused refresh request', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await startAuthHarness({ auth: { scopes: ['mcp', 'mcp:admin'] } });
  });
  afterAll(async () => {
    await h?.close();
  });

  async function tokensFor(scope: string): Promise<{ clientId: string; accessToken: string; refreshToken: string }> {
    const client = await registerPublicClient(h.origin);
    const p = pkce();
    const { redirect } = await browserSignIn(h, validAuthorizeUrl(h.origin, h.mcpUrl, client, p, { scope }), 'alice');
    const res = await redeemCode(h.origin, h.leak, redirect, client, p);
    expect(res.status).toBe(200);
    return {
      clientId: client.client_id,
      accessToken: h.leak.secret(String(res.body.access_token), 'access token'),
      refreshToken: h.leak.secret(String(res.body.refresh_token), 'refresh token'),
    };
  }

  it.each([
    ['invalid_scope', { scope: 'mcp mcp:admin' }],
    ['invalid_target', { resource: 'https://other.example/mcp' }],
  ])('answered %s leaves the refresh token and the access token usable', async (error, extra) => {
    const t = await tokensFor('mcp');
    const refused = await tokenRequest(h.origin, {
      grant_type: 'refresh_token',
      refresh_token: t.refreshToken,
      client_id: t.clientId,
      ...extra,
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe(error);
    expect((await mcpCall(h.mcpUrl, t.accessToken)).status).toBe(200);

    const retry = await tokenRequest(h.origin, { grant_type: 'refresh_token', refresh_token: t.refreshToken, client_id: t.clientId });
    expect(retry.body.error).toBeUndefined();
    expect(retry.status).toBe(200);
    expect(retry.body.scope).toBe('mcp');
    h.leak.secret(String(retry.body.access_token), 'access token');
    h.leak.secret(String(retry.body.refresh_token), 'refresh token');
    expect((await mcpCall(h.mcpUrl, t.accessToken)).status).toBe(200);
    expect((await mcpCall(h.mcpUrl, String(retry.body.access_token))).status).toBe(200);

    // The successful refresh spent it: presenting it once more is reuse, and ends the authorization.
    const reuse = await tokenRequest(h.origin, { grant_type: 'refresh_token', refresh_token: t.refreshToken, client_id: t.clientId });
    expect(reuse.body.error).toBe('invalid_grant');
    expect((await mcpCall(h.mcpUrl, String(retry.body.access_token))).status).toBe(401);
  });

  it('on a revoked authorization spends nothing and issues nothing', async () => {
    const t = await tokensFor('mcp');
    const user = String((await h.auth.verifyAccessToken(t.accessToken)).extra?.user);
    expect(await h.auth.revokeUserClient(user, t.clientId)).toBe(1);
    for (let i = 0; i < 2; i++) {
      const res = await tokenRequest(h.origin, { grant_type: 'refresh_token', refresh_token: t.refreshToken, client_id: t.clientId });
      expect(res.body.error).toBe('invalid_grant');
      expect(String(res.body.error_description)).toMatch(/revoked/);
    }
  });

  it('leaks nothing', async () => {
    await h.collectProviderTokens();
    h.leak.assertClean();
  });
});
