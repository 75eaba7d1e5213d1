/**
 * Audit throughput across processes (issue #15): every writer of one PostgreSQL chain serializes
 * on the append lock, so the round trips of an append bound the aggregate rows/s. An append used
 * to be five (BEGIN, lock, read tail, INSERT, COMMIT, four of them while the others wait); BEGIN,
 * the lock and the tail read now go as one query: three round trips per append. Counted at the
 * driver (the `pg` client's query calls), nothing timed. Real parts: PostgreSQL
 * (ALTER_TEST_PG_URL; skipped with the reason when unset), two stores with their own pools.
 */
import { createHash } from 'node:crypto';
import { afterEach, expect, it } from '@jest/globals';
import pg from 'pg';
import { type AuditInput, PostgresGrantStore } from '@alter/vault';
import { describeWithPostgres } from './support/pg.js';

/** Counts the statements every pg client sends (observes the driver; sends them as usual). */
const originalQuery = pg.Client.prototype.query;
let sent = 0;
function countQueries(): void {
  sent = 0;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    sent += 1;
    return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof originalQuery;
}
afterEach(() => {
  pg.Client.prototype.query = originalQuery;
});

function rows(tail: string, count: number, tag: string): AuditInput[] {
  const out: AuditInput[] = [];
  let prev = tail;
  for (let i = 0; i < count; i++) {
    const row = {
      id: `${tag}-${i}`,
      at: new Date(),
      caller: tag,
      user: 'alice',
      provider: 'acme',
      account: 'default',
      method: 'GET',
      url: `https://api.example.com/items/${i}`,
      status: 200,
      durationMs: 1,
      tool: null,
      parentTool: null,
      chain: [],
      callId: null,
      reason: null,
      errorCode: null,
      prevHash: prev,
    };
    // Any value chained on prev: this checks which tail the store hands out, not row hashing.
    const hash = createHash('sha256').update(`${prev}:${row.id}`).digest('hex');
    out.push({ ...row, hash });
    prev = hash;
  }
  return out;
}

describeWithPostgres('PostgreSQL audit append', (db) => {
  it('takes three round trips per append (BEGIN + lock + tail, INSERT, COMMIT) and keeps the chain', async () => {
    const stores = [0, 1].map(() => new PostgresGrantStore({ connectionString: db.urlWithSchema }));
    try {
      for (const s of stores) await s.open();
      // Warm the pools: connecting sends statements of its own, which are not an append's.
      await Promise.all(stores.map((s) => s.lastAudit()));
      countQueries();
      const APPENDS = 10;
      for (let i = 0; i < APPENDS; i++) {
        // Alternate writers, as processes interleave on one chain: each hashes onto the tail it
        // reads under the lock.
        await stores[i % 2]!.appendAuditLinked!((tail) => rows(tail, 5, `w${i % 2}-${i}`));
      }
      const perAppend = sent / APPENDS;
      pg.Client.prototype.query = originalQuery;
      expect(perAppend).toBe(3);
      const all = await stores[0]!.queryAudit({ afterSeq: 0, limit: 1_000 });
      expect(all).toHaveLength(APPENDS * 5);
      let prev = '0'.repeat(64); // the genesis prevHash
      for (const r of all) {
        expect(r.prevHash).toBe(prev);
        prev = r.hash;
      }
    } finally {
      for (const s of stores) await s.close();
    }
  });

  it('stores every field exactly as given (the batch travels as one JSON parameter)', async () => {
    const store = new PostgresGrantStore({ connectionString: db.urlWithSchema });
    try {
      await store.open();
      const tail = (await store.lastAudit())?.hash ?? '0'.repeat(64);
      const odd = {
        id: 'odd-1',
        at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)),
        caller: 'q"uote\\back\nline',
        user: 'ünïcödé 🙂 \u2028',
        provider: 'acme',
        account: "it's",
        method: 'POST',
        url: 'https://api.example.com/a?b=%22c%22&d=[e]',
        status: null,
        durationMs: 0.1 + 0.2,
        tool: null,
        parentTool: 'parent',
        chain: ['a', 'b"c'],
        callId: null,
        reason: '{"json":"in text"}',
        errorCode: 'E_X',
        prevHash: tail,
      };
      const row = { ...odd, hash: createHash('sha256').update(`${tail}:odd`).digest('hex') };
      await store.appendAuditLinked!(() => [row]);
      const [stored] = await store.queryAudit({ limit: 1 });
      const { seq: _seq, ...back } = stored!;
      expect(back).toEqual(row);
      expect(back.at.getTime()).toBe(row.at.getTime());
      expect(back.durationMs).toBe(0.1 + 0.2);
    } finally {
      await store.close();
    }
  });
});
