/**
 * The grants page in a real headless browser: Debian's Chromium driven by playwright-core, with
 * the project's own launch flags, against Connect's real handler on 127.0.0.1 (sandbox OAuth
 * server and fake APIs, a SQLite vault). The user confirms the interstitial, sees their grants and
 * disconnects one; the sandbox records the upstream revocation. Screenshots go to
 * `test-artifacts/` (ALTER_TEST_ARTIFACTS to change it).
 *
 * Needs /usr/bin/chromium (`.ci/run` installs Debian's `chromium` package); without it the test is
 * skipped with a printed reason.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { type Browser, chromium } from 'playwright-core';
import { type Harness, createHarness } from './fixtures/connect-harness.js';

jest.setTimeout(120_000);

const CHROMIUM = process.env.ALTER_TEST_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const ARTIFACTS =
  process.env.ALTER_TEST_ARTIFACTS ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test-artifacts');
const GMAIL_READONLY = 'https://www.googleapis.com/auth/gmail.readonly';
const available = existsSync(CHROMIUM);

if (!available) {
  describe('grants page in headless Chromium', () => {
    it.skip(`needs Chromium at ${CHROMIUM} — install Debian's chromium package (.ci/run does) or set ALTER_TEST_CHROMIUM`, () => {});
  });
} else {
  let h: Harness;
  let browser: Browser;

  beforeAll(async () => {
    h = await createHarness({ providers: ['google', 'github'] });
    for (const provider of ['google', 'github'] as const) {
      const session = await h.vault.connect.createSession({
        user: 'alice',
        providers: { [provider]: provider === 'google' ? [GMAIL_READONLY] : [] },
      });
      expect((await h.sandbox.approve(session.url, { login: 'alice' })).status).toBe(200);
    }
    await h.collectTokens();
    // Playwright gives the browser a new, empty profile (user data dir) of its own.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  describe('grants page in headless Chromium', () => {
    it('shows the signed-in user their grants and disconnects one, revoking it upstream', async () => {
      const link = await h.vault.connect.createGrantsLink({ user: 'alice' });
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(link.url);
      await expect(page.title()).resolves.toBe('Your connected accounts');
      await page.getByRole('button', { name: 'Show my connected accounts' }).click();
      await page.waitForSelector('table');
      const rows = page.locator('tr[data-alter-grant]');
      await expect(rows.count()).resolves.toBe(2);
      const text = await page.locator('body').textContent();
      expect(text).toContain('alice');
      h.leak.inspect(await page.content(), 'grants page in the browser');
      await page.screenshot({ path: path.join(ARTIFACTS, 'grants-page.png'), fullPage: true });

      const google = (await h.vault.grants.list({ user: 'alice', provider: 'google' }))[0]!;
      h.sandbox.stats.reset();
      await page.locator(`tr[data-alter-grant="${google.id}"] button`).click();
      await page.waitForSelector('[data-alter-outcome]');
      await expect(page.locator('[data-alter-outcome]').getAttribute('data-alter-outcome')).resolves.toBe('confirmed');
      await expect(rows.count()).resolves.toBe(1);
      await page.screenshot({ path: path.join(ARTIFACTS, 'grants-page-disconnected.png'), fullPage: true });
      expect(h.sandbox.stats.revocations).toHaveLength(1);
      expect((await h.vault.grants.list({ user: 'alice', provider: 'google', includeRevoked: true }))[0]!.status).toBe('revoked');
      h.leak.inspect(await page.content(), 'grants page after disconnect');

      // The same link in another browser profile (a forwarded link) shows nothing.
      const other = await browser.newContext();
      const stranger = await other.newPage();
      const res = await stranger.goto(link.url);
      expect(res?.status()).toBe(403);
      await expect(stranger.locator('tr[data-alter-grant]').count()).resolves.toBe(0);
      await other.close();
      await context.close();
    });
  });
}
