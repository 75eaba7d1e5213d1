/**
 * Stores stay bounded: 100k expired Connect sessions and auth-server kv rows, written over time,
 * are removed by the background sweeper (rounds of 10k, the row count returns to the live count
 * after each), and a 100k backlog is removed on demand by `vault.pruneExpired()` in batches.
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

function growthSuite(label: string, makeStore: (name: string) => string, countRows: (name: string) => Promise<number>): void {
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
      await writeExpired(vault.store, 0, TOTAL);
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
  growthSuite('SQLite', file, async (name) => {
    const db = new Database(file(name), { readonly: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM alter_kv').get() as { n: number }).n;
    } finally {
      db.close();
    }
  });
});

describeWithPostgres('store growth (PostgreSQL)', (pgs) => {
  let client: pg.Client | undefined;
  afterAll(async () => {
    await client?.end();
  });
  const schema = (name: string) => `${pgs.schema}_${name}`;
  growthSuite(
    'PostgreSQL',
    (name) => `${pgs.url}${pgs.url.includes('?') ? '&' : '?'}schema=${schema(name)}`,
    async (name) => {
      if (!client) {
        client = new pg.Client({ connectionString: pgs.url, application_name: 'alter-growth-test' });
        await client.connect();
      }
      return Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema(name)}".alter_kv`)).rows[0]!.n);
    },
  );
});
