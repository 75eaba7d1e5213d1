/**
 * `vault.connect.useBaseUrl(url)`: adopting a Connect base URL after construction (a server that
 * learns its port only once it listens). Real parts: the sandbox OAuth server, a SQLite file, real
 * HTTP on loopback; a sibling vault on the same store plays the second process.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AlterVault, InvalidArgumentError, VaultConfigError } from '@alter/vault';
import { type Harness, createHarness, pageCode } from './fixtures/connect-harness.js';

const GMAIL_READONLY = 'https://www.googleapis.com/auth/gmail.readonly';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ providers: ['google'] });
});
afterAll(async () => {
  await h?.close();
});

describe('vault.connect.useBaseUrl', () => {
  it('validates the URL and names the argument', () => {
    const vault = h.openSibling();
    for (const bad of ['not a url', 'ftp://127.0.0.1:1', 'http://127.0.0.1:1/?q=1', 'http://127.0.0.1:1/#x', 42 as never]) {
      expect(() => vault.connect.useBaseUrl(bad)).toThrow(InvalidArgumentError);
    }
    expect(vault.connect.baseUrl).toBeUndefined();
  });

  it('never replaces a configured connect.baseUrl unless forced; release goes back to it', async () => {
    const vault = new AlterVault({
      caller: 'base-url-configured',
      store: h.dbFile,
      encryptionKey: h.encryptionKey,
      providers: [h.sandbox.provider('google')],
      logger: h.leak.logger,
      connect: { baseUrl: 'http://localhost:3000/' },
    });
    try {
      expect(() => vault.connect.useBaseUrl('http://127.0.0.1:5')).toThrow(VaultConfigError);
      expect(() => vault.connect.useBaseUrl('http://127.0.0.1:5')).toThrow(/is configured \(connect\.baseUrl\).*force: true/);
      expect(vault.connect.baseUrl).toBe('http://localhost:3000');
      vault.connect.useBaseUrl('http://localhost:3000/')(); // the same URL: accepted, nothing changes
      const release = vault.connect.useBaseUrl('http://127.0.0.1:5/prefix/', { force: true });
      expect(vault.connect.baseUrl).toBe('http://127.0.0.1:5/prefix');
      release();
      expect(vault.connect.baseUrl).toBe('http://localhost:3000');
    } finally {
      await vault.close();
    }
  });

  it('an adopted URL wins over listen() and refuses another adoption unless forced', () => {
    expect(h.vault.connect.baseUrl).toBe(h.connectUrl);
    const release = h.vault.connect.useBaseUrl('http://127.0.0.1:7');
    try {
      expect(h.vault.connect.baseUrl).toBe('http://127.0.0.1:7');
      expect(() => h.vault.connect.useBaseUrl('http://127.0.0.1:8')).toThrow(/was already adopted/);
    } finally {
      release();
    }
    expect(h.vault.connect.baseUrl).toBe(h.connectUrl);
  });

  it('a session keeps the base URL it was created with: its callback returns there after the process moved on', async () => {
    // "Process B": a sibling vault on the same store, serving Connect on its own port-0 server.
    const sibling = h.openSibling();
    const server = createServer(sibling.connect.handler());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(sibling.connect.baseUrl).toBeUndefined();
      sibling.connect.useBaseUrl(origin);
      h.sandbox.registerRedirectUri(`${origin}/connect/callback`);
      const session = await sibling.connect.createSession({ user: 'base-url-bob', providers: { google: [GMAIL_READONLY] } });
      expect(session.url).toBe(`${origin}/connect/${session.id}`);

      // B's base URL changes (e.g. its public address moved); the old link still works end to end
      // because the provider callback goes to the session's own base URL, not B's new one (which
      // the provider does not accept).
      sibling.connect.useBaseUrl('http://127.0.0.1:9', { force: true });
      expect((await sibling.connect.createSession({ user: 'base-url-bob', providers: { google: [GMAIL_READONLY] } })).url).toMatch(
        /^http:\/\/127\.0\.0\.1:9\/connect\//,
      );
      const page = await h.sandbox.approve(session.url, { login: 'bob' });
      expect(pageCode(page.body)).toBe('complete');
      expect(page.visited.some((u) => u.startsWith(`${origin}/connect/callback?`))).toBe(true);
      // Completion is visible from the first process too (the store is shared).
      expect(await h.vault.connect.get(session.id)).toMatchObject({ status: 'complete', user: 'base-url-bob' });
      await h.collectTokens();
      h.leak.inspect(page, 'approve result');
      h.leak.assertClean();
    } finally {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  });
});
