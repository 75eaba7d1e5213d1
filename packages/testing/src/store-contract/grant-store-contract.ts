/**
 * The GrantStore contract: the checks every store passes — the built-in SQLite and PostgreSQL
 * stores, and any store a user writes (DynamoDB, Redis, …). Runner-agnostic: each check is a named
 * async function that throws on failure, so it plugs into Jest, Vitest or node:test:
 * `for (const check of grantStoreContract(makeStore)) it(check.name, check.run)`.
 */
import assert from 'node:assert/strict';
import { type AuditInput, AuditChainConflictError, type GrantStore } from '@alter/vault';
import { assertEqual, assertFields, assertRejectsWith, isDate } from './partial-match.js';

/** One check of a contract: its name (a sentence) and the function that runs it. */
export interface ContractCheck {
  readonly name: string;
  run(): Promise<void>;
}

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

const ids = (rows: ReadonlyArray<{ id: string }>) => rows.map((r) => r.id);

/**
 * The checks of the GrantStore contract. `makeStore` returns a fresh, unopened store over an
 * EMPTY database each time it is called; each check opens one (and sometimes a second over the
 * same database), runs, and closes it.
 * @example
 * ```ts
 * for (const check of grantStoreContract(() => new MyStore({ table: `t_${++n}` }))) it(check.name, check.run);
 * ```
 */
export function grantStoreContract(makeStore: () => GrantStore | Promise<GrantStore>): readonly ContractCheck[] {
  const check = (name: string, body: (store: GrantStore) => Promise<void>): ContractCheck =>
    Object.freeze({
      name,
      async run() {
        const store = await makeStore();
        await store.open();
        try {
          await body(store);
        } finally {
          await store.close();
        }
      },
    });

  return Object.freeze([
    check('open() is idempotent and concurrent opens are safe', async (store) => {
      await store.open();
      const again = await makeStore();
      await Promise.all([again.open(), again.open()]);
      await again.close();
    }),

    check('puts, gets and lists grants; upsert bumps the version and keeps the id', async (store) => {
      const g1 = await store.putGrant(input());
      assertFields(
        g1,
        { user: 'alice', provider: 'acme', account: '', status: 'active', version: 1, scopes: ['read', 'write'] },
        'putGrant',
      );
      assert.ok(isDate(g1.expiresAt), 'putGrant: expiresAt is a Date');
      assertEqual(await store.getGrant(g1.id), g1, 'getGrant returns what putGrant returned');
      const g2 = await store.putGrant(input({ accessToken: 'v1.k.second', scopes: ['read'] }));
      assert.equal(g2.id, g1.id, 'an upsert keeps the id');
      assert.equal(g2.version, 2, 'an upsert bumps the version');
      assert.equal(g2.accessToken, 'v1.k.second');
      await store.putGrant(input({ account: 'work', expiresAt: null, refreshToken: null }));
      await store.putGrant(input({ user: 'bob' }));
      assertEqual(
        (await store.listGrants({ user: 'alice' })).map((g) => g.account),
        ['', 'work'],
        'listGrants({ user }) orders by account',
      );
      const work = await store.listGrants({ user: 'alice', account: 'work' });
      assert.equal(work.length, 1, 'listGrants({ user, account })');
      assert.equal(work[0]?.expiresAt, null, 'a null expiresAt reads back as null');
      assert.equal((await store.listGrants()).length, 3, 'listGrants() lists every grant');
      assert.equal(await store.getGrant('missing'), undefined, 'getGrant of an unknown id is undefined');
    }),

    check('updates fields selectively; revoked grants are listed only with includeRevoked', async (store) => {
      const g = await store.putGrant(input());
      const u = await store.updateGrant(g.id, { accessToken: 'v1.k.new' });
      assertFields(u, { accessToken: 'v1.k.new', refreshToken: 'v1.k.sealed-refresh', version: 2 }, 'updateGrant');
      const cleared = await store.updateGrant(g.id, { refreshToken: null, expiresAt: null, scopes: ['x'] });
      assertFields(cleared, { refreshToken: null, expiresAt: null, scopes: ['x'], version: 3 }, 'updateGrant (cleared)');
      await store.updateGrant(g.id, { status: 'revoked' });
      assert.equal((await store.listGrants({ user: 'alice' })).length, 0, 'a revoked grant is not listed');
      assert.equal((await store.listGrants({ user: 'alice', includeRevoked: true })).length, 1, 'listed with includeRevoked');
      assert.equal(await store.updateGrant('missing', { status: 'revoked' }), undefined, 'updateGrant of an unknown id');
      // A new put re-activates it.
      assert.equal((await store.putGrant(input())).status, 'active', 'a put re-activates a revoked grant');
    }),

    check('deletes grants', async (store) => {
      const g = await store.putGrant(input());
      assert.equal(await store.deleteGrant(g.id), true);
      assert.equal(await store.deleteGrant(g.id), false, 'a second delete finds nothing');
      assert.equal(await store.getGrant(g.id), undefined);
    }),

    check('appends audit rows in order, returns the last, and queries with filters', async (store) => {
      assert.equal(await store.lastAudit(), undefined, 'lastAudit of an empty store');
      const rows = chain(0, 10, GENESIS);
      await store.appendAudit(rows.slice(0, 4));
      await store.appendAudit(rows.slice(4));
      const last = await store.lastAudit();
      assertFields(last, { id: 'row-9' }, 'lastAudit');
      assert.equal(typeof last?.seq, 'number', 'lastAudit().seq is a number');
      const all = await store.queryAudit({ afterSeq: 0, limit: 100 });
      assertEqual(ids(all), ids(rows), 'rows come back in append order');
      const { seq: _seq, ...first } = all[0] as (typeof all)[number];
      assertEqual(first, rows[0], 'a row reads back exactly as written');
      assertEqual(all[3]?.chain, ['list_items']);
      assertEqual(ids(await store.queryAudit({ limit: 3 })), ['row-9', 'row-8', 'row-7'], 'newest first without afterSeq');
      assert.ok(
        (await store.queryAudit({ user: 'bob' })).every((r) => r.user === 'bob'),
        'filter by user',
      );
      assertEqual(ids(await store.queryAudit({ tool: 'list_items' })), ['row-9', 'row-6', 'row-3', 'row-0'], 'filter by tool');
      assertEqual(ids(await store.queryAudit({ since: rows[8]?.at as Date })), ['row-9', 'row-8'], 'filter by since');
      assert.equal((await store.queryAudit({ provider: 'other' })).length, 0, 'filter by provider');
      const page = await store.queryAudit({ afterSeq: (all[4] as (typeof all)[number]).seq, limit: 2 });
      assertEqual(ids(page), ['row-5', 'row-6'], 'a page after a seq');
    }),

    check('refuses an audit batch whose prevHash is not the current tail (AuditChainConflictError), writing nothing', async (store) => {
      await store.appendAudit(chain(0, 2, GENESIS));
      await assert.rejects(store.appendAudit(chain(2, 3, GENESIS)), AuditChainConflictError);
      assert.equal((await store.queryAudit({ afterSeq: 0 })).length, 2, 'nothing of the refused batch was written');
    }),

    check('stores null status and error codes', async (store) => {
      await store.appendAudit([
        auditRow(0, GENESIS, { status: null, errorCode: 'ALTER_HOST_NOT_ALLOWED', reason: 'why', callId: 'c1', parentTool: 'p' }),
      ]);
      assertFields(
        await store.lastAudit(),
        { status: null, errorCode: 'ALTER_HOST_NOT_ALLOWED', reason: 'why', callId: 'c1', parentTool: 'p' },
        'lastAudit',
      );
    }),

    check('kv: put/get/list/delete, expiry reads as absent', async (store) => {
      await store.kvPut('ns', 'a', 'one');
      await store.kvPut('ns', 'a', 'two');
      assertEqual(await store.kvGet('ns', 'a'), { value: 'two', version: 2, expiresAt: null });
      await store.kvPut('ns', 'b:1', 'x', new Date(Date.now() + 60_000));
      await store.kvPut('ns', 'b:2', 'y', new Date(Date.now() - 1000));
      await store.kvPut('other', 'b:3', 'z');
      assert.equal(await store.kvGet('ns', 'b:2'), undefined, 'an expired entry reads as absent');
      assertEqual(
        (await store.kvList('ns')).map((e) => e.key),
        ['a', 'b:1'],
        'kvList skips expired entries and other namespaces',
      );
      assertEqual(
        (await store.kvList('ns', { prefix: 'b:' })).map((e) => e.key),
        ['b:1'],
        'kvList by prefix',
      );
      assert.equal((await store.kvList('ns', { limit: 1 })).length, 1, 'kvList limit');
      assert.equal(await store.kvDelete('ns', 'a'), true);
      assert.equal(await store.kvDelete('ns', 'a'), false);
      assert.equal(await store.kvGet('ns', 'a'), undefined);
    }),

    check('kv: compare-and-set is exact, and only one of concurrent creators wins', async (store) => {
      assert.equal(await store.kvCompareAndSet('ns', 'k', 0, 'first'), true);
      assert.equal(await store.kvCompareAndSet('ns', 'k', 0, 'again'), false);
      assert.equal(await store.kvCompareAndSet('ns', 'k', 5, 'wrong'), false);
      assert.equal(await store.kvCompareAndSet('ns', 'k', 1, 'second'), true);
      assertFields(await store.kvGet('ns', 'k'), { value: 'second', version: 2 }, 'kvGet');
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.kvCompareAndSet('ns', 'race', 0, `v${i}`)));
      assert.equal(results.filter(Boolean).length, 1, 'exactly one of 8 racing creators wins');
      // An expired entry counts as absent for expectedVersion 0.
      await store.kvPut('ns', 'old', 'x', new Date(Date.now() - 1000));
      assert.equal(await store.kvCompareAndSet('ns', 'old', 0, 'fresh'), true, 'an expired entry counts as absent');
      assert.equal((await store.kvGet('ns', 'old'))?.value, 'fresh');
    }),

    check('kv: take is single-use under concurrency', async (store) => {
      await store.kvPut('codes', 'c', 'payload');
      const taken = await Promise.all(Array.from({ length: 6 }, () => store.kvTake('codes', 'c')));
      assert.equal(taken.filter((t) => t !== undefined).length, 1, 'exactly one of 6 racing takes gets the value');
      assert.equal(await store.kvTake('codes', 'c'), undefined);
      await store.kvPut('codes', 'expired', 'p', new Date(Date.now() - 1000));
      assert.equal(await store.kvTake('codes', 'expired'), undefined, 'an expired entry cannot be taken');
    }),

    check('kvSweep deletes only expired entries, at most `limit` per call, each exactly once across concurrent sweeps', async (store) => {
      const past = new Date(Date.now() - 60_000);
      for (let i = 0; i < 7; i++) await store.kvPut('connect', `gone-${i}`, 'x', past);
      await store.kvPut('connect', 'live', 'l', new Date(Date.now() + 3_600_000));
      await store.kvPut('auth:clients', 'forever', 'f');
      assertEqual(
        [await store.kvSweep(3), await store.kvSweep(3), await store.kvSweep(3), await store.kvSweep(3)],
        [3, 3, 1, 0],
        'kvSweep(3) counts',
      );
      assertFields(await store.kvGet('connect', 'live'), { value: 'l' }, 'a live entry survives');
      assertFields(await store.kvGet('auth:clients', 'forever'), { value: 'f', expiresAt: null }, 'an entry without expiry survives');
      // The swept key is really gone: written again, it starts over at version 1.
      assert.equal(await store.kvCompareAndSet('connect', 'gone-0', 0, 'new'), true);
      assertFields(await store.kvGet('connect', 'gone-0'), { value: 'new', version: 1 }, 'a swept key starts over');

      for (let i = 0; i < 40; i++) await store.kvPut('auth:codes', `c-${i}`, 'x', past);
      const counts = await Promise.all(Array.from({ length: 4 }, () => store.kvSweep(50)));
      const more = await store.kvSweep(50);
      assert.equal(counts.reduce((a, b) => a + b, 0) + more, 40, 'concurrent sweeps delete each expired entry exactly once');
      await assertRejectsWith(store.kvSweep(0), { code: 'ALTER_INVALID_ARGUMENT' }, 'kvSweep(0)');
      await assertRejectsWith(store.kvSweep(1.5), { code: 'ALTER_INVALID_ARGUMENT' }, 'kvSweep(1.5)');
    }),

    check('meta: get/set', async (store) => {
      assert.equal(await store.getMeta('x'), undefined);
      await store.setMeta('x', '1');
      await store.setMeta('x', '2');
      assert.equal(await store.getMeta('x'), '2');
    }),

    check('resealAll rewrites every grant token and sealed kv value, leaving other values alone', async (store) => {
      await store.putGrant(input());
      await store.putGrant(input({ user: 'bob', refreshToken: null }));
      await store.kvPut('ns', 'sealed', 'v1.k.kv-secret');
      await store.kvPut('ns', 'plain', '{"json":true}');
      assert.equal(await store.resealAll((s) => `${s}.re`), 4, 'resealAll counts what it rewrote');
      const grants = await store.listGrants();
      assertEqual(
        grants.map((g) => g.accessToken),
        ['v1.k.sealed-access.re', 'v1.k.sealed-access.re'],
      );
      assertEqual(grants.map((g) => g.refreshToken).sort(), [null, 'v1.k.sealed-refresh.re']);
      assert.equal((await store.kvGet('ns', 'sealed'))?.value, 'v1.k.kv-secret.re');
      assert.equal((await store.kvGet('ns', 'plain'))?.value, '{"json":true}', 'a value that is not sealed stays');
    }),

    check('resealAll tells the callback which grant row and field each token is stored in (kv values: none)', async (store) => {
      const alice = await store.putGrant(input({ account: 'work' }));
      const bob = await store.putGrant(input({ user: 'bob', refreshToken: null }));
      await store.kvPut('ns', 'sealed', 'v1.k.kv-secret');
      const seen: Array<[string, unknown]> = [];
      await store.resealAll((s, row) => {
        seen.push([s, row]);
        return s;
      });
      const key = ([s, row]: [string, unknown]) => JSON.stringify([s, row ?? null]);
      assertEqual(
        seen.map(key).sort(),
        (
          [
            ['v1.k.sealed-access', { grantId: alice.id, user: 'alice', provider: 'acme', account: 'work', field: 'access' }],
            ['v1.k.sealed-refresh', { grantId: alice.id, user: 'alice', provider: 'acme', account: 'work', field: 'refresh' }],
            ['v1.k.sealed-access', { grantId: bob.id, user: 'bob', provider: 'acme', account: '', field: 'access' }],
            ['v1.k.kv-secret', undefined],
          ] as Array<[string, unknown]>
        )
          .map(key)
          .sort(),
      );
    }),

    check('resealAll is all-or-nothing when reseal throws', async (store) => {
      await store.putGrant(input());
      await store.putGrant(input({ user: 'bob' }));
      let n = 0;
      await assert.rejects(
        store.resealAll((s) => {
          n += 1;
          if (n === 3) throw new Error('bad key');
          return `${s}.re`;
        }),
        /bad key/,
      );
      assert.ok(
        (await store.listGrants()).every((g) => !g.accessToken.endsWith('.re')),
        'no grant was rewritten',
      );
    }),

    check('reports operations on a closed store as StoreError', async () => {
      const s = await makeStore();
      await s.open();
      await s.close();
      await assertRejectsWith(s.listGrants(), { code: 'ALTER_STORE' }, 'listGrants on a closed store');
    }),
  ]);
}
