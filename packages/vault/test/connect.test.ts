/**
 * Connect end to end on real parts: the sandbox OAuth server, a SQLite file, real HTTP on
 * loopback. Connect → request → expiry → refresh → rotation; sessions without a user; several
 * providers in one session; two accounts of one provider; completion seen from another vault.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AccountAmbiguousError,
  AlterVault,
  ConnectSessionError,
  InvalidArgumentError,
  VaultConfigError,
  identityUser,
  providers,
} from '@alter/vault';
import { type Harness, createHarness, pageCode } from './fixtures/connect-harness.js';

const GMAIL_READONLY = 'https://www.googleapis.com/auth/gmail.readonly';
const GMAIL_LIST = 'https://gmail.googleapis.com/gmail/v1/users/me/messages';
const GITHUB_USER = 'https://api.github.com/user';

describe('Connect → request → expiry → refresh → rotation', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ providers: ['google', 'github'] });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('connects alice, uses, refreshes and rotates her Google token end to end', async () => {
    // Its own harness: the token counts below are of every token the sandbox issued, so the other
    // tests' grants (they may run first: jest --randomize) must not be in the same sandbox.
    const own = await createHarness({ providers: ['google', 'github'] });
    try {
      const { vault, sandbox, leak } = own;
      const session = await vault.connect.createSession({ user: 'alice', providers: { google: [GMAIL_READONLY] } });
      expect(session.url).toBe(`${own.connectUrl}/connect/${session.id}`);
      expect(session.expiresAt.getTime() - Date.now()).toBeGreaterThan(590_000);
      const completed: unknown[] = [];
      const onComplete = (r: unknown) => completed.push(r);
      vault.connect.on('complete', onComplete);

      const waiting = vault.connect.waitFor(session.id);
      const page = await sandbox.approve(session.url, { login: 'alice' });
      expect(page.status).toBe(200);
      expect(pageCode(page.body)).toBe('complete');
      // The authorization request carried state, PKCE S256 and a nonce (OIDC), and the union of scopes.
      const authorize = new URL(page.visited.find((u) => u.startsWith(`${sandbox.url}/auth?`))!);
      expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(authorize.searchParams.get('nonce')).toBeTruthy();
      expect(authorize.searchParams.get('state')).toMatch(new RegExp(`^${session.id}\\.`));
      expect(authorize.searchParams.get('scope')!.split(' ')).toEqual(expect.arrayContaining(['openid', 'offline_access', GMAIL_READONLY]));

      const result = await waiting;
      vault.connect.off('complete', onComplete);
      expect(result.status).toBe('complete');
      expect(result.user).toBe('alice');
      expect(result.grants).toHaveLength(1);
      expect(result.grants[0]).toMatchObject({ provider: 'google', account: 'alice' });
      expect(result.grants[0]!.scopes).toEqual(expect.arrayContaining([GMAIL_READONLY, 'openid', 'offline_access']));
      expect(result.identity).toMatchObject({ provider: 'google', subject: 'user-alice', email: 'alice@sandbox.test' });
      expect(completed).toHaveLength(1);
      expect(await vault.connect.get(session.id)).toMatchObject({ status: 'complete' });

      // The grant is in the store, sealed: the raw SQLite file never holds a token.
      const first = await own.collectTokens();
      expect(first.access).toHaveLength(1);
      expect(first.refresh).toHaveLength(1);
      const raw = readFileSync(own.dbFile).toString('latin1') + readFileSync(`${own.dbFile}-wal`, { flag: 'a+' }).toString('latin1');
      for (const t of [...first.access, ...first.refresh]) expect(raw.includes(t)).toBe(false);

      // Request with the connected token.
      const ok = await leak.catching(() => vault.request('google', 'GET', GMAIL_LIST, { user: 'alice', scopes: [GMAIL_READONLY] }));
      expect(ok.status).toBe(200);
      leak.inspect(ok.text(), 'gmail response');
      expect(sandbox.stats.tokenRequests.authorization_code).toBe(1);
      expect(sandbox.stats.tokenRequests.refresh_token).toBe(0);

      // Expiry: the provider expires every access token; the vault sees 401, refreshes once, retries.
      sandbox.faults.rotateRefreshTokens(true);
      sandbox.faults.expireAccessTokens();
      const afterExpiry = await leak.catching(() => vault.request('google', 'GET', GMAIL_LIST, { user: 'alice' }));
      expect(afterExpiry.status).toBe(200);
      expect(sandbox.stats.tokenRequests.refresh_token).toBe(1);
      const second = await own.collectTokens();
      expect(second.access[0]).not.toBe(first.access[0]);
      expect(second.refresh[0]).not.toBe(first.refresh[0]); // rotated and persisted

      // Again: the rotated refresh token is the one used (the old one would be invalid_grant).
      sandbox.faults.expireAccessTokens();
      const again = await leak.catching(() => vault.request('google', 'GET', GMAIL_LIST, { user: 'alice' }));
      expect(again.status).toBe(200);
      expect(sandbox.stats.tokenRequests.refresh_token).toBe(2);
      expect(sandbox.stats.tokenRequests.errors.invalid_grant ?? 0).toBe(0);
      const third = await own.collectTokens();
      expect(third.refresh[0]).not.toBe(second.refresh[0]);
      sandbox.faults.rotateRefreshTokens(false);

      await vault.audit.flush();
      for (const row of await vault.audit.query({ user: 'alice' })) leak.inspect(row, 'audit row');
      leak.inspect(vault, 'vault');
      leak.inspect(vault.provider('google'), 'provider config');
      leak.inspect(result, 'connect result');
      leak.inspect(page.body, 'done page');
      leak.assertClean();
    } finally {
      await own.close();
    }
  });

  it('derives the user from the first login and stores every grant of the session for it', async () => {
    const { vault, sandbox } = h;
    const session = await vault.connect.createSession({ providers: { google: [GMAIL_READONLY], github: ['read:user'] } });
    const page = await sandbox.approve(session.url, { login: 'bob' });
    expect(pageCode(page.body)).toBe('complete');
    const result = await vault.connect.waitFor(session.id);
    expect(result.status).toBe('complete');
    expect(result.user).toBe('google:user-bob');
    expect(result.user).toBe(identityUser('google', { subject: 'user-bob' }));
    expect(result.grants.map((g) => g.provider)).toEqual(['google', 'github']);
    expect(result.grants.map((g) => g.account)).toEqual(['bob', 'bob']);
    const grants = await vault.grants.list({ user: 'google:user-bob' });
    expect(grants.map((g) => g.provider).sort()).toEqual(['github', 'google']);
    // Both providers' tokens work for that user.
    expect((await vault.request('google', 'GET', GMAIL_LIST, { user: 'google:user-bob' })).status).toBe(200);
    expect((await vault.request('github', 'GET', GITHUB_USER, { user: 'google:user-bob' })).status).toBe(200);
    await h.collectTokens();
    h.leak.inspect(result, 'connect result');
    h.leak.assertClean();
  });

  it('keeps two accounts of one provider apart by account', async () => {
    const { vault, sandbox } = h;
    for (const login of ['alice', 'bob']) {
      const s = await vault.connect.createSession({ user: 'carol', providers: { github: ['read:user'] } });
      expect(pageCode((await sandbox.approve(s.url, { login })).body)).toBe('complete');
    }
    const grants = await vault.grants.list({ user: 'carol', provider: 'github' });
    expect(grants.map((g) => g.account).sort()).toEqual(['alice', 'bob']);
    const err = await vault.request('github', 'GET', GITHUB_USER, { user: 'carol' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AccountAmbiguousError);
    expect((err as AccountAmbiguousError).accounts.slice().sort()).toEqual(['alice', 'bob']);
    const asBob = await vault.request('github', 'GET', GITHUB_USER, { user: 'carol', account: 'bob' });
    expect(asBob.status).toBe(200);
    expect(asBob.json<{ login: string }>().login).toBe('bob');
    await h.collectTokens();
    h.leak.inspect(err, 'ambiguous error');
    h.leak.assertClean();
  });

  it('resolves waitFor in a vault that did not handle the callback (polls the shared store)', async () => {
    const other = h.openSibling(); // same SQLite file, its own events: only the store connects them
    await other.ready();
    const session = await other.connect.createSession({ user: 'dave', providers: { github: [] } }).catch((e: unknown) => e);
    // `other` has no base URL: it must say how to configure one.
    expect(session).toBeInstanceOf(VaultConfigError);
    expect((session as Error).message).toMatch(/baseUrl|listen\(\)/);

    const s = await h.vault.connect.createSession({ user: 'dave', providers: { github: [] } });
    const waiting = other.connect.waitFor(s.id, { pollIntervalMs: 50 });
    await h.sandbox.approve(s.url, { login: 'alice' });
    const result = await waiting;
    expect(result).toMatchObject({ status: 'complete', user: 'dave' });
    expect((await other.grants.list({ user: 'dave' })).length).toBe(1);
  });

  it('returns to returnTo after the last provider', async () => {
    const s = await h.vault.connect.createSession({
      user: 'erin',
      providers: { github: [] },
      returnTo: 'https://app.example/settings?connected=1',
    });
    const page = await h.sandbox.approve(s.url, { login: 'alice' });
    expect(page.status).toBe(302);
    expect(page.finalUrl).toBe('https://app.example/settings?connected=1');
    expect((await h.vault.connect.get(s.id)).status).toBe('complete');
  });
});

describe('Connect API arguments and waitFor', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ providers: ['google'] });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('names bad arguments', async () => {
    const c = h.vault.connect;
    await expect(c.createSession({ providers: {} })).rejects.toMatchObject({ argument: 'providers' });
    await expect(c.createSession({ providers: { google: 'x' as never } })).rejects.toMatchObject({ argument: 'providers.google' });
    await expect(c.createSession({ providers: { nope: [] } })).rejects.toBeInstanceOf(VaultConfigError);
    await expect(c.createSession({ user: '', providers: { google: [] } })).rejects.toMatchObject({ argument: 'user' });
    await expect(c.createSession({ providers: { google: [] }, returnTo: '//evil.example' })).rejects.toMatchObject({
      argument: 'returnTo',
    });
    await expect(c.createSession({ providers: { google: [] }, returnTo: 'javascript:alert(1)' })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(c.createSession({ providers: { google: [] }, ttlSec: 0 })).rejects.toMatchObject({ argument: 'ttlSec' });
    await expect(c.waitFor('')).rejects.toMatchObject({ argument: 'id' });
    await expect(c.waitFor('A'.repeat(32))).rejects.toMatchObject({ reason: 'unknown' });
    for (const bad of [0, -1, Number.NaN, '250' as never])
      await expect(c.waitFor('A'.repeat(32), { pollIntervalMs: bad })).rejects.toMatchObject({ argument: 'pollIntervalMs' });
  });

  it('requires a user when the first provider cannot say who logged in', async () => {
    const plain = new AlterVault({
      caller: 'no-identity',
      store: h.dbFile,
      encryptionKey: h.encryptionKey,
      providers: [
        providers.oauth2({
          id: 'plain',
          clientId: 'c',
          clientSecret: 'plain-client-secret',
          authorizeUrl: 'http://127.0.0.1:9/authorize',
          tokenUrl: 'http://127.0.0.1:9/token',
          allowedHosts: ['api.plain.example'],
          allowInsecureLoopback: true,
        }),
      ],
      connect: { baseUrl: 'http://127.0.0.1:9' },
      logger: h.leak.logger,
    });
    try {
      const err = await plain.connect.createSession({ providers: { plain: [] } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as InvalidArgumentError).argument).toBe('user');
      expect((err as Error).message).toMatch(/identity/);
      await expect(plain.connect.createSession({ user: 'x', providers: { plain: [] } })).resolves.toMatchObject({
        url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:9\/connect\//),
      });
    } finally {
      await plain.close();
    }
  });

  it('waitFor rejects on timeout and on abort while the session stays pending', async () => {
    const s = await h.vault.connect.createSession({ user: 'frank', providers: { google: [] } });
    const timedOut = await h.vault.connect.waitFor(s.id, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(ConnectSessionError);
    expect((timedOut as ConnectSessionError).reason).toBe('timeout');
    const controller = new AbortController();
    const aborted = h.vault.connect.waitFor(s.id, { signal: controller.signal });
    controller.abort(new Error('stop waiting'));
    await expect(aborted).rejects.toThrow('stop waiting');
    expect((await h.vault.connect.get(s.id)).status).toBe('pending');
  });

  it('serves Connect from a handler mounted under a path on another server', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      if (req.url?.startsWith('/oauth/')) return h.vault.connect.handler()(req, res, () => res.writeHead(418).end());
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const baseUrl = `http://127.0.0.1:${port}/oauth`;
    h.sandbox.registerRedirectUri(`${baseUrl}/connect/callback`);
    const mounted = new AlterVault({
      caller: 'mounted',
      store: h.dbFile,
      encryptionKey: h.encryptionKey,
      providers: [h.vault.provider('google')],
      connect: { baseUrl },
      logger: h.leak.logger,
    });
    try {
      // Route the server to the vault whose baseUrl matches.
      server.removeAllListeners('request');
      server.on('request', (req, res) => mounted.connect.handler()(req, res, () => res.writeHead(418).end()));
      const s = await mounted.connect.createSession({ user: 'gina', providers: { google: [] } });
      expect(s.url).toBe(`${baseUrl}/connect/${s.id}`);
      const page = await h.sandbox.approve(s.url, { login: 'alice' });
      expect(pageCode(page.body)).toBe('complete');
      const other = await fetch(`http://127.0.0.1:${port}/oauth/elsewhere`);
      expect(other.status).toBe(418); // unmatched paths go to next()
      expect((await mounted.grants.list({ user: 'gina' })).length).toBe(1);
    } finally {
      await mounted.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('providers.oidc against a real OpenID Connect server (discovery)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ providers: ['google'] });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('discovers the endpoints from the issuer and connects, requests and refreshes through them', async () => {
    const client = h.sandbox.client('sandbox');
    const oidc = providers.oidc({
      id: 'corp',
      issuer: h.sandbox.url,
      clientId: client.clientId,
      clientSecret: h.leak.secret(client.clientSecret, 'oidc client secret'),
      allowInsecureLoopback: true,
      authorizationParams: { prompt: 'consent' }, // the sandbox issues refresh tokens only with it
      allowedHosts: ['gmail.googleapis.com'],
      hostRewrites: { 'gmail.googleapis.com': h.sandbox.apiBase('gmail.googleapis.com') },
    });
    expect(oidc.authorizationEndpoint).toBeUndefined();
    const vault = new AlterVault({
      caller: 'oidc',
      store: h.dbFile,
      encryptionKey: h.encryptionKey,
      providers: [oidc],
      logger: h.leak.logger,
    });
    try {
      const { url } = await vault.connect.listen();
      h.sandbox.registerRedirectUri(`${url}/connect/callback`);
      const s = await vault.connect.createSession({ providers: { corp: [GMAIL_READONLY] } });
      const page = await h.sandbox.approve(s.url, { login: 'alice' });
      expect(pageCode(page.body)).toBe('complete');
      expect(page.visited.some((u) => u.startsWith(`${h.sandbox.url}/auth?`))).toBe(true); // the discovered authorization endpoint
      const result = await vault.connect.waitFor(s.id);
      expect(result).toMatchObject({ status: 'complete', user: 'corp:user-alice', grants: [{ provider: 'corp', account: 'alice' }] });
      expect((await vault.request('corp', 'GET', GMAIL_LIST, { user: 'corp:user-alice' })).status).toBe(200);
      h.sandbox.faults.expireAccessTokens();
      const refreshes = h.sandbox.stats.tokenRequests.refresh_token;
      expect((await vault.request('corp', 'GET', GMAIL_LIST, { user: 'corp:user-alice' })).status).toBe(200);
      expect(h.sandbox.stats.tokenRequests.refresh_token).toBe(refreshes + 1);
      await h.collectTokens();
      h.leak.inspect(vault.provider('corp'), 'oidc provider config');
      h.leak.assertClean();
    } finally {
      await vault.close();
    }
  });
});
