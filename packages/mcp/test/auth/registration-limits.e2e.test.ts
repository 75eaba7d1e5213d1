/**
 * Dynamic registration (RFC 7591) is a write anyone may make: every kept field is bounded (count
 * and length), the body is bounded, the error names the field, nothing is stored for a refused
 * registration; and a registration nobody uses expires (a token issued keeps it alive).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@alter/vault';
import { AlterAuthProvider } from '@alter/mcp/auth';
import { AUTH_KV } from '../../src/auth/auth-records.js';
import { type AuthHarness, GITHUB_SCOPES, browserSignIn, startAuthHarness } from './support/auth-harness.js';
import { pkce, register, registerPublicClient, tokenRequest, validAuthorizeUrl } from './support/raw-oauth.js';

const CB = 'http://127.0.0.1:9/cb';
// Long enough for a sign-in under load (the used client must not expire before its token).
const UNUSED_TTL_SEC = 6;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('registration bounds and unused-client expiry', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await startAuthHarness({ auth: { unusedClientTtlSec: UNUSED_TTL_SEC, refreshTokenTtlSec: UNUSED_TTL_SEC } });
  });
  afterAll(async () => {
    await h?.close();
  });

  const storedClients = async () => (await h.vault.store.kvList(AUTH_KV.clients)).length;

  it.each([
    ['redirect_uris', { redirect_uris: Array.from({ length: 11 }, (_, i) => `${CB}${i}`) }, /redirect_uris may list at most 10/],
    [
      'redirect_uris[0]',
      { redirect_uris: [`https://client.example/${'a'.repeat(2100)}`] },
      /redirect_uris\[0\] must be a string of at most 2048/,
    ],
    ['contacts', { contacts: Array.from({ length: 6 }, (_, i) => `ops${i}@client.example`) }, /contacts may list at most 5/],
    [
      'contacts[1]',
      { contacts: ['ops@client.example', `${'x'.repeat(250)}@client.example`] },
      /contacts\[1\] must be a string of at most 254/,
    ],
    ['client_name', { client_name: 'n'.repeat(257) }, /client_name must be a string of at most 256/],
    ['client_uri', { client_uri: `https://client.example/${'u'.repeat(2100)}` }, /client_uri must be a string of at most 2048/],
    ['logo_uri', { logo_uri: `https://client.example/${'l'.repeat(2100)}` }, /logo_uri must be a string of at most 2048/],
    ['software_version', { software_version: 'v'.repeat(300) }, /software_version must be a string of at most 256/],
    ['scope', { scope: Array.from({ length: 300 }, () => 'mcp').join(' ') }, /scope must be a string of at most 1024/],
  ])('refuses an oversized %s with invalid_client_metadata naming it, storing nothing', async (_field, extra, message) => {
    const before = await storedClients();
    const { status, body } = await register(h.origin, {
      client_name: 'big',
      redirect_uris: [CB],
      token_endpoint_auth_method: 'none',
      ...extra,
    });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_client_metadata');
    expect(String(body.error_description)).toMatch(message);
    expect(await storedClients()).toBe(before);
  });

  it('refuses a body over 16 KiB with 413 before reading it (even when every field is within bounds)', async () => {
    const before = await storedClients();
    // Within every field bound, but the request itself is large: unknown fields are not kept, yet parsed.
    const { status, body } = await register(h.origin, {
      client_name: 'big',
      redirect_uris: [CB],
      token_endpoint_auth_method: 'none',
      padding: 'p'.repeat(17 * 1024),
    });
    expect(status).toBe(413);
    expect(body.error).toBe('invalid_client_metadata');
    expect(String(body.error_description)).toMatch(/larger than 16384 bytes \(limits\.registration\.maxBodyBytes\)/);
    expect(await storedClients()).toBe(before);
  });

  it('accepts a registration at every bound', async () => {
    const { status } = await register(h.origin, {
      client_name: 'n'.repeat(256),
      redirect_uris: Array.from({ length: 10 }, (_, i) => `${CB}${i}`),
      contacts: Array.from({ length: 5 }, (_, i) => `ops${i}@client.example`),
      token_endpoint_auth_method: 'none',
    });
    expect(status).toBe(201);
  });

  it('expires a registration no token was issued to, and keeps one that got a token', async () => {
    const unused = await registerPublicClient(h.origin, CB, 'never used');
    const confidential = await register(h.origin, { client_name: 'confidential, unused', redirect_uris: [CB] });
    expect(confidential.status).toBe(201);
    h.leak.secret(String(confidential.body.client_secret), 'client secret');
    const used = await registerPublicClient(h.origin, CB, 'used');
    const registeredUntil = (await h.vault.store.kvGet(AUTH_KV.clients, used.client_id))?.expiresAt;
    expect(registeredUntil).toBeInstanceOf(Date);

    // A token issued a while after registration (more than a tenth of the lifetime) moves the expiry.
    await sleep((UNUSED_TTL_SEC * 1000) / 4);
    const p = pkce();
    const { redirect } = await browserSignIn(h, validAuthorizeUrl(h.origin, h.mcpUrl, used, p), 'alice');
    const code = h.leak.secret(redirect.searchParams.get('code')!, 'code');
    const tokens = await tokenRequest(h.origin, {
      grant_type: 'authorization_code',
      code,
      code_verifier: p.verifier,
      client_id: used.client_id,
      redirect_uri: CB,
      resource: h.mcpUrl,
    });
    expect(tokens.status).toBe(200);
    h.leak.secret(String(tokens.body.access_token), 'access token');
    h.leak.secret(String(tokens.body.refresh_token), 'refresh token');
    const extendedUntil = (await h.vault.store.kvGet(AUTH_KV.clients, used.client_id))?.expiresAt;
    expect(extendedUntil!.getTime()).toBeGreaterThan(registeredUntil!.getTime());

    // Past the unused client's lifetime (the store's own clock decides): unknown everywhere.
    const unusedUntil = (await h.vault.store.kvGet(AUTH_KV.clients, unused.client_id))?.expiresAt;
    expect(unusedUntil).toBeInstanceOf(Date);
    await sleep(Math.max(0, unusedUntil!.getTime() - Date.now()) + 200);
    const res = await fetch(validAuthorizeUrl(h.origin, h.mcpUrl, unused, pkce()), { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
    expect(await h.auth.clientsStore.getClient(unused.client_id)).toBeUndefined();
    expect(await h.auth.clientsStore.getClient(String(confidential.body.client_id))).toBeUndefined();
    expect(await h.vault.store.kvGet(AUTH_KV.clientSecrets, String(confidential.body.client_id))).toBeUndefined();
    // The vault's sweeper removes the expired registrations (two clients and one sealed secret at least).
    expect((await h.vault.pruneExpired()).removed).toBeGreaterThanOrEqual(3);
  });

  it('refuses an unusedClientTtlSec shorter than the refresh-token lifetime, naming the option', () => {
    let thrown: unknown;
    try {
      new AlterAuthProvider(h.vault, { providers: { github: GITHUB_SCOPES }, unusedClientTtlSec: 3600, refreshTokenTtlSec: 7200 });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InvalidArgumentError);
    expect((thrown as InvalidArgumentError).argument).toBe('options.unusedClientTtlSec');
  });

  it('leaks nothing', async () => {
    await h.collectProviderTokens();
    h.leak.assertClean();
  });
});
