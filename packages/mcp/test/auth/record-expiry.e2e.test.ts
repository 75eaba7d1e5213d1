/**
 * Every auth-server record that can go stale carries an expiry, so the vault's sweeper removes it:
 * after a full sign-in and token exchange (with consent NOT remembered), the only record without
 * an expiry is the signing key. A registered client (with its secret) expires when unused
 * (`unusedClientTtlSec`, never shorter than its refresh tokens). Before, a consent that was not
 * remembered was stored forever and never read.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AUTH_KV } from '../../src/auth/auth-records.js';
import { type AuthHarness, browserSignIn, startAuthHarness } from './support/auth-harness.js';
import { pkce, registerPublicClient, tokenRequest, validAuthorizeUrl } from './support/raw-oauth.js';

describe('auth-server records expire', () => {
  let h: AuthHarness;
  beforeAll(async () => {
    h = await startAuthHarness({ auth: { consent: { rememberSec: 0 } } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('leaves nothing but the signing key without an expiry after a sign-in (consent not remembered)', async () => {
    const client = await registerPublicClient(h.origin);
    const p = pkce();
    const { redirect } = await browserSignIn(h, validAuthorizeUrl(h.origin, h.mcpUrl, client, p), 'alice');
    const code = redirect.searchParams.get('code');
    expect(code).toBeTruthy();
    h.leak.secret(code!, 'authorization code');
    const res = await tokenRequest(h.origin, {
      grant_type: 'authorization_code',
      code: code!,
      code_verifier: p.verifier,
      client_id: client.client_id,
      redirect_uri: client.redirect_uris[0],
      resource: h.mcpUrl,
    });
    expect(res.status).toBe(200);
    for (const t of ['access_token', 'refresh_token']) h.leak.secret(String(res.body[t]), t);

    const withoutExpiry: string[] = [];
    const seen: string[] = [];
    for (const namespace of Object.values(AUTH_KV)) {
      for (const row of await h.vault.store.kvList(namespace)) {
        seen.push(namespace);
        if (row.expiresAt === null) withoutExpiry.push(namespace);
      }
    }
    expect(seen).toEqual(expect.arrayContaining([AUTH_KV.consents, AUTH_KV.families, AUTH_KV.refreshTokens, AUTH_KV.spentCodes]));
    expect(seen).toContain(AUTH_KV.clients);
    expect([...new Set(withoutExpiry)]).toEqual([AUTH_KV.keys]);
    h.leak.assertClean();
  });
});
