/**
 * The refresh lease inside the token pipeline, on real SQLite files, with an in-test token
 * endpoint (the only fake: remote provider behaviour): waiting on another owner's lease (bounded
 * by the request's timeout and signal, and picking up the tokens the owner saved), bounded retries
 * of the write that saves rotated tokens, a lapsed lease, and the options that configure it.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createLeakCheck, type LeakCheck } from '@alter/testing';
import { AlterVault, type GrantStore, InvalidArgumentError, RequestAbortedError, SqliteGrantStore, StoreError } from '@alter/vault';
import { InProcessGrantLock } from '../src/in-process-grant-lock.js';
import { withRefresher } from '../src/internal/test-seams.js';
import { FakeTokenEndpoint } from './support/fake-token-endpoint.js';
import { loopbackProvider, newKey, newToken, tempDir, type TempDir } from './support/fixtures.js';
import { type RecordingServer, startRecordingServer } from './support/recording-server.js';

let api: RecordingServer;
let endpoint: FakeTokenEndpoint;
let tmp: TempDir;
let leak: LeakCheck;
let key: string;
const vaults: AlterVault[] = [];
const logged: Array<{ level: string; message: string; fields?: Readonly<Record<string, unknown>> }> = [];

beforeEach(async () => {
  tmp = tempDir('alter-lease');
  leak = createLeakCheck();
  key = leak.secret(newKey(), 'key');
  endpoint = new FakeTokenEndpoint(leak.secret(newToken('rt0'), 'initial refresh token'));
  logged.length = 0;
  api = await startRecordingServer();
  api.route('/api', (req, res) => {
    const auth = String(req.headers.authorization ?? '');
    const ok = auth.startsWith('Bearer ') && endpoint.validAccess.has(auth.slice(7));
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ok ? { ok: true } : { error: 'invalid_token' }));
  });
});
afterEach(async () => {
  for (const v of vaults.splice(0)) {
    leak.inspect(await v.audit.query({ limit: 1000 }), 'audit rows');
    await v.close();
  }
  await api.close();
  for (const t of endpoint.issued) leak.secret(t, 'issued token');
  leak.inspect(logged, 'log lines');
  tmp.remove();
  leak.assertClean();
});

function makeVault(store: GrantStore | string, extra: Record<string, unknown> = {}): AlterVault {
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: Readonly<Record<string, unknown>>): void => {
      leak.logger[level](message, fields);
      logged.push({ level, message, ...(fields ? { fields } : {}) });
    };
  const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  const v = new AlterVault(
    withRefresher({ caller: 'lease', providers: [loopbackProvider('acme')], store, encryptionKey: key, logger, ...extra }, (p) =>
      endpoint.refresher(p),
    ),
  );
  vaults.push(v);
  return v;
}

async function putExpired(v: AlterVault): Promise<string> {
  const info = await v.grants.put({
    user: 'alice',
    provider: 'acme',
    accessToken: leak.secret(endpoint.issueAccess(), 'initial access token'),
    refreshToken: endpoint.currentRefresh,
    expiresAt: new Date(Date.now() - 1000),
    scopes: ['read'],
  });
  return info.id;
}

const call = (v: AlterVault, options: { timeoutMs?: number; signal?: AbortSignal } = {}) =>
  v.request('acme', 'GET', `${api.origin}/api/me`, { user: 'alice', ...options });

describe('waiting on another owner’s refresh lease', () => {
  it('gives up at its own timeout (StoreUnavailableError, reason timeout) while another process holds a live lease, then proceeds once it is released', async () => {
    const file = tmp.file('v.db');
    const v = makeVault(file);
    const grantId = await putExpired(v);
    const other = new SqliteGrantStore({ filename: file });
    await other.open();
    try {
      const lock = other.createGrantLock();
      expect(await lock.tryAcquire(grantId, 'another-process', 60_000)).toBeDefined();
      await expect(call(v, { timeoutMs: 300 })).rejects.toMatchObject({
        name: 'StoreUnavailableError',
        code: 'ALTER_STORE',
        reason: 'timeout',
      });
      const controller = new AbortController();
      const aborted = call(v, { signal: controller.signal });
      controller.abort();
      await expect(aborted).rejects.toBeInstanceOf(RequestAbortedError);
      expect(endpoint.refreshCalls).toBe(0);
      expect(await lock.release(grantId, 'another-process')).toBe(true);
      expect((await call(v)).status).toBe(200);
      expect(endpoint.refreshCalls).toBe(1);
    } finally {
      await other.close();
    }
  });

  it('uses the tokens the lease owner saved (version moved, token valid) instead of refreshing again', async () => {
    const file = tmp.file('v.db');
    const v = makeVault(file);
    const grantId = await putExpired(v);
    const owner = makeVault(file);
    const lock = new SqliteGrantStore({ filename: file });
    await lock.open();
    try {
      expect(await lock.createGrantLock().tryAcquire(grantId, 'owner', 60_000)).toBeDefined();
      const waiting = call(v, { timeoutMs: 20_000 });
      await new Promise((r) => setTimeout(r, 100));
      // The "other process" saves fresh tokens under its lease (as its refresh would).
      await owner.grants.put({
        user: 'alice',
        provider: 'acme',
        accessToken: leak.secret(endpoint.issueAccess(), 'owner access token'),
        refreshToken: endpoint.currentRefresh,
        expiresAt: new Date(Date.now() + 3600_000),
        scopes: ['read'],
      });
      expect((await waiting).status).toBe(200);
      expect(endpoint.refreshCalls).toBe(0);
    } finally {
      await lock.close();
    }
  });

  it('a lease that lapsed mid-refresh does not lose the grant: the late owner’s invalid_grant re-reads and uses the saved tokens', async () => {
    const file = tmp.file('v.db');
    // Tiny lease (> the tiny token timeout) and a slow token endpoint: A's lease lapses while A waits.
    const opts = { http: { timeoutMs: 50 }, refresh: { leaseTtlMs: 200 } };
    const a = makeVault(file, opts);
    const b = makeVault(file, opts);
    await putExpired(a);
    endpoint.delayMs = 600;
    const first = call(a, { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 350));
    const second = call(b, { timeoutMs: 20_000 });
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect(endpoint.refreshCalls).toBe(2);
    const [g] = await a.store.listGrants({ user: 'alice', includeRevoked: true });
    expect(g!.status).toBe('active');
    expect(a.openSecret(g!.refreshToken!)).toBe(endpoint.currentRefresh);
  });
});

describe('saving rotated tokens', () => {
  it('retries the write (bounded) when the store fails right after the provider rotated, and keeps the rotated refresh token', async () => {
    const inner = new SqliteGrantStore({ filename: tmp.file('v.db') });
    let failures = 2;
    // A database blip on exactly the write that saves the new tokens (fault injection in the store).
    const blipping = new Proxy(inner, {
      get(target, prop) {
        if (prop === 'updateGrant') {
          return async (id: string, update: Parameters<GrantStore['updateGrant']>[1]) => {
            if (update.accessToken !== undefined && failures > 0) {
              failures -= 1;
              throw new StoreError('connection terminated unexpectedly (injected)');
            }
            return target.updateGrant(id, update);
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const v = makeVault(blipping, { grantLock: inner.createGrantLock() });
    await putExpired(v);
    expect((await call(v)).status).toBe(200);
    expect(endpoint.refreshCalls).toBe(1);
    const [g] = await v.store.listGrants({ user: 'alice' });
    expect(v.openSecret(g!.refreshToken!)).toBe(endpoint.currentRefresh);
    expect(logged.find((l) => l.message === 'refreshed tokens persisted')?.fields).toMatchObject({
      attempts: 3,
      windowMs: expect.any(Number),
    });
  });
});

describe('options', () => {
  it('rejects a lease TTL that is not longer than the token endpoint timeout, naming the option', () => {
    expect(() => makeVault(tmp.file('v.db'), { http: { timeoutMs: 5000 }, refresh: { leaseTtlMs: 5000 } })).toThrow(InvalidArgumentError);
    expect(() => makeVault(tmp.file('v.db'), { http: { timeoutMs: 5000 }, refresh: { leaseTtlMs: 5000 } })).toThrow(
      /options\.refresh\.leaseTtlMs.*http\.timeoutMs = 5000 ms/,
    );
    expect(() => makeVault(tmp.file('v.db'), { refresh: { leaseTtlMs: -1 } })).toThrow(/options\.refresh\.leaseTtlMs/);
    expect(() => makeVault(tmp.file('v.db'), { refresh: 'soon' })).toThrow(/options\.refresh/);
  });

  it('rejects a grantLock that is not a GrantLock', () => {
    expect(() => makeVault(tmp.file('v.db'), { grantLock: { tryAcquire: () => undefined } })).toThrow(/options\.grantLock/);
    expect(() => makeVault(tmp.file('v.db'), { grantLock: 'redis' })).toThrow(InvalidArgumentError);
  });

  it('warns that a custom store without a grantLock is single-flight per process only, and not when one is given', () => {
    const inner = new SqliteGrantStore({ filename: tmp.file('v.db') });
    const wrapped = new Proxy(inner, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
      getPrototypeOf: () => Object.prototype, // a custom store, not a SqliteGrantStore
    });
    makeVault(wrapped);
    expect(logged.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      expect.stringMatching(/without a grantLock.*options\.grantLock/),
    ]);
    logged.length = 0;
    makeVault(wrapped, { grantLock: new InProcessGrantLock() });
    makeVault(tmp.file('other.db'));
    expect(logged.filter((l) => l.level === 'warn')).toEqual([]);
  });
});
