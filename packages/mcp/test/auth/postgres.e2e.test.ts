/**
 * The auth server on a PostgreSQL vault store: the SDK client signs in, calls a tool, and a
 * second vault instance on the same schema (another process in miniature) shares the signing key,
 * the clients and the token families — including a family revoked by refresh-token reuse.
 * Skipped, with the reason printed, when ALTER_TEST_PG_URL is unset.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AlterVault } from '@alter/vault';
import { AlterAuthProvider } from '@alter/mcp/auth';
import { type AuthHarness, GMAIL_READONLY, startAuthHarness } from './support/auth-harness.js';
import { mcpCall, tokenRequest } from './support/raw-oauth.js';
import { signInWithSdk, toolText } from './support/sdk-sign-in.js';

const PG_URL = process.env.ALTER_TEST_PG_URL?.trim();
const describePg = PG_URL ? describe : describe.skip;
if (!PG_URL)
  console.log('PostgreSQL auth-server tests skipped: set ALTER_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run them.');

describePg(`AlterAuthProvider on PostgreSQL${PG_URL ? '' : ' — skipped: set ALTER_TEST_PG_URL to run it'}`, () => {
  const schema = `alter_auth_test_${randomBytes(6).toString('hex')}`;
  let h: AuthHarness;
  let sibling: AlterVault | undefined;

  beforeAll(async () => {
    h = await startAuthHarness({ store: `${PG_URL}${PG_URL!.includes('?') ? '&' : '?'}schema=${schema}` });
  });
  afterAll(async () => {
    await sibling?.close();
    await h?.close();
    // The store creates its schema; drop it (psql: no pg client dependency in this package).
    execFileSync('psql', [PG_URL!, '-q', '-c', `DROP SCHEMA IF EXISTS "${schema}" CASCADE`], { stdio: 'ignore' });
  });

  it('signs in with the SDK client, runs a tool as the user, and shares everything with a second instance', async () => {
    const alice = await signInWithSdk(h, 'alice', 'PG client');
    const body = JSON.parse(toolText(await alice.client.callTool({ name: 'github_whoami', arguments: {} }))) as {
      login: string;
      user: string;
    };
    expect(body.login).toBe('alice');
    expect(h.vault.store.kind).toBe('postgres');

    sibling = new AlterVault({
      caller: 'auth-e2e-sibling',
      store: h.dbFile,
      encryptionKey: h.encryptionKey,
      providers: [h.vault.provider('google'), h.vault.provider('github')],
      logger: h.leak.logger,
    });
    await sibling.ready();
    const other = new AlterAuthProvider(sibling, { baseUrl: h.mcpUrl, providers: { google: [GMAIL_READONLY] }, logger: h.leak.logger });
    const tokens = alice.oauth.tokens()!;
    const info = await other.verifyAccessToken(tokens.access_token);
    expect(info.extra).toEqual({ user: body.user });
    expect(await other.clientsStore.getClient(alice.oauth.clientInformation()!.client_id)).toMatchObject({ client_name: 'PG client' });

    // Refresh once (rotation), then reuse the spent token: the whole family is revoked, for both instances.
    const clientId = alice.oauth.clientInformation()!.client_id;
    const rotated = await tokenRequest(h.origin, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token!,
      client_id: clientId,
    });
    expect(rotated.status).toBe(200);
    h.leak.secret(String(rotated.body.access_token), 'rotated access token');
    h.leak.secret(String(rotated.body.refresh_token), 'rotated refresh token');
    const reuse = await tokenRequest(h.origin, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: clientId });
    expect(reuse.body.error).toBe('invalid_grant');
    expect((await mcpCall(h.mcpUrl, String(rotated.body.access_token))).status).toBe(401);
    await expect(other.verifyAccessToken(String(rotated.body.access_token))).rejects.toThrow('revoked');
    await alice.client.close();
  });

  it('leaks nothing', async () => {
    await h.collectProviderTokens();
    h.leak.assertClean();
  });
});
