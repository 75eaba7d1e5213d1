/**
 * Every way a Connect flow or a grant can go wrong, on real parts (sandbox OAuth server, SQLite
 * file, loopback HTTP): each ends on a clear 400 page or a typed error and writes no grant.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AlterVault, GrantNotFoundError, ScopeReauthRequiredError, providers } from '@alter/vault';
import { type Harness, createHarness, pageCode } from './fixtures/connect-harness.js';

const GMAIL_READONLY = 'https://www.googleapis.com/auth/gmail.readonly';
const GMAIL_LIST = 'https://gmail.googleapis.com/gmail/v1/users/me/messages';

async function get(url: string): Promise<{ status: number; code: string | null; location: string | null; body: string }> {
  const res = await fetch(url, { redirect: 'manual' });
  return {
    status: res.status,
    code: res.headers.get('x-alter-connect-status'),
    location: res.headers.get('location'),
    body: await res.text(),
  };
}

describe('Connect failures write no grant', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ providers: ['google'] });
  });
  afterAll(async () => {
    await h?.close();
  });

  const grantCount = async (user: string) => (await h.vault.grants.list({ user, includeRevoked: true })).length;

  it('bad state: a callback whose state does not match fails the session', async () => {
    // Counted from here: the other tests of this file (in any order) exchange codes of their own.
    const exchanges = h.sandbox.stats.tokenRequests.authorization_code;
    const s = await h.vault.connect.createSession({ user: 'u-badstate', providers: { google: [] } });
    const start = await get(s.url);
    expect(start.status).toBe(302);
    const state = new URL(start.location!).searchParams.get('state')!;
    const forged = await get(`${h.connectUrl}/connect/callback?code=forged&state=${encodeURIComponent(`${s.id}.not-the-state`)}`);
    expect(forged.status).toBe(400);
    expect(forged.code).toBe('state_mismatch');
    expect(forged.body).toContain('Nothing was connected');
    const result = await h.vault.connect.waitFor(s.id);
    expect(result).toMatchObject({ status: 'failed', error: { reason: 'state_mismatch' } });
    // The real state is dead too: the session is over.
    const late = await get(`${h.connectUrl}/connect/callback?code=x&state=${encodeURIComponent(state)}`);
    expect(late.status).toBe(400);
    // No state, or a state naming no session.
    expect((await get(`${h.connectUrl}/connect/callback?code=x`)).code).toBe('state_mismatch');
    expect((await get(`${h.connectUrl}/connect/callback?code=x&state=${'B'.repeat(32)}.y`)).status).toBe(400);
    expect(await grantCount('u-badstate')).toBe(0);
    expect(h.sandbox.stats.tokenRequests.authorization_code).toBe(exchanges);
  });

  it('replayed callback: the second use of a completed callback is refused and changes nothing', async () => {
    const s = await h.vault.connect.createSession({ user: 'u-replay', providers: { google: [] } });
    const page = await h.sandbox.approve(s.url, { login: 'alice' });
    expect(pageCode(page.body)).toBe('complete');
    const callback = page.visited.find((u) => u.startsWith(`${h.connectUrl}/connect/callback?`))!;
    expect(callback).toContain('code=');
    const before = await h.vault.store.listGrants({ user: 'u-replay' });
    const tokenCalls = h.sandbox.stats.tokenRequests.authorization_code;
    const replay = await get(callback);
    expect(replay.status).toBe(400);
    expect(replay.code).toBe('session_used');
    expect(h.sandbox.stats.tokenRequests.authorization_code).toBe(tokenCalls); // the code was not even tried
    const after = await h.vault.store.listGrants({ user: 'u-replay' });
    expect(after).toHaveLength(1);
    expect(after[0]!.version).toBe(before[0]!.version);
    expect((await h.vault.connect.get(s.id)).status).toBe('complete');
    // Opening the finished session link again does not restart it either.
    expect((await get(s.url)).code).toBe('session_used');
  });

  it("a link previewer opening the link first (GET or HEAD) does not break the user's flow", async () => {
    const s = await h.vault.connect.createSession({ user: 'u-preview', providers: { google: [] } });
    const head = await fetch(s.url, { method: 'HEAD', redirect: 'manual' });
    expect(head.status).toBe(204);
    const previewer = await get(s.url);
    expect(previewer.status).toBe(302);
    const page = await h.sandbox.approve(s.url, { login: 'alice' });
    expect(pageCode(page.body)).toBe('complete');
    // The previewer's state died with the claimed step: it cannot complete anything now.
    const stale = await get(
      `${h.connectUrl}/connect/callback?code=x&state=${encodeURIComponent(new URL(previewer.location!).searchParams.get('state')!)}`,
    );
    expect(stale.status).toBe(400);
    expect((await h.vault.connect.get(s.id)).status).toBe('complete');
    expect(await grantCount('u-preview')).toBe(1);
  });

  it('expired session: the link and a late callback both end on the expired page', async () => {
    const early = await h.vault.connect.createSession({ user: 'u-expired', providers: { google: [] }, ttlSec: 1 });
    const started = await get(early.url); // the user opened it in time…
    expect(started.status).toBe(302);
    const late = await h.vault.connect.createSession({ user: 'u-expired', providers: { google: [] }, ttlSec: 1 });
    await new Promise((r) => setTimeout(r, 1_200));
    // …but consented after it expired.
    const page = await h.sandbox.approve(started.location!, { login: 'alice' });
    expect(page.status).toBe(400);
    expect(pageCode(page.body)).toBe('session_expired');
    expect(await h.vault.connect.waitFor(early.id)).toMatchObject({ status: 'expired', error: { reason: 'expired' } });
    // A link opened after expiry never reaches the provider.
    const opened = await get(late.url);
    expect(opened.status).toBe(400);
    expect(opened.code).toBe('session_expired');
    expect((await h.vault.connect.get(late.id)).status).toBe('expired');
    expect(await grantCount('u-expired')).toBe(0);
  });

  it('denied consent: the provider error ends on the denied page and fails the session', async () => {
    const s = await h.vault.connect.createSession({ user: 'u-denied', providers: { google: [GMAIL_READONLY] } });
    const failed: unknown[] = [];
    const onFailed = (r: unknown) => failed.push(r);
    h.vault.connect.on('failed', onFailed);
    const page = await h.sandbox.approve(s.url, { login: 'alice', deny: true });
    h.vault.connect.off('failed', onFailed);
    expect(page.status).toBe(400);
    expect(pageCode(page.body)).toBe('denied');
    expect(page.body).toContain('declined');
    expect(await h.vault.connect.waitFor(s.id)).toMatchObject({ status: 'failed', error: { reason: 'denied' } });
    expect(failed).toHaveLength(1);
    expect(await grantCount('u-denied')).toBe(0);
  });

  it('provider error: a callback with an OAuth error other than access_denied', async () => {
    const s = await h.vault.connect.createSession({ user: 'u-error', providers: { google: [] } });
    const start = await get(s.url);
    const state = new URL(start.location!).searchParams.get('state')!;
    const res = await get(`${h.connectUrl}/connect/callback?error=server_error&state=${encodeURIComponent(state)}`);
    expect(res.status).toBe(400);
    expect(res.code).toBe('provider_error');
    expect(await h.vault.connect.get(s.id)).toMatchObject({ status: 'failed', error: { reason: 'provider_error' } });
    expect(await grantCount('u-error')).toBe(0);
  });

  it('bad code: a failed code exchange writes no grant', async () => {
    const s = await h.vault.connect.createSession({ user: 'u-badcode', providers: { google: [] } });
    const start = await get(s.url);
    const state = new URL(start.location!).searchParams.get('state')!;
    const res = await get(
      `${h.connectUrl}/connect/callback?code=not-a-real-code&state=${encodeURIComponent(state)}&iss=${encodeURIComponent(h.sandbox.url)}`,
    );
    expect(res.status).toBe(400);
    expect(res.code).toBe('provider_error');
    expect(await h.vault.connect.get(s.id)).toMatchObject({ status: 'failed', error: { reason: 'provider_error' } });
    expect(await grantCount('u-badcode')).toBe(0);
  });

  it('scope downgrade: the grant holds only what was granted and a request needing more is refused before sending', async () => {
    const s = await h.vault.connect.createSession({ user: 'u-downgrade', providers: { google: [GMAIL_READONLY] } });
    const page = await h.sandbox.approve(s.url, { login: 'alice', dropScopes: [GMAIL_READONLY] });
    expect(pageCode(page.body)).toBe('complete');
    const result = await h.vault.connect.waitFor(s.id);
    expect(result.grants[0]!.scopes).not.toContain(GMAIL_READONLY);
    expect(result.grants[0]!.missingScopes).toEqual([GMAIL_READONLY]);
    const [grant] = await h.vault.grants.list({ user: 'u-downgrade' });
    expect(grant!.scopes).not.toContain(GMAIL_READONLY);
    const apiCalls = h.sandbox.stats.apiRequests.total;
    const err = await h.vault
      .request('google', 'GET', GMAIL_LIST, { user: 'u-downgrade', scopes: [GMAIL_READONLY] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScopeReauthRequiredError);
    expect((err as ScopeReauthRequiredError).missingScopes).toEqual([GMAIL_READONLY]);
    expect((err as ScopeReauthRequiredError).code).toBe('ALTER_SCOPE_REAUTH_REQUIRED');
    expect(h.sandbox.stats.apiRequests.total).toBe(apiCalls); // nothing was sent
    await h.collectTokens();
    h.leak.inspect(err, 'scope error');
    h.leak.assertClean();
  });

  it('revoked grant: invalid_grant on refresh marks the grant revoked and surfaces GrantNotFoundError', async () => {
    const s = await h.vault.connect.createSession({ user: 'u-revoked', providers: { google: [GMAIL_READONLY] } });
    expect(pageCode((await h.sandbox.approve(s.url, { login: 'bob' })).body)).toBe('complete');
    expect((await h.vault.request('google', 'GET', GMAIL_LIST, { user: 'u-revoked' })).status).toBe(200);
    await h.collectTokens();
    h.sandbox.faults.revokeGrant({ login: 'bob', provider: 'google' });
    const refreshes = h.sandbox.stats.tokenRequests.refresh_token;
    const err = await h.vault.request('google', 'GET', GMAIL_LIST, { user: 'u-revoked' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrantNotFoundError);
    expect((err as GrantNotFoundError).revoked).toBe(true);
    expect((err as GrantNotFoundError).code).toBe('ALTER_GRANT_REVOKED');
    expect(h.sandbox.stats.tokenRequests.refresh_token).toBe(refreshes + 1);
    expect(h.sandbox.stats.tokenRequests.errors.invalid_grant).toBeGreaterThanOrEqual(1);
    const stored = await h.vault.store.listGrants({ user: 'u-revoked', includeRevoked: true });
    expect(stored.map((g) => g.status)).toEqual(['revoked']);
    // Next request: typed error at once, no new refresh attempt, no new grant.
    const again = await h.vault.request('google', 'GET', GMAIL_LIST, { user: 'u-revoked' }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(GrantNotFoundError);
    expect(h.sandbox.stats.tokenRequests.refresh_token).toBe(refreshes + 1);
    expect((await h.vault.store.listGrants({ user: 'u-revoked', includeRevoked: true })).length).toBe(1);
    h.leak.inspect(err, 'revoked error');
    h.leak.assertClean();
  });

  it('provider unreachable: opening the link ends on a 500 page and the session stays usable', async () => {
    const down = new AlterVault({
      caller: 'down',
      store: h.dbFile,
      encryptionKey: h.encryptionKey,
      // Discovery at a loopback port where nothing listens: the provider is down.
      providers: [
        providers.oidc({
          id: 'down',
          issuer: 'http://127.0.0.1:9',
          clientId: 'c',
          clientSecret: 'down-client-secret',
          allowInsecureLoopback: true,
        }),
      ],
      logger: h.leak.logger,
    });
    try {
      const { url } = await down.connect.listen();
      const s = await down.connect.createSession({ user: 'u-down', providers: { down: [] } });
      expect(s.url.startsWith(url)).toBe(true);
      const res = await get(s.url);
      expect(res.status).toBe(500);
      expect(res.code).toBe('internal_error');
      expect(res.body).toContain('Ask the app for a new link');
      expect((await down.connect.get(s.id)).status).toBe('pending');
      expect(await grantCount('u-down')).toBe(0);
    } finally {
      await down.close();
    }
  });

  it('leaks nothing anywhere in the failure paths', async () => {
    await h.collectTokens();
    await h.vault.audit.flush();
    for (const row of await h.vault.audit.query({})) h.leak.inspect(row, 'audit row');
    h.leak.inspect(h.vault, 'vault');
    h.leak.assertClean();
  });
});

describe('Connect failures of a session with returnTo go back there with the reason', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ providers: ['google'] });
  });
  afterAll(async () => {
    await h?.close();
  });

  const RETURN_TO = 'https://app.example/connected?tab=accounts#top';
  const grantCount = async (user: string) => (await h.vault.grants.list({ user, includeRevoked: true })).length;
  /** The parameters Connect added to returnTo, after checking the rest of it is intact. */
  const returnedTo = (location: string | null | undefined): Record<string, string> => {
    expect(location).toBeTruthy();
    const url = new URL(location!);
    expect(`${url.origin}${url.pathname}`).toBe('https://app.example/connected');
    expect(url.hash).toBe('#top');
    expect(url.searchParams.get('tab')).toBe('accounts');
    return Object.fromEntries(url.searchParams);
  };

  it('denied consent: 302 to returnTo with connect_session and error=denied, and no grant', async () => {
    // Counted from here: the other tests of this block (in any order) exchange codes of their own.
    const exchanges = h.sandbox.stats.tokenRequests.authorization_code;
    const s = await h.vault.connect.createSession({ user: 'r-denied', providers: { google: [GMAIL_READONLY] }, returnTo: RETURN_TO });
    const page = await h.sandbox.approve(s.url, { login: 'alice', deny: true });
    // approve() stops at the first non-loopback redirect: the app's returnTo, not contacted.
    expect(page.status).toBe(302);
    expect(returnedTo(page.finalUrl)).toEqual({ tab: 'accounts', connect_session: s.id, error: 'denied' });
    expect(await h.vault.connect.get(s.id)).toMatchObject({ status: 'failed', error: { reason: 'denied' } });
    expect(await grantCount('r-denied')).toBe(0);
    expect(h.sandbox.stats.tokenRequests.authorization_code).toBe(exchanges);
  });

  it("provider error: the reason code goes back, never the provider's description; a path returnTo stays a path", async () => {
    const s = await h.vault.connect.createSession({ user: 'r-error', providers: { google: [] }, returnTo: '/app/done?x=1' });
    const state = new URL((await get(s.url)).location!).searchParams.get('state')!;
    const description = 'internal failure at db-7 token=abc123';
    const res = await get(
      `${h.connectUrl}/connect/callback?error=temporarily_unavailable&error_description=${encodeURIComponent(description)}&state=${encodeURIComponent(state)}`,
    );
    expect(res.status).toBe(302);
    expect(res.code).toBe('provider_error');
    expect(res.location).toBe(`/app/done?x=1&connect_session=${s.id}&error=provider_error`);
    expect(res.location).not.toContain('db-7');
    expect(await h.vault.connect.get(s.id)).toMatchObject({ status: 'failed', error: { reason: 'provider_error' } });
    expect(await grantCount('r-error')).toBe(0);
  });

  it('a path returnTo keeps its path verbatim (never turned into a protocol-relative URL)', async () => {
    const s = await h.vault.connect.createSession({ user: 'r-path', providers: { google: [] }, returnTo: '/.//evil.example/x#frag' });
    const state = new URL((await get(s.url)).location!).searchParams.get('state')!;
    const res = await get(`${h.connectUrl}/connect/callback?error=access_denied&state=${encodeURIComponent(state)}`);
    expect(res.status).toBe(302);
    expect(res.location).toBe(`/.//evil.example/x?connect_session=${s.id}&error=denied#frag`);
  });

  it('bad code exchange: 302 to returnTo with error=provider_error, and no grant', async () => {
    const s = await h.vault.connect.createSession({ user: 'r-badcode', providers: { google: [] }, returnTo: RETURN_TO });
    const state = new URL((await get(s.url)).location!).searchParams.get('state')!;
    const res = await get(
      `${h.connectUrl}/connect/callback?code=not-a-real-code&state=${encodeURIComponent(state)}&iss=${encodeURIComponent(h.sandbox.url)}`,
    );
    expect(res.status).toBe(302);
    expect(returnedTo(res.location)).toMatchObject({ connect_session: s.id, error: 'provider_error' });
    expect(await grantCount('r-badcode')).toBe(0);
  });

  it('expired: a callback with a state the session issued goes back with error=expired', async () => {
    const s = await h.vault.connect.createSession({ user: 'r-expired', providers: { google: [] }, returnTo: RETURN_TO, ttlSec: 1 });
    const started = await get(s.url);
    await new Promise((r) => setTimeout(r, 1_200));
    const page = await h.sandbox.approve(started.location!, { login: 'alice' });
    expect(page.status).toBe(302);
    expect(returnedTo(page.finalUrl)).toMatchObject({ connect_session: s.id, error: 'expired' });
    expect((await h.vault.connect.get(s.id)).status).toBe('expired');
    expect(await grantCount('r-expired')).toBe(0);
  });

  it('forged state: the error page, never a redirect — even though the session has a returnTo', async () => {
    const s = await h.vault.connect.createSession({ user: 'r-forged', providers: { google: [] }, returnTo: RETURN_TO });
    expect((await get(s.url)).status).toBe(302);
    const forged = await get(`${h.connectUrl}/connect/callback?code=forged&state=${encodeURIComponent(`${s.id}.not-the-state`)}`);
    expect(forged.status).toBe(400);
    expect(forged.code).toBe('state_mismatch');
    expect(forged.location).toBeNull();
    // Also when the forged state says "denied": nothing proves it came from this session's request.
    const s2 = await h.vault.connect.createSession({ user: 'r-forged', providers: { google: [] }, returnTo: RETURN_TO });
    expect((await get(s2.url)).status).toBe(302);
    const forgedDeny = await get(`${h.connectUrl}/connect/callback?error=access_denied&state=${encodeURIComponent(`${s2.id}.forged`)}`);
    expect(forgedDeny.status).toBe(400);
    expect(forgedDeny.location).toBeNull();
    expect(await h.vault.connect.get(s.id)).toMatchObject({ status: 'failed', error: { reason: 'state_mismatch' } });
    expect(await grantCount('r-forged')).toBe(0);
    // Whoever holds the Connect link itself (what started the flow) is sent back with the reason.
    expect(returnedTo((await get(s.url)).location)).toMatchObject({ connect_session: s.id, error: 'state_mismatch' });
  });

  it('a completed session still returns to returnTo unchanged, and a replay of its callback is refused on a page', async () => {
    const s = await h.vault.connect.createSession({ user: 'r-ok', providers: { google: [] }, returnTo: RETURN_TO });
    const page = await h.sandbox.approve(s.url, { login: 'alice' });
    expect(page.finalUrl).toBe(RETURN_TO);
    const callback = page.visited.find((u) => u.startsWith(`${h.connectUrl}/connect/callback?`))!;
    const replay = await get(callback);
    expect(replay.status).toBe(400);
    expect(replay.code).toBe('session_used');
    expect(replay.location).toBeNull();
    expect(await grantCount('r-ok')).toBe(1);
  });

  it('leaks nothing on the way back', async () => {
    await h.collectTokens();
    h.leak.inspect(h.vault, 'vault');
    h.leak.assertClean();
  });
});
