/**
 * Issue #13, finding 1 ("Re-authorizing one tool breaks another"), at the vault level: a Connect
 * session for a user who already holds a grant asks the provider for the union of the grant's
 * scopes and the new ones (Google: with `include_granted_scopes=true`), and the callback stores
 * the union of the stored grant's scopes and the newly granted ones, never narrowing implicitly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLeakCheck } from '@alter/testing';
import { AlterVault, providers } from '@alter/vault';
import { type Harness, createHarness, pageCode } from './fixtures/connect-harness.js';

const GMAIL_READONLY = 'https://www.googleapis.com/auth/gmail.readonly';
const CALENDAR_EVENTS = 'https://www.googleapis.com/auth/calendar.events';

describe('incremental authorization: the Google authorization redirect', () => {
  it('carries include_granted_scopes=true and the union of the held and the missing scopes', async () => {
    const leak = createLeakCheck();
    const dir = mkdtempSync(path.join(tmpdir(), 'alter-incremental-'));
    const vault = new AlterVault({
      caller: 'incremental',
      store: path.join(dir, 'vault.db'),
      encryptionKey: leak.secret(randomBytes(32).toString('base64'), 'key'),
      providers: [
        providers.google({ clientId: 'cid.apps.googleusercontent.com', clientSecret: leak.secret('incr-google-secret', 'google secret') }),
      ],
      logger: leak.logger,
    });
    try {
      await vault.connect.listen();
      await vault.grants.put({
        user: 'u1',
        provider: 'google',
        account: 'u1@example.test',
        accessToken: leak.secret(`ya29.${randomBytes(16).toString('hex')}`, 'seeded access token'),
        expiresAt: null,
        scopes: ['openid', 'email', 'profile', GMAIL_READONLY],
      });
      const session = await vault.connect.createSession({ user: 'u1', providers: { google: ['calendar.events'] } });
      const res = await fetch(session.url, { redirect: 'manual' });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location')!);
      expect(location.origin).toBe('https://accounts.google.com');
      expect(location.searchParams.get('include_granted_scopes')).toBe('true');
      const scope = location.searchParams.get('scope')!.split(' ');
      expect(scope).toEqual(expect.arrayContaining([GMAIL_READONLY, CALENDAR_EVENTS]));
      expect(new Set(scope).size).toBe(scope.length);
      leak.inspect(location.href, 'authorization redirect');
      leak.assertClean();
    } finally {
      await vault.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('incremental authorization: the Connect callback', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ providers: ['google'] });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('keeps the stored grant’s scopes when the provider grants only the new ones', async () => {
    const { vault, sandbox, leak } = h;
    const first = await vault.connect.createSession({ user: 'bob', providers: { google: [GMAIL_READONLY] } });
    expect(pageCode((await sandbox.approve(first.url, { login: 'bob' })).body)).toBe('complete');
    // The provider answers the second consent with only calendar.events (as Google does without
    // include_granted_scopes): the stored grant must still hold gmail.readonly.
    const second = await vault.connect.createSession({ user: 'bob', providers: { google: [CALENDAR_EVENTS] }, bind: 'confirm' });
    const page = await sandbox.approve(second.url, { login: 'bob', scopes: [CALENDAR_EVENTS] });
    expect(pageCode(page.body)).toBe('complete');
    const grants = await vault.store.listGrants({ user: 'bob', provider: 'google' });
    expect(grants).toHaveLength(1);
    expect(grants[0]!.scopes).toEqual(expect.arrayContaining([GMAIL_READONLY, CALENDAR_EVENTS]));
    await h.collectTokens();
    leak.inspect(page.body, 'callback page');
    leak.assertClean();
  });
});
