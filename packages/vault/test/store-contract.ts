/**
 * The GrantStore contract: one suite every store passes (SQLite file, PostgreSQL schema, and any
 * store a user writes). `makeStore` returns a fresh, unopened store over an EMPTY database.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { AuditInput, GrantLock, GrantStore } from '@alter/vault';
import { AuditChainConflictError } from '@alter/vault';

const GENESIS = '0'.repeat(64);

function auditRow(i: number, prevHash: string, extra: Partial<AuditInput> = {}): AuditInput {
  return {
    id: `row-${i}`,
    at: new Date(1_700_000_000_000 + i * 1000),
    caller: 'contract',
    user: i % 2 === 0 ? 'alice' : 'bob',
    provider: 'acme',
    account: '',
    method: 'GET',
    url: `https://api.acme.test/items/${i}`,
    status: 200,
    durationMs: 1.25 + i,
    tool: i % 3 === 0 ? 'list_items' : null,
    parentTool: null,
    chain: i % 3 === 0 ? ['list_items'] : [],
    callId: null,
    reason: null,
    errorCode: null,
    prevHash,
    hash: `h${String(i).padStart(63, '0')}`,
    ...extra,
  };
}

/** Builds `n` rows chained after `prev`. */
function chain(from: number, n: number, prev: string): AuditInput[] {
  const rows: AuditInput[] = [];
  for (let i = from; i < from + n; i++) {
    const row = auditRow(i, prev);
    rows.push(row);
    prev = row.hash;
  }
  return rows;
}

export function runStoreContract(name: string, makeStore: () => GrantStore | Promise<GrantStore>): void {
  describe(`GrantStore contract: ${name}`, () => {
    let store: GrantStore;
    beforeEach(async () => {
      store = await makeStore();
      await store.open();
    });
    afterEach(async () => {
      await store.close();
    });

    const input = (over: Partial<Parameters<GrantStore['putGrant']>[0]> = {}) => ({
      user: 'alice',
      provider: 'acme',
      account: '',
      accessToken: 'v1.k.sealed-access',
      refreshToken: 'v1.k.sealed-refresh',
      expiresAt: new Date(Date.now() + 3600_000),
      scopes: ['read', 'write'],
      ...over,
    });

    it('open() is idempotent and concurrent opens are safe', async () => {
      await store.open();
      const again = await makeStore();
      await Promise.all([again.open(), again.open()]);
      await again.close();
    });

    it('puts, gets and lists grants; upsert bumps the version and keeps the id', async () => {
      const g1 = await store.putGrant(input());
      expect(g1).toMatchObject({ user: 'alice', provider: 'acme', account: '', status: 'active', version: 1, scopes: ['read', 'write'] });
      expect(g1.expiresAt).toBeInstanceOf(Date);
      expect(await store.getGrant(g1.id)).toEqual(g1);
      const g2 = await store.putGrant(input({ accessToken: 'v1.k.second', scopes: ['read'] }));
      expect(g2.id).toBe(g1.id);
      expect(g2.version).toBe(2);
      expect(g2.accessToken).toBe('v1.k.second');
      await store.putGrant(input({ account: 'work', expiresAt: null, refreshToken: null }));
      await store.putGrant(input({ user: 'bob' }));
      expect((await store.listGrants({ user: 'alice' })).map((g) => g.account)).toEqual(['', 'work']);
      expect(await store.listGrants({ user: 'alice', account: 'work' })).toHaveLength(1);
      expect((await store.listGrants({ user: 'alice', account: 'work' }))[0]!.expiresAt).toBeNull();
      expect(await store.listGrants()).toHaveLength(3);
      expect(await store.getGrant('missing')).toBeUndefined();
    });

    it('updates fields selectively; revoked grants are listed only with includeRevoked', async () => {
      const g = await store.putGrant(input());
      const u = await store.updateGrant(g.id, { accessToken: 'v1.k.new' });
      expect(u).toMatchObject({ accessToken: 'v1.k.new', refreshToken: 'v1.k.sealed-refresh', version: 2 });
      const cleared = await store.updateGrant(g.id, { refreshToken: null, expiresAt: null, scopes: ['x'] });
      expect(cleared).toMatchObject({ refreshToken: null, expiresAt: null, scopes: ['x'], version: 3 });
      await store.updateGrant(g.id, { status: 'revoked' });
      expect(await store.listGrants({ user: 'alice' })).toHaveLength(0);
      expect(await store.listGrants({ user: 'alice', includeRevoked: true })).toHaveLength(1);
      expect(await store.updateGrant('missing', { status: 'revoked' })).toBeUndefined();
      // A new put re-activates it.
      expect((await store.putGrant(input())).status).toBe('active');
    });

    it('deletes grants', async () => {
      const g = await store.putGrant(input());
      expect(await store.deleteGrant(g.id)).toBe(true);
      expect(await store.deleteGrant(g.id)).toBe(false);
      expect(await store.getGrant(g.id)).toBeUndefined();
    });

    it('appends audit rows in order, returns the last, and queries with filters', async () => {
      expect(await store.lastAudit()).toBeUndefined();
      const rows = chain(0, 10, GENESIS);
      await store.appendAudit(rows.slice(0, 4));
      await store.appendAudit(rows.slice(4));
      const last = await store.lastAudit();
      expect(last).toMatchObject({ id: 'row-9', seq: expect.any(Number) });
      const all = await store.queryAudit({ afterSeq: 0, limit: 100 });
      expect(all.map((r) => r.id)).toEqual(rows.map((r) => r.id));
      const { seq: _s, ...first } = all[0]!;
      expect(first).toEqual(rows[0]);
      expect(all[3]!.chain).toEqual(['list_items']);
      const newest = await store.queryAudit({ limit: 3 });
      expect(newest.map((r) => r.id)).toEqual(['row-9', 'row-8', 'row-7']);
      expect((await store.queryAudit({ user: 'bob' })).every((r) => r.user === 'bob')).toBe(true);
      expect((await store.queryAudit({ tool: 'list_items' })).map((r) => r.id)).toEqual(['row-9', 'row-6', 'row-3', 'row-0']);
      expect((await store.queryAudit({ since: rows[8]!.at })).map((r) => r.id)).toEqual(['row-9', 'row-8']);
      expect(await store.queryAudit({ provider: 'other' })).toHaveLength(0);
      const page = await store.queryAudit({ afterSeq: all[4]!.seq, limit: 2 });
      expect(page.map((r) => r.id)).toEqual(['row-5', 'row-6']);
    });

    it('refuses an audit batch whose prevHash is not the current tail (AuditChainConflictError), writing nothing', async () => {
      await store.appendAudit(chain(0, 2, GENESIS));
      await expect(store.appendAudit(chain(2, 3, GENESIS))).rejects.toBeInstanceOf(AuditChainConflictError);
      expect(await store.queryAudit({ afterSeq: 0 })).toHaveLength(2);
    });

    it('stores null status and error codes', async () => {
      await store.appendAudit([
        auditRow(0, GENESIS, { status: null, errorCode: 'ALTER_HOST_NOT_ALLOWED', reason: 'why', callId: 'c1', parentTool: 'p' }),
      ]);
      expect(await store.lastAudit()).toMatchObject({
        status: null,
        errorCode: 'ALTER_HOST_NOT_ALLOWED',
        reason: 'why',
        callId: 'c1',
        parentTool: 'p',
      });
    });

    it('kv: put/get/list/delete, expiry reads as absent', async () => {
      await store.kvPut('ns', 'a', 'one');
      await store.kvPut('ns', 'a', 'two');
      expect(await store.kvGet('ns', 'a')).toEqual({ value: 'two', version: 2, expiresAt: null });
      await store.kvPut('ns', 'b:1', 'x', new Date(Date.now() + 60_000));
      await store.kvPut('ns', 'b:2', 'y', new Date(Date.now() - 1000));
      await store.kvPut('other', 'b:3', 'z');
      expect(await store.kvGet('ns', 'b:2')).toBeUndefined();
      expect((await store.kvList('ns')).map((e) => e.key)).toEqual(['a', 'b:1']);
      expect((await store.kvList('ns', { prefix: 'b:' })).map((e) => e.key)).toEqual(['b:1']);
      expect(await store.kvList('ns', { limit: 1 })).toHaveLength(1);
      expect(await store.kvDelete('ns', 'a')).toBe(true);
      expect(await store.kvDelete('ns', 'a')).toBe(false);
      expect(await store.kvGet('ns', 'a')).toBeUndefined();
    });

    it('kv: compare-and-set is exact, and only one of concurrent creators wins', async () => {
      expect(await store.kvCompareAndSet('ns', 'k', 0, 'first')).toBe(true);
      expect(await store.kvCompareAndSet('ns', 'k', 0, 'again')).toBe(false);
      expect(await store.kvCompareAndSet('ns', 'k', 5, 'wrong')).toBe(false);
      expect(await store.kvCompareAndSet('ns', 'k', 1, 'second')).toBe(true);
      expect(await store.kvGet('ns', 'k')).toMatchObject({ value: 'second', version: 2 });
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.kvCompareAndSet('ns', 'race', 0, `v${i}`)));
      expect(results.filter(Boolean)).toHaveLength(1);
      // An expired entry counts as absent for expectedVersion 0.
      await store.kvPut('ns', 'old', 'x', new Date(Date.now() - 1000));
      expect(await store.kvCompareAndSet('ns', 'old', 0, 'fresh')).toBe(true);
      expect((await store.kvGet('ns', 'old'))!.value).toBe('fresh');
    });

    it('kv: take is single-use under concurrency', async () => {
      await store.kvPut('codes', 'c', 'payload');
      const taken = await Promise.all(Array.from({ length: 6 }, () => store.kvTake('codes', 'c')));
      expect(taken.filter((t) => t !== undefined)).toHaveLength(1);
      expect(await store.kvTake('codes', 'c')).toBeUndefined();
      await store.kvPut('codes', 'expired', 'p', new Date(Date.now() - 1000));
      expect(await store.kvTake('codes', 'expired')).toBeUndefined();
    });

    it('kvSweep deletes only expired entries, at most `limit` per call, each exactly once across concurrent sweeps', async () => {
      const past = new Date(Date.now() - 60_000);
      for (let i = 0; i < 7; i++) await store.kvPut('connect', `gone-${i}`, 'x', past);
      await store.kvPut('connect', 'live', 'l', new Date(Date.now() + 3_600_000));
      await store.kvPut('auth:clients', 'forever', 'f');
      expect(await store.kvSweep(3)).toBe(3);
      expect(await store.kvSweep(3)).toBe(3);
      expect(await store.kvSweep(3)).toBe(1);
      expect(await store.kvSweep(3)).toBe(0);
      expect(await store.kvGet('connect', 'live')).toMatchObject({ value: 'l' });
      expect(await store.kvGet('auth:clients', 'forever')).toMatchObject({ value: 'f', expiresAt: null });
      // The swept key is really gone: written again, it starts over at version 1.
      expect(await store.kvCompareAndSet('connect', 'gone-0', 0, 'new')).toBe(true);
      expect(await store.kvGet('connect', 'gone-0')).toMatchObject({ value: 'new', version: 1 });

      for (let i = 0; i < 40; i++) await store.kvPut('auth:codes', `c-${i}`, 'x', past);
      const counts = await Promise.all(Array.from({ length: 4 }, () => store.kvSweep(50)));
      const more = await store.kvSweep(50);
      expect(counts.reduce((a, b) => a + b, 0) + more).toBe(40);
      await expect(store.kvSweep(0)).rejects.toMatchObject({ code: 'ALTER_INVALID_ARGUMENT' });
      await expect(store.kvSweep(1.5)).rejects.toMatchObject({ code: 'ALTER_INVALID_ARGUMENT' });
    });

    it('meta: get/set', async () => {
      expect(await store.getMeta('x')).toBeUndefined();
      await store.setMeta('x', '1');
      await store.setMeta('x', '2');
      expect(await store.getMeta('x')).toBe('2');
    });

    it('resealAll rewrites every grant token and sealed kv value, leaving other values alone', async () => {
      await store.putGrant(input());
      await store.putGrant(input({ user: 'bob', refreshToken: null }));
      await store.kvPut('ns', 'sealed', 'v1.k.kv-secret');
      await store.kvPut('ns', 'plain', '{"json":true}');
      const count = await store.resealAll((s) => `${s}.re`);
      expect(count).toBe(4);
      const grants = await store.listGrants();
      expect(grants.map((g) => g.accessToken)).toEqual(['v1.k.sealed-access.re', 'v1.k.sealed-access.re']);
      expect(grants.map((g) => g.refreshToken).sort()).toEqual([null, 'v1.k.sealed-refresh.re']);
      expect((await store.kvGet('ns', 'sealed'))!.value).toBe('v1.k.kv-secret.re');
      expect((await store.kvGet('ns', 'plain'))!.value).toBe('{"json":true}');
    });

    it('resealAll tells the callback which grant row and field each token is stored in (kv values: none)', async () => {
      const alice = await store.putGrant(input({ account: 'work' }));
      const bob = await store.putGrant(input({ user: 'bob', refreshToken: null }));
      await store.kvPut('ns', 'sealed', 'v1.k.kv-secret');
      const seen: Array<[string, unknown]> = [];
      await store.resealAll((s, row) => {
        seen.push([s, row]);
        return s;
      });
      expect(seen).toHaveLength(4);
      expect(seen).toEqual(
        expect.arrayContaining([
          ['v1.k.sealed-access', { grantId: alice.id, user: 'alice', provider: 'acme', account: 'work', field: 'access' }],
          ['v1.k.sealed-refresh', { grantId: alice.id, user: 'alice', provider: 'acme', account: 'work', field: 'refresh' }],
          ['v1.k.sealed-access', { grantId: bob.id, user: 'bob', provider: 'acme', account: '', field: 'access' }],
          ['v1.k.kv-secret', undefined],
        ]),
      );
    });

    it('resealAll is all-or-nothing when reseal throws', async () => {
      await store.putGrant(input());
      await store.putGrant(input({ user: 'bob' }));
      let n = 0;
      await expect(
        store.resealAll((s) => {
          n += 1;
          if (n === 3) throw new Error('bad key');
          return `${s}.re`;
        }),
      ).rejects.toThrow('bad key');
      expect((await store.listGrants()).every((g) => !g.accessToken.endsWith('.re'))).toBe(true);
    });

    it('reports operations on a closed store as StoreError', async () => {
      const s = await makeStore();
      await s.open();
      await s.close();
      await expect(s.listGrants()).rejects.toMatchObject({ code: 'ALTER_STORE' });
    });
  });
}

/** Two locks over ONE backing database (two store instances: two "processes" in miniature). */
export interface LockPair {
  readonly a: GrantLock;
  readonly b: GrantLock;
  close(): Promise<void>;
}

/**
 * The GrantLock contract (the refresh lease): every lock passes it — SQLite, PostgreSQL,
 * in-process, and any a user writes (Redis). `makePair` returns two opened locks sharing state.
 */
export function runGrantLockContract(name: string, makePair: () => Promise<LockPair>): void {
  describe(`GrantLock contract: ${name}`, () => {
    let pair: LockPair;
    beforeEach(async () => {
      pair = await makePair();
    });
    afterEach(async () => {
      await pair.close();
    });

    it('gives a live lease to one owner only, across lock instances', async () => {
      const first = await pair.a.tryAcquire('g1', 'owner-a', 60_000);
      expect(first).toMatchObject({ grantId: 'g1', owner: 'owner-a' });
      expect(first!.expiresAt.getTime()).toBeGreaterThan(Date.now() + 30_000);
      expect(Object.isFrozen(first)).toBe(true);
      expect(await pair.b.tryAcquire('g1', 'owner-b', 60_000)).toBeUndefined();
      expect(await pair.a.tryAcquire('g1', 'owner-c', 60_000)).toBeUndefined();
      // Other grants are independent.
      expect(await pair.b.tryAcquire('g2', 'owner-b', 60_000)).toMatchObject({ grantId: 'g2', owner: 'owner-b' });
    });

    it('lets the same owner renew its lease', async () => {
      const first = await pair.a.tryAcquire('g1', 'owner-a', 1_000);
      const renewed = await pair.b.tryAcquire('g1', 'owner-a', 60_000);
      expect(renewed).toBeDefined();
      expect(renewed!.expiresAt.getTime()).toBeGreaterThan(first!.expiresAt.getTime());
    });

    it('frees the lease on release by its owner only', async () => {
      await pair.a.tryAcquire('g1', 'owner-a', 60_000);
      expect(await pair.b.release('g1', 'owner-b')).toBe(false);
      expect(await pair.b.tryAcquire('g1', 'owner-b', 60_000)).toBeUndefined();
      expect(await pair.a.release('g1', 'owner-a')).toBe(true);
      expect(await pair.a.release('g1', 'owner-a')).toBe(false);
      expect(await pair.b.tryAcquire('g1', 'owner-b', 60_000)).toMatchObject({ owner: 'owner-b' });
    });

    it('lets anyone take over a lease whose owner never released it once it expired', async () => {
      expect(await pair.a.tryAcquire('g1', 'dead-owner', 150)).toBeDefined();
      expect(await pair.b.tryAcquire('g1', 'owner-b', 60_000)).toBeUndefined();
      let taken: Awaited<ReturnType<GrantLock['tryAcquire']>>;
      for (let i = 0; i < 200 && !taken; i++) {
        await new Promise((r) => setTimeout(r, 25));
        taken = await pair.b.tryAcquire('g1', 'owner-b', 60_000);
      }
      expect(taken).toMatchObject({ owner: 'owner-b' });
      // The dead owner's late release does not free the new owner's lease.
      expect(await pair.a.release('g1', 'dead-owner')).toBe(false);
      expect(await pair.a.tryAcquire('g1', 'owner-c', 60_000)).toBeUndefined();
    });

    it('grants exactly one of 50 racing acquisitions', async () => {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? pair.a : pair.b).tryAcquire('race', `owner-${i}`, 60_000)),
      );
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    });
  });
}
