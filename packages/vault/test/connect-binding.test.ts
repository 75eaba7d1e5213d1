/**
 * Connect bound to a person (Trust I): `bind: 'cookie'` sessions complete only in the browser that
 * received the binding cookie; `bind: 'confirm'` links (the tool-triggered ones) open on an
 * interstitial whose CSRF-protected confirmation binds the browser; a re-authorization keeps the
 * account unless the user chooses to switch; `useBrowserUser` requires the named user's browser.
 * Real parts: the sandbox OAuth server, a SQLite vault, Connect on loopback HTTP, browsers
 * simulated with cookie jars (SandboxBrowser), a leak check on every secret.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { SandboxBrowser } from '@alter/testing';
import { type Harness, createHarness, pageCode } from './fixtures/connect-harness.js';

const GMAIL_READONLY = 'https://www.googleapis.com/auth/gmail.readonly';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** The hidden CSRF field of the interstitial. */
function csrfOf(html: string): string {
  const m = /name="csrf" value="([^"]*)"/.exec(html);
  if (!m) throw new Error(`not an interstitial: ${html.slice(0, 300)}`);
  return m[1]!;
}

/** The binding cookie's `name=value` part (what a browser would store). */
function cookiePair(setCookie: string): string {
  return setCookie.split(';')[0]!;
}

describe('Connect binding', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ providers: ['google'] });
  });
  afterEach(async () => {
    await h.collectTokens();
    h.leak.assertClean();
  });
  afterAll(async () => {
    await h?.close();
  });

  const grantsOf = async (user: string) => h.vault.grants.list({ user, includeRevoked: true });

  describe("bind: 'cookie' (the auth server's sign-in)", () => {
    it('completes only in the browser that holds the binding cookie; elsewhere the link stops and issues nothing', async () => {
      const session = await h.vault.connect.createSession({ providers: { google: [] }, bind: 'cookie' });
      expect(session.bindingCookie).toMatch(
        /^alter_connect_[A-Za-z0-9_-]{16}=[A-Za-z0-9_-]{43}; Path=\/connect\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/,
      );
      h.leak.secret(cookiePair(session.bindingCookie!).split('=')[1]!, 'binding secret');
      const authorizeCalls = h.sandbox.stats.tokenRequests.authorization_code;

      // Another browser (the victim of a forwarded link): a page saying so, no redirect to the provider.
      const victim = new SandboxBrowser();
      const stopped = await h.sandbox.approve(session.url, { login: 'bob', browser: victim });
      expect(stopped.status).toBe(403);
      expect(pageCode(stopped.body)).toBe('wrong_browser');
      expect(stopped.visited).toEqual([session.url]);
      expect((await h.vault.connect.get(session.id)).status).toBe('pending');

      // The bound browser: the cookie the app sent it makes the same link work.
      const owner = new SandboxBrowser();
      owner.acceptSetCookie(session.url, session.bindingCookie!); // as the app's response would set it
      const page = await h.sandbox.approve(session.url, { login: 'alice', browser: owner });
      expect(pageCode(page.body)).toBe('complete');
      const result = await h.vault.connect.get(session.id);
      expect(result).toMatchObject({ status: 'complete', grants: [{ provider: 'google', account: 'alice' }] });
      expect(h.sandbox.stats.tokenRequests.authorization_code).toBe(authorizeCalls + 1);
    });

    it('a forwarded provider URL: the login comes back to another browser, the code is never exchanged, no grant lands', async () => {
      const session = await h.vault.connect.createSession({ providers: { google: [GMAIL_READONLY] }, bind: 'cookie' });
      h.leak.secret(cookiePair(session.bindingCookie!).split('=')[1]!, 'binding secret');
      // The attacker's (bound) browser opens the link and takes the provider URL instead of following it…
      const attacker = new SandboxBrowser();
      attacker.acceptSetCookie(session.url, session.bindingCookie!);
      const start = await attacker.fetch(session.url);
      expect(start.status).toBe(302);
      const providerUrl = start.headers.get('location')!;
      const exchanges = h.sandbox.stats.tokenRequests.authorization_code;
      // …and the victim signs in there: the callback lands in the victim's browser.
      const victim = new SandboxBrowser();
      const done = await h.sandbox.approve(providerUrl, { login: 'bob', browser: victim });
      expect(done.finalUrl.startsWith(`${h.connectUrl}/connect/callback?`)).toBe(true);
      expect(done.status).toBe(403);
      expect(pageCode(done.body)).toBe('wrong_browser');
      expect(h.sandbox.stats.tokenRequests.authorization_code).toBe(exchanges);
      expect(await h.vault.connect.get(session.id)).toMatchObject({ status: 'failed', error: { reason: 'wrong_browser' }, grants: [] });
      expect(await h.vault.grants.list({ provider: 'google', account: 'bob' })).toEqual([]);
    });
  });

  describe("bind: 'confirm' (tool-triggered links)", () => {
    it('opens on an interstitial naming the app, the user, the provider and scopes; nothing starts before the confirmation', async () => {
      const session = await h.vault.connect.createSession({
        user: 'u-interstitial',
        providers: { google: [GMAIL_READONLY] },
        bind: 'confirm',
      });
      expect(session.bindingCookie).toBeUndefined();
      const browser = new SandboxBrowser();
      const res = await browser.fetch(session.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-alter-connect-status')).toBe('confirm');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      const html = await res.text();
      expect(html).toContain('connect-e2e'); // the vault's caller
      expect(html).toContain('u-interstitial');
      expect(html).toContain('Google');
      expect(html).toContain(GMAIL_READONLY);
      expect(html).toContain('<form method="post"');
      expect(res.headers.getSetCookie().join('\n')).toMatch(/HttpOnly; SameSite=Lax/);
    });

    it('escapes what it names (a user id with markup)', async () => {
      const session = await h.vault.connect.createSession({
        user: '<img src=x onerror=alert(1)>',
        providers: { google: [] },
        bind: 'confirm',
      });
      const html = await (await new SandboxBrowser().fetch(session.url)).text();
      expect(html).not.toContain('<img');
      expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    });

    it('refuses a confirmation without the CSRF token, with a wrong one, or from another browser; the right one continues to the provider', async () => {
      const session = await h.vault.connect.createSession({ user: 'u-csrf', providers: { google: [] }, bind: 'confirm' });
      const browser = new SandboxBrowser();
      const csrf = csrfOf(await (await browser.fetch(session.url)).text());
      const post = (b: SandboxBrowser, body: Record<string, string>) =>
        b.fetch(session.url, { method: 'POST', headers: FORM, body: new URLSearchParams(body).toString() });

      const missing = await post(browser, { decision: 'continue' });
      expect(missing.status).toBe(403);
      expect(missing.headers.get('x-alter-connect-status')).toBe('csrf');
      const wrong = await post(browser, { csrf: `${csrf.slice(0, -2)}xx`, decision: 'continue' });
      expect(wrong.status).toBe(403);
      // A cross-site form in the victim's browser carries no cookie (SameSite=Lax) — and the
      // token of one browser is worthless in another that has its own.
      const other = new SandboxBrowser();
      await other.fetch(session.url);
      expect((await post(other, { csrf, decision: 'continue' })).status).toBe(403);
      expect(
        (await fetch(session.url, { method: 'POST', headers: FORM, body: new URLSearchParams({ csrf }).toString(), redirect: 'manual' }))
          .status,
      ).toBe(403);
      // A JSON body is not a form.
      expect(
        (
          await browser.fetch(session.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ csrf }),
          })
        ).status,
      ).toBe(403);
      expect((await h.vault.connect.get(session.id)).status).toBe('pending');

      const ok = await post(browser, { csrf, decision: 'continue' });
      expect(ok.status).toBe(303);
      expect(ok.headers.get('location')!.startsWith(h.sandbox.url)).toBe(true);
    });

    it('a forwarded link: once confirmed it continues only in the confirming browser; another one is stopped and attaches nothing', async () => {
      const session = await h.vault.connect.createSession({ user: 'u-forwarded', providers: { google: [] }, bind: 'confirm' });
      const owner = new SandboxBrowser();
      const confirmed = await owner.openConnect(session.url);
      expect(confirmed.status).toBe(303);
      const providerUrl = confirmed.headers.get('location')!;

      // The link opened by someone else after the confirmation: stopped before the provider.
      const stranger = await h.sandbox.approve(session.url, { login: 'bob', browser: new SandboxBrowser() });
      expect(stranger.status).toBe(403);
      expect(pageCode(stranger.body)).toBe('wrong_browser');
      // The provider URL forwarded to someone else: the callback in their browser is refused.
      const exchanges = h.sandbox.stats.tokenRequests.authorization_code;
      const forwarded = await h.sandbox.approve(providerUrl, { login: 'bob', browser: new SandboxBrowser() });
      expect(pageCode(forwarded.body)).toBe('wrong_browser');
      expect(h.sandbox.stats.tokenRequests.authorization_code).toBe(exchanges);
      expect(await h.vault.connect.get(session.id)).toMatchObject({ status: 'failed', error: { reason: 'wrong_browser' } });
      expect(await grantsOf('u-forwarded')).toEqual([]);
    });

    it('approve() clicks through the interstitial and completes in one browser', async () => {
      const session = await h.vault.connect.createSession({ user: 'u-approve', providers: { google: [] }, bind: 'confirm' });
      const page = await h.sandbox.approve(session.url, { login: 'alice' });
      expect(pageCode(page.body)).toBe('complete');
      expect(page.visited[1]).toBe(session.url); // the POST of the confirmation
      expect((await grantsOf('u-approve')).map((g) => g.account)).toEqual(['alice']);
    });
  });

  describe('re-authorizing an existing grant', () => {
    it('must come back with the same account; another one stores nothing and fails with account_mismatch', async () => {
      const user = 'u-reauth';
      await h.sandbox.approve((await h.vault.connect.createSession({ user, providers: { google: [] } })).url, { login: 'alice' });
      const before = await h.vault.store.listGrants({ user, includeRevoked: true });
      expect(before.map((g) => g.account)).toEqual(['alice']);

      const session = await h.vault.connect.createSession({ user, providers: { google: [GMAIL_READONLY] }, bind: 'confirm' });
      const browser = new SandboxBrowser();
      const interstitial = await (await browser.fetch(session.url)).text();
      expect(interstitial).toContain('Connected now as <b>alice</b>');
      expect(interstitial).toContain('name="switch_account"');
      const page = await h.sandbox.approve(session.url, { login: 'bob', browser });
      const after = await h.vault.store.listGrants({ user, includeRevoked: true });
      expect(after.map((g) => [g.account, g.version])).toEqual(before.map((g) => [g.account, g.version]));
      expect(pageCode(page.body)).toBe('account_mismatch');
      expect(await h.vault.connect.get(session.id)).toMatchObject({ status: 'failed', error: { reason: 'account_mismatch' }, grants: [] });
    });

    it('switches accounts only when the user ticks "use a different account"', async () => {
      const user = 'u-switch';
      await h.sandbox.approve((await h.vault.connect.createSession({ user, providers: { google: [] } })).url, { login: 'alice' });
      const session = await h.vault.connect.createSession({ user, providers: { google: [] }, bind: 'confirm' });
      const page = await h.sandbox.approve(session.url, { login: 'bob', switchAccount: true });
      expect(pageCode(page.body)).toBe('complete');
      expect((await grantsOf(user)).map((g) => g.account).sort()).toEqual(['alice', 'bob']);
    });

    it('the same account re-authorizes without any choice', async () => {
      const user = 'u-same';
      await h.sandbox.approve((await h.vault.connect.createSession({ user, providers: { google: [] } })).url, { login: 'alice' });
      const session = await h.vault.connect.createSession({ user, providers: { google: [GMAIL_READONLY] }, bind: 'confirm' });
      const page = await h.sandbox.approve(session.url, { login: 'alice' });
      expect(pageCode(page.body)).toBe('complete');
      const grants = await grantsOf(user);
      expect(grants).toHaveLength(1);
      expect(grants[0]!.scopes).toContain(GMAIL_READONLY);
    });
  });

  describe('useBrowserUser: the signed-in user is required', () => {
    it('a confirm link naming a user opens only where the hook says that user is signed in', async () => {
      const signedIn = new Map<string, string>([['alice-browser', 'u-hook']]);
      const release = h.vault.connect.useBrowserUser((req) => signedIn.get(String(req.headers['x-test-browser'] ?? '')), {
        appliesTo: (u) => u.startsWith('u-hook'),
      });
      try {
        const session = await h.vault.connect.createSession({ user: 'u-hook', providers: { google: [] }, bind: 'confirm' });
        const anonymous = await h.sandbox.approve(session.url, { login: 'alice' });
        expect(anonymous.status).toBe(403);
        expect(pageCode(anonymous.body)).toBe('sign_in_required');
        expect(anonymous.body).toContain('Sign in to the app as u-hook');
        // Signed in as someone else: the same.
        signedIn.set('bob-browser', 'u-hook-bob');
        const bob = new SandboxBrowser();
        const res = await bob.fetch(session.url, { headers: { 'x-test-browser': 'bob-browser' } });
        expect(res.headers.get('x-alter-connect-status')).toBe('sign_in_required');
        // The user's own browser sees the interstitial and may confirm.
        const alice = new SandboxBrowser();
        const page = await alice.fetch(session.url, { headers: { 'x-test-browser': 'alice-browser' } });
        const csrf = csrfOf(await page.text());
        // The hook is asked again at the confirmation: a token without the signed-in browser fails.
        const noSession = await alice.fetch(session.url, { method: 'POST', headers: FORM, body: new URLSearchParams({ csrf }).toString() });
        expect(noSession.headers.get('x-alter-connect-status')).toBe('sign_in_required');
        const ok = await alice.fetch(session.url, {
          method: 'POST',
          headers: { ...FORM, 'x-test-browser': 'alice-browser' },
          body: new URLSearchParams({ csrf }).toString(),
        });
        expect(ok.status).toBe(303);
        expect(await grantsOf('u-hook')).toEqual([]);
        // Users the hook does not vouch for are not asked.
        const other = await h.vault.connect.createSession({ user: 'someone-else', providers: { google: [] }, bind: 'confirm' });
        expect(pageCode((await h.sandbox.approve(other.url, { login: 'alice' })).body)).toBe('complete');
      } finally {
        release();
      }
    });
  });

  it('rejects an unknown bind mode, naming the option', async () => {
    await expect(
      h.vault.connect.createSession({ user: 'x', providers: { google: [] }, bind: 'always' as 'confirm' }),
    ).rejects.toMatchObject({ code: 'ALTER_INVALID_ARGUMENT', message: expect.stringContaining('bind') });
  });
});
