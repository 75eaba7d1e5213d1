/**
 * The end user's grants page (`vault.connect.createGrantsLink`, served by Connect's handler), on
 * real parts: the sandbox's OAuth server and fake APIs, a SQLite vault, Connect on its loopback
 * port, and `SandboxBrowser` (fetch with a cookie jar) as the browsers. The attacks: a forwarded
 * link in another browser, a form without the page's CSRF token, another user's grant id, a
 * browser signed in as someone else. Every page goes through the leak check.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { SandboxBrowser } from '@alter/testing';
import { type Harness, createHarness } from './fixtures/connect-harness.js';

jest.setTimeout(60_000);

let h: Harness;

const GMAIL_READONLY = 'https://www.googleapis.com/auth/gmail.readonly';

async function connect(user: string, login: string, provider: 'google' | 'github'): Promise<void> {
  const session = await h.vault.connect.createSession({ user, providers: { [provider]: provider === 'google' ? [GMAIL_READONLY] : [] } });
  const res = await h.sandbox.approve(session.url, { login });
  expect(res.status).toBe(200);
}

const code = (res: Response) => res.headers.get('x-alter-connect-status');
const csrfOf = (html: string) => /name="csrf" value="([^"]*)"/.exec(html)?.[1] ?? '';
const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

/** Opens the link and confirms the interstitial; returns the grants page's HTML. */
async function openAndConfirm(browser: SandboxBrowser, url: string): Promise<string> {
  const first = await browser.fetch(url);
  expect(code(first)).toBe('grants_confirm');
  const confirmed = await browser.fetch(url, form({ csrf: csrfOf(await first.text()), action: 'confirm' }));
  expect(confirmed.status).toBe(303);
  const page = await browser.fetch(confirmed.headers.get('location')!);
  expect(code(page)).toBe('grants');
  return page.text();
}

beforeAll(async () => {
  h = await createHarness({ providers: ['google', 'github'] });
  await connect('alice', 'alice', 'google');
  await connect('alice', 'alice', 'github');
  await connect('bob', 'bob', 'google');
  await h.collectTokens();
});
afterAll(async () => {
  await h?.close();
});

describe('grants page', () => {
  it("lists the user's grants after the interstitial, and disconnects one with upstream revocation", async () => {
    // A call first, so the page has a "last used" to show.
    const used = await h.vault.request('google', 'GET', 'https://gmail.googleapis.com/gmail/v1/users/me/messages', { user: 'alice' });
    expect(used.status).toBe(200);
    const link = await h.vault.connect.createGrantsLink({ user: 'alice' });
    expect(link.url).toBe(`${h.connectUrl}/connect/grants/${link.id}`);
    const browser = new SandboxBrowser();
    const html = await openAndConfirm(browser, link.url);
    h.leak.inspect(html, 'grants page');
    const grants = await h.vault.grants.list({ user: 'alice' });
    expect(grants).toHaveLength(2);
    for (const g of grants) expect(html).toContain(`data-alter-grant="${g.id}"`);
    const bobs = await h.vault.grants.list({ user: 'bob' });
    for (const g of bobs) expect(html).not.toContain(g.id);
    expect(html).toMatch(/<time datetime="[^"]+">/); // the Gmail call is the Google grant's last use

    const google = grants.find((g) => g.provider === 'google')!;
    h.sandbox.stats.reset();
    const done = await browser.fetch(link.url, form({ csrf: csrfOf(html), action: 'disconnect', grant: google.id }));
    expect(code(done)).toBe('grants');
    const after = await done.text();
    h.leak.inspect(after, 'grants page after disconnect');
    expect(after).toContain('data-alter-outcome="confirmed"');
    expect(after).not.toContain(`data-alter-grant="${google.id}"`);
    expect(h.sandbox.stats.revocations).toHaveLength(1);
    expect((await h.vault.grants.list({ user: 'alice', includeRevoked: true })).find((g) => g.id === google.id)!.status).toBe('revoked');
  });

  it('shows nothing to a second browser (a forwarded link), before or after the first confirmed it', async () => {
    const link = await h.vault.connect.createGrantsLink({ user: 'alice' });
    const owner = new SandboxBrowser();
    await openAndConfirm(owner, link.url);
    const stranger = new SandboxBrowser();
    const res = await stranger.fetch(link.url);
    expect(res.status).toBe(403);
    expect(code(res)).toBe('wrong_browser');
    const html = await res.text();
    for (const g of await h.vault.grants.list({ user: 'alice' })) expect(html).not.toContain(g.id);
    // The stranger's own interstitial token cannot rebind a confirmed link either.
    const fresh = await new SandboxBrowser().fetch((await h.vault.connect.createGrantsLink({ user: 'alice' })).url);
    const refused = await stranger.fetch(link.url, form({ csrf: csrfOf(await fresh.text()), action: 'confirm' }));
    expect(refused.status).toBe(403);
  });

  it("refuses a disconnect without the page's CSRF token, and a grant of another user", async () => {
    const link = await h.vault.connect.createGrantsLink({ user: 'alice' });
    const browser = new SandboxBrowser();
    const html = await openAndConfirm(browser, link.url);
    const github = (await h.vault.grants.list({ user: 'alice', provider: 'github' }))[0]!;
    const noCsrf = await browser.fetch(link.url, form({ action: 'disconnect', grant: github.id }));
    expect(code(noCsrf)).toBe('csrf');
    const bobsGrant = (await h.vault.grants.list({ user: 'bob' }))[0]!;
    const foreign = await browser.fetch(link.url, form({ csrf: csrfOf(html), action: 'disconnect', grant: bobsGrant.id }));
    expect(foreign.status).toBe(404);
    expect(code(foreign)).toBe('grant_not_found');
    expect((await h.vault.grants.list({ user: 'bob' }))[0]!.status).toBe('active');
    expect((await h.vault.grants.list({ user: 'alice', provider: 'github' }))[0]!.status).toBe('active');
  });

  it("opens only in a browser signed in as the link's user when a signed-in-user hook is installed", async () => {
    const release = h.vault.connect.useBrowserUser((req) =>
      String(req.headers.cookie ?? '').includes('app_user=alice') ? 'alice' : 'mallory',
    );
    try {
      const link = await h.vault.connect.createGrantsLink({ user: 'alice' });
      const mallory = await new SandboxBrowser().fetch(link.url);
      expect(code(mallory)).toBe('sign_in_required');
      const alice = new SandboxBrowser();
      alice.acceptSetCookie(h.connectUrl, 'app_user=alice; Path=/');
      await openAndConfirm(alice, link.url);
    } finally {
      release();
    }
  });

  it('says when a link expired or is unknown, and validates its input', async () => {
    const link = await h.vault.connect.createGrantsLink({ user: 'alice', ttlSec: 1 });
    await new Promise((r) => setTimeout(r, 1_100));
    expect(code(await new SandboxBrowser().fetch(link.url))).toBe('grants_link_expired');
    expect(code(await new SandboxBrowser().fetch(`${h.connectUrl}/connect/grants/${'x'.repeat(32)}`))).toBe('unknown_grants_link');
    await expect(h.vault.connect.createGrantsLink({ user: '' })).rejects.toThrow(/needs \{ user/);
    await expect(h.vault.connect.createGrantsLink({ user: 'alice', ttlSec: 0 })).rejects.toThrow(/ttlSec/);
  });
});
