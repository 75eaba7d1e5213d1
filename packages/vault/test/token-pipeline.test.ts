/**
 * The token pipeline (cache → store → refresh) against a real HTTP API on loopback whose token
 * acceptance is driven by an in-test token endpoint (the only fake: remote provider behaviour).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createLeakCheck, type LeakCheck } from '@alter/testing';
import {
  AlterVault,
  GrantExpiredError,
  GrantNotFoundError,
  type GrantStore,
  PostgresGrantStore,
  SqliteGrantStore,
  TokenRefreshError,
} from '@alter/vault';
import { withRefresher } from '../src/internal/test-seams.js';
import { FakeTokenEndpoint } from './support/fake-token-endpoint.js';
import { loopbackProvider, newKey, newToken, tempDir, type TempDir } from './support/fixtures.js';
import { describeWithPostgres } from './support/pg.js';
import { type RecordingServer, startRecordingServer } from './support/recording-server.js';

let api: RecordingServer;
let endpoint: FakeTokenEndpoint;

beforeAll(async () => {
  api = await startRecordingServer();
  api.route('/api', (req, res) => {
    const auth = String(req.headers.authorization ?? '');
    const ok = !endpoint.rejectAll && auth.startsWith('Bearer ') && endpoint.validAccess.has(auth.slice(7));
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ok ? { ok: true } : { error: 'invalid_token' }));
  });
});
afterAll(async () => {
  await api.close();
});

function makeVault(store: GrantStore | string, key: string, leak: LeakCheck): AlterVault {
  return new AlterVault(
    withRefresher({ caller: 'pipeline', providers: [loopbackProvider('acme')], store, encryptionKey: key, logger: leak.logger }, (p) =>
      endpoint.refresher(p),
    ),
  );
}

describe('token pipeline (SQLite)', () => {
  let tmp: TempDir;
  let leak: LeakCheck;
  let vault: AlterVault;
  let key: string;

  beforeEach(() => {
    tmp = tempDir('alter-pipeline');
    leak = createLeakCheck();
    key = leak.secret(newKey(), 'key');
    endpoint = new FakeTokenEndpoint(leak.secret(newToken('rt0'), 'initial refresh token'));
    vault = makeVault(tmp.file('v.db'), key, leak);
    api.reset();
  });
  afterEach(async () => {
    leak.inspect(await vault.audit.query({ limit: 1000 }), 'audit rows');
    leak.inspect(vault, 'vault');
    await vault.close();
    for (const t of endpoint.issued) leak.secret(t, 'issued token');
    tmp.remove();
    leak.assertClean();
  });

  const put = async (over: { expiresAt?: Date | null; refresh?: string | null; access?: string } = {}) => {
    const access = over.access ?? endpoint.issueAccess();
    leak.secret(access, 'initial access token');
    await vault.grants.put({
      user: 'alice',
      provider: 'acme',
      accessToken: access,
      refreshToken: over.refresh === undefined ? endpoint.currentRefresh : over.refresh,
      expiresAt: over.expiresAt === undefined ? new Date(Date.now() + 3600_000) : over.expiresAt,
      scopes: ['read'],
    });
    return access;
  };
  const call = () => vault.request('acme', 'GET', `${api.origin}/api/me`, { user: 'alice' });

  it('refreshes once when 200 calls race on an expired token, and persists the rotated refresh token', async () => {
    await put({ expiresAt: new Date(Date.now() - 1000) });
    const results = await Promise.all(Array.from({ length: 200 }, call));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(endpoint.refreshCalls).toBe(1);
    const sent = new Set(api.requests.map((r) => r.headers.authorization));
    expect(sent.size).toBe(1);
    // A second vault (fresh cache) must refresh with the ROTATED refresh token, or it gets invalid_grant.
    await vault.grants.put({
      user: 'alice',
      provider: 'acme',
      accessToken: newToken('stale'),
      expiresAt: new Date(Date.now() - 1000),
      scopes: ['read'],
    });
    const res = await call();
    expect(res.status).toBe(200);
    expect(endpoint.refreshCalls).toBe(2);
  });

  it('on a 401 refreshes once and retries once; a second 401 is returned, not looped', async () => {
    const first = await put();
    expect((await call()).status).toBe(200);
    endpoint.validAccess.delete(first); // the provider revoked the access token
    const res = await call();
    expect(res.status).toBe(200);
    expect(endpoint.refreshCalls).toBe(1);
    // The API now refuses every token: one refresh + one retry, then the 401 comes back.
    endpoint.rejectAll = true;
    const before = api.requests.length;
    const denied = await call();
    expect(api.requests.length - before).toBe(2);
    expect(denied.status).toBe(401);
    expect(endpoint.refreshCalls).toBe(2);
  });

  it('marks the grant revoked on invalid_grant and throws GrantNotFoundError({ revoked: true })', async () => {
    await put({ expiresAt: new Date(Date.now() - 1000), refresh: leak.secret(newToken('rt-stale'), 'stale refresh') });
    const err = await call().catch((e: unknown) => e);
    leak.inspect(err, 'error');
    expect(err).toBeInstanceOf(GrantNotFoundError);
    expect((err as GrantNotFoundError).revoked).toBe(true);
    expect((await vault.grants.get({ user: 'alice', provider: 'acme' }))!.status).toBe('revoked');
    expect(api.requests).toHaveLength(0);
  });

  it('asks for a reconnect (GrantExpiredError, a GrantNotFoundError) when the token expired and there is no refresh token', async () => {
    await put({ expiresAt: new Date(Date.now() - 1000), refresh: null });
    const err = await call().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrantExpiredError);
    expect(err).toBeInstanceOf(GrantNotFoundError);
    expect((err as GrantExpiredError).code).toBe('ALTER_GRANT_NOT_FOUND');
    expect((err as Error).message).toContain('reconnect');
  });

  it('returns a 401 as is when the grant has no refresh token', async () => {
    const t = await put({ refresh: null });
    endpoint.validAccess.delete(t);
    expect((await call()).status).toBe(401);
    expect(endpoint.refreshCalls).toBe(0);
  });

  it('wraps other refresh failures in TokenRefreshError and keeps the grant active', async () => {
    await put({ expiresAt: new Date(Date.now() - 1000) });
    endpoint.failWith = new Error('token endpoint unreachable');
    const err = await call().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenRefreshError);
    expect((await vault.grants.get({ user: 'alice', provider: 'acme' }))!.status).toBe('active');
    expect((await call()).status).toBe(200);
  });

  it('does not refresh a short-lived token on every request', async () => {
    endpoint.lifetimeMs = 20_000;
    await put({ expiresAt: new Date(Date.now() + 20_000) });
    for (let i = 0; i < 20; i++) expect((await call()).status).toBe(200);
    expect(endpoint.refreshCalls).toBe(0);
  });

  it('keeps the stored refresh token when a grant is re-put without one', async () => {
    await put();
    await vault.grants.put({
      user: 'alice',
      provider: 'acme',
      accessToken: newToken('no-rt'),
      expiresAt: new Date(Date.now() - 1000),
      scopes: ['read'],
    });
    expect((await call()).status).toBe(200);
    expect(endpoint.refreshCalls).toBe(1);
  });
});

describeWithPostgres('token pipeline across processes (PostgreSQL row lock)', (db) => {
  it('two vaults on one database refresh an expired grant once, never losing the rotated refresh token', async () => {
    const leak = createLeakCheck();
    const key = leak.secret(newKey(), 'key');
    endpoint = new FakeTokenEndpoint(leak.secret(newToken('rt0'), 'refresh'));
    endpoint.delayMs = 100;
    const mk = () => makeVault(new PostgresGrantStore({ connectionString: db.url, schema: db.schema }), key, leak);
    const a = mk();
    const b = mk();
    await a.grants.put({
      user: 'alice',
      provider: 'acme',
      accessToken: endpoint.issueAccess(),
      refreshToken: endpoint.currentRefresh,
      expiresAt: new Date(Date.now() - 1000),
      scopes: ['read'],
    });
    const call = (v: AlterVault) => v.request('acme', 'GET', `${api.origin}/api/me`, { user: 'alice' });
    const results = await Promise.all([...Array.from({ length: 20 }, () => call(a)), ...Array.from({ length: 20 }, () => call(b))]);
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(endpoint.refreshCalls).toBe(1);
    // Force another refresh from b: it must use the rotated refresh token a stored.
    endpoint.validAccess.clear();
    expect((await call(b)).status).toBe(200);
    expect(endpoint.refreshCalls).toBe(2);
    leak.inspect(await a.audit.query({ limit: 100 }), 'audit');
    await a.close();
    await b.close();
    for (const t of endpoint.issued) leak.secret(t, 'issued');
    leak.assertClean();
  });
});

describe('store selection', () => {
  it('accepts sqlite: URLs and file paths', async () => {
    const tmp = tempDir('alter-store-opt');
    const v1 = new AlterVault({ caller: 'x', providers: [], store: `sqlite:${tmp.file('a.db')}`, encryptionKey: newKey() });
    expect(v1.store).toBeInstanceOf(SqliteGrantStore);
    expect((v1.store as SqliteGrantStore).filename).toBe(tmp.file('a.db'));
    await v1.ready();
    await v1.close();
    await v1.close();
    tmp.remove();
  });
});
