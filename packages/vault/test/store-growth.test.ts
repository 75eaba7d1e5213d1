/**
 * Stores stay bounded: 100k expired Connect sessions and auth-server kv rows, written over time,
 * are removed by the background sweeper (rounds of 10k, the row count returns to the live count
 * after each), and a 100k backlog (2k written through the store API, the rest in one bulk insert)
 * is removed on demand by `vault.pruneExpired()` in batches.
 * On a SQLite file and on a PostgreSQL schema (skipped with the reason when ALTER_TEST_PG_URL is
 * unset). Prints the time the 100k sweep took (no assertion on time: the machine is shared).
 */
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from '@jest/globals';
import { AlterVault, type GrantStore, silentLogger } from '@alter/vault';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describeWithPostgres } from './support/pg.js';
import { loopbackProvider, newKey, tempDir } from './support/fixtures.js';

const TOTAL = 100_000;
const ROUNDS = 10;
const LIVE_PER_ROUND = 2;
/** Rows of the pruneExpired backlog written through `kvPut`; the rest are inserted in bulk. */
const THROUGH_API = 2_000;
/** Namespaces the vault and the auth server write with an expiry (see auth-records.ts). */
const NAMESPACES = [
  'connect',
  'auth:codes',
  'auth:requests',
  'auth:spent-codes',
  'auth:refresh-tokens',
  'auth:families',
  'auth:client-documents',
];
/** Roughly the size of a real Connect session record. */
const VALUE = JSON.stringify({ v: 1, status: 'complete', providers: [{ id: 'acme', scopes: ['read'] }], grants: [], pad: 'x'.repeat(300) });

/**
 * Writes `count` already-expired rows through the store API, `batch` at a time. The batch stays a
 * small multiple of a PostgreSQL pool's size: hundreds of writes queued on ten connections waited
 * past the pool's connect timeout on a loaded machine (StoreUnavailableError in CI), and a larger
 * batch writes no faster.
 */
async function writeExpired(store: GrantStore, round: number, count: number): Promise<void> {
  const past = new Date(Date.now() - 60_000);
  const batch = 40;
  for (let i = 0; i < count; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, count - i) }, (_, j) => {
        const n = i + j;
        return store.kvPut(NAMESPACES[n % NAMESPACES.length]!, `r${round}-${n}`, VALUE, past);
      }),
    );
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * What a suite needs of its database besides the vault: the kv row count, and `seedExpired`, which
 * inserts `count` expired rows (keys `seed-0`…) in one statement — the backlog's bulk: 100k single
 * `kvPut` commits took over two minutes on PostgreSQL (a WAL flush each), and what is tested there
 * is the prune, not the writes (the sweep test writes its 100k rows through the store API).
 */
interface GrowthDb {
  countRows(name: string): Promise<number>;
  seedExpired(name: string, count: number): Promise<void>;
}

function growthSuite(label: string, makeStore: (name: string) => string, db: GrowthDb): void {
  const { countRows } = db;
  const open = (name: string, sweep: { intervalMs: number; batchSize: number }) =>
    new AlterVault({
      caller: 'growth-test',
      store: makeStore(name),
      encryptionKey: newKey(),
      providers: [loopbackProvider()],
      connect: { baseUrl: 'http://127.0.0.1:9' },
      logger: silentLogger,
      sweep,
    });

  it(`${label}: the background sweep keeps the kv table at its live size across ${TOTAL.toLocaleString('en')} expired sessions and auth rows`, async () => {
    const vault = open('rounds', { intervalMs: 100, batchSize: 1000 });
    await vault.ready();
    try {
      let live = await countRows('rounds'); // the key-check canary
      let peak = live;
      for (let round = 0; round < ROUNDS; round++) {
        // Real, live Connect sessions (expire in 10 minutes) beside the expired backlog.
        for (let s = 0; s < LIVE_PER_ROUND; s++) await vault.connect.createSession({ user: `u${round}-${s}`, providers: { acme: [] } });
        live += LIVE_PER_ROUND;
        await writeExpired(vault.store, round, TOTAL / ROUNDS);
        peak = Math.max(peak, await countRows('rounds'));
        await until(`round ${round} to be swept`, async () => (await countRows('rounds')) === live);
      }
      const rows = await countRows('rounds');
      console.log(
        `[store-growth] ${label}: ${TOTAL} expired rows written in ${ROUNDS} rounds; peak ${peak} rows, now ${rows} (live ${live})`,
      );
      expect(rows).toBe(live);
      // Bounded: never more than one round of garbage on top of the live rows.
      expect(peak).toBeLessThanOrEqual(live + TOTAL / ROUNDS);
      // Every live Connect session survived every sweep (the other live row is the key-check canary).
      expect(await vault.store.kvList('connect')).toHaveLength(ROUNDS * LIVE_PER_ROUND);
    } finally {
      await vault.close();
    }
  }, 600_000);

  it(`${label}: pruneExpired removes a ${TOTAL.toLocaleString('en')}-row backlog in batches and leaves live rows`, async () => {
    const vault = open('backlog', { intervalMs: 0, batchSize: 1000 });
    await vault.ready();
    try {
      await vault.connect.createSession({ user: 'alice', providers: { acme: [] } });
      await vault.store.kvPut('auth:clients', 'client-1', '{}');
      const live = await countRows('backlog');
      // Some of the backlog through the store API (what the vault writes is what is pruned), the rest in bulk.
      await writeExpired(vault.store, 0, THROUGH_API);
      await db.seedExpired('backlog', TOTAL - THROUGH_API);
      const before = await countRows('backlog');
      const progress: number[] = [];
      const t0 = performance.now();
      const result = await vault.pruneExpired({ onProgress: (n) => progress.push(n) });
      const ms = performance.now() - t0;
      const after = await countRows('backlog');
      console.log(
        `[store-growth] ${label}: rows before ${before}, after ${after}; swept ${result.removed} in ${result.batches} batches in ${ms.toFixed(0)} ms`,
      );
      expect(before).toBe(live + TOTAL);
      expect(result.removed).toBe(TOTAL);
      expect(result.batches).toBe(TOTAL / 1000 + 1);
      expect(progress).toHaveLength(result.batches);
      expect(after).toBe(live);
      expect(await vault.pruneExpired()).toEqual({ removed: 0, batches: 1 });
    } finally {
      await vault.close();
    }
  }, 600_000);
}

describe('store growth (SQLite)', () => {
  const tmp = tempDir('alter-growth');
  afterAll(() => tmp.remove());
  const file = (name: string) => tmp.file(`${name}.db`);
  growthSuite('SQLite', file, {
    async countRows(name) {
      const db = new Database(file(name), { readonly: true });
      try {
        return (db.prepare('SELECT count(*) AS n FROM alter_kv').get() as { n: number }).n;
      } finally {
        db.close();
      }
    },
    async seedExpired(name, count) {
      const db = new Database(file(name));
      try {
        db.pragma('busy_timeout = 10000');
        // The store keeps expires_at as epoch milliseconds.
        db.prepare(
          `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
           INSERT INTO alter_kv (namespace, key, value, version, expires_at) SELECT ?, 'seed-' || i, ?, 1, ? FROM n`,
        ).run(count, NAMESPACES[0], VALUE, Date.now() - 60_000);
      } finally {
        db.close();
      }
    },
  });
});

describeWithPostgres('store growth (PostgreSQL)', (pgs) => {
  let client: pg.Client | undefined;
  afterAll(async () => {
    await client?.end();
  });
  const schema = (name: string) => `${pgs.schema}_${name}`;
  const connected = async (): Promise<pg.Client> => {
    if (!client) {
      client = new pg.Client({ connectionString: pgs.url, application_name: 'alter-growth-test' });
      await client.connect();
    }
    return client;
  };
  growthSuite('PostgreSQL', (name) => `${pgs.url}${pgs.url.includes('?') ? '&' : '?'}schema=${schema(name)}`, {
    async countRows(name) {
      return Number((await (await connected()).query<{ n: string }>(`SELECT count(*) AS n FROM "${schema(name)}".alter_kv`)).rows[0]!.n);
    },
    async seedExpired(name, count) {
      await (await connected()).query(
        `INSERT INTO "${schema(name)}".alter_kv (namespace, key, value, version, expires_at)
           SELECT $1, 'seed-' || i, $2, 1, now() - interval '1 minute' FROM generate_series(0, $3::integer - 1) AS i`,
        [NAMESPACES[0], VALUE, count],
      );
    },
  });
});
