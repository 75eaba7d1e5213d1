/**
 * `auth.revokeUserClient(user, clientId)` ends every authorization the user gave the client,
 * however many: the store lists 1000 entries per call and revoked families stay listed, so it used
 * to revoke the first 1000 and leave the rest active for good. The authorizations are made by the
 * real token service (a code per sign-in, exchanged for tokens) on the harness's SQLite vault
 * file — what `/authorize/complete` and `/token` run, without driving 1100 browser sign-ins.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AuthRecords, KvTable } from '../../src/auth/auth-records.js';
import { resolveAuthProviderOptions, resolveUrls } from '../../src/auth/auth-provider-options.js';
import { BASE64URL_CHARS } from '../../src/auth/internal/crypto.js';
import { loadSigningKey } from '../../src/auth/signing-key.js';
import { TokenService } from '../../src/auth/token-service.js';
import { type AuthHarness, GITHUB_SCOPES, GMAIL_READONLY, startAuthHarness } from './support/auth-harness.js';
import { pkce, registerPublicClient } from './support/raw-oauth.js';

/** Past the store's 1000-entry page. */
const AUTHORIZATIONS = 1100;

describe('revokeUserClient', () => {
  let h: AuthHarness;
  let tokens: TokenService;

  beforeAll(async () => {
    h = await startAuthHarness();
    const options = resolveAuthProviderOptions(h.vault, {
      baseUrl: h.mcpUrl,
      providers: { google: [GMAIL_READONLY], github: GITHUB_SCOPES },
      logger: h.leak.logger,
    });
    tokens = new TokenService({
      records: new AuthRecords(h.vault.store, () => h.vault.ready()),
      options,
      logger: h.leak.logger,
      urls: () => resolveUrls(h.mcpUrl, 'baseUrl'),
      signingKey: () => loadSigningKey({ store: h.vault.store, seal: (p) => h.vault.sealSecret(p), open: (s) => h.vault.openSecret(s) }),
      clients: () => h.auth.clientsStore,
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** One completed sign-in of `user` to `clientId`, exchanged: its access token. */
  async function authorize(user: string, clientId: string, redirectUri: string): Promise<string> {
    const p = pkce();
    const code = await tokens.issueCode(
      {
        clientId,
        redirectUri,
        codeChallenge: p.challenge,
        scopes: ['mcp'],
        resource: h.mcpUrl,
        browser: 'b',
        createdAt: new Date().toISOString(),
      },
      user,
    );
    const client = await h.auth.clientsStore.getClient(clientId);
    return (await tokens.exchangeCode(client!, { code, codeVerifier: p.verifier })).access_token;
  }

  it(`ends all ${AUTHORIZATIONS} authorizations of one user and client, and leaves the user's other client alone`, async () => {
    const client = await registerPublicClient(h.origin);
    const other = await registerPublicClient(h.origin);
    const user = 'google:user-alice';
    const accessTokens: string[] = [];
    for (let i = 0; i < AUTHORIZATIONS; i++) accessTokens.push(await authorize(user, client.client_id, client.redirect_uris[0]!));
    const otherToken = await authorize(user, other.client_id, other.redirect_uris[0]!);

    expect(await h.auth.revokeUserClient(user, client.client_id)).toBe(AUTHORIZATIONS);
    expect(await h.auth.revokeUserClient(user, client.client_id)).toBe(0);
    let accepted = 0;
    for (const token of accessTokens) {
      try {
        await h.auth.verifyAccessToken(token);
        accepted++;
      } catch {
        // revoked: the expected outcome
      }
    }
    expect(accepted).toBe(0);
    expect((await h.auth.verifyAccessToken(otherToken)).extra?.user).toBe(user);
  }, 120_000);

  it('lists every entry of a prefix page by page, and refuses a key outside the characters it splits by', async () => {
    const table = new KvTable<number>(h.vault.store, 'test:list-all', () => h.vault.ready());
    const keys = Array.from({ length: 300 }, (_, i) => `p.${Buffer.from(String(i * 7919)).toString('base64url')}`);
    for (const [i, key] of keys.entries()) await table.put(key, i);
    await table.put('p.', -1);
    await table.put('q.other-prefix', -2);
    const listed = await table.listAll('p.', BASE64URL_CHARS, 7);
    expect(listed.map((e) => e.key).sort()).toEqual(['p.', ...keys].sort());

    // '.' sorts before every base64url character, so the first page shows it.
    await table.put('p..not-base64url', 0);
    await expect(table.listAll('p.', BASE64URL_CHARS, 7)).rejects.toThrow(/outside the listed key characters/);
  });
});
