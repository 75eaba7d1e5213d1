/**
 * A `client_id` holding U+0000 (`%00` in a query or form) is an unknown client on every store:
 * `/authorize` answers 400 `invalid_client` without redirecting, `/token` and `/revoke` answer
 * 400 `invalid_client` — on PostgreSQL, which refuses U+0000 in text, these were 500
 * `server_error`. An id with a lone surrogate (only reachable from code: HTTP decoding turns it
 * into U+FFFD) is unknown too, never the client whose id has U+FFFD in its place. Runs on a
 * SQLite file, and on PostgreSQL when ALTER_TEST_PG_URL is set (skipped with the reason otherwise).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type AuthHarness, startAuthHarness } from './support/auth-harness.js';
import { pkce, tokenRequest, validAuthorizeUrl } from './support/raw-oauth.js';

const PG_URL = process.env.ALTER_TEST_PG_URL?.trim();
if (!PG_URL) console.log('PostgreSQL part skipped: set ALTER_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run it.');

const stores: Array<[string, boolean]> = [
  ['SQLite', true],
  [`PostgreSQL${PG_URL ? '' : ' — skipped: set ALTER_TEST_PG_URL to run it'}`, Boolean(PG_URL)],
];

describe.each(stores)('an unstorable client_id on %s', (_name, enabled) => {
  const schema = `alter_auth_nul_${randomBytes(6).toString('hex')}`;
  let h: AuthHarness;
  const run = enabled ? it : it.skip;

  beforeAll(async () => {
    if (!enabled) return;
    const isPg = _name.startsWith('PostgreSQL');
    h = await startAuthHarness(isPg ? { store: `${PG_URL}${PG_URL!.includes('?') ? '&' : '?'}schema=${schema}` } : {});
  });
  afterAll(async () => {
    await h?.close();
    if (enabled && _name.startsWith('PostgreSQL'))
      execFileSync('psql', [PG_URL!, '-q', '-c', `DROP SCHEMA IF EXISTS "${schema}" CASCADE`], { stdio: 'ignore' });
  });

  run('is an unknown client at /authorize, /token and /revoke', async () => {
    const id = 'a\u0000b';
    const authorize = await fetch(
      validAuthorizeUrl(h.origin, h.mcpUrl, { client_id: id, redirect_uris: ['http://127.0.0.1:9/callback'] }, pkce()),
      {
        redirect: 'manual',
      },
    );
    expect(authorize.status).toBe(400);
    expect(authorize.headers.get('location')).toBeNull();
    expect(((await authorize.json()) as { error: string }).error).toBe('invalid_client');

    const token = await tokenRequest(h.origin, { grant_type: 'authorization_code', code: 'x', code_verifier: 'y', client_id: id });
    expect(token.status).toBe(400);
    expect(token.body.error).toBe('invalid_client');

    const revoke = await fetch(`${h.origin}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: id, token: 'x' }).toString(),
    });
    expect(revoke.status).toBe(400);
    expect(((await revoke.json()) as { error: string }).error).toBe('invalid_client');
  });

  run('never finds the client whose id has U+FFFD where the lookup had a lone surrogate', async () => {
    const registered = await h.auth.clientsStore.registerClient({
      client_id: 'client-\ufffd',
      redirect_uris: ['http://127.0.0.1:9/callback'],
      token_endpoint_auth_method: 'none',
    });
    expect(await h.auth.clientsStore.getClient(registered.client_id)).toBeDefined();
    expect(await h.auth.clientsStore.getClient('client-\ud800')).toBeUndefined();
    expect(await h.auth.clientsStore.getClient('client-\u0000')).toBeUndefined();
    expect(await h.auth.revokeUserClient('google:user-\u0000', registered.client_id)).toBe(0);
  });
});
