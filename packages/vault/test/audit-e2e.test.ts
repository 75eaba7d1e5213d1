/**
 * Audit trail end to end on a real store: 10,000 requests through vault.request(), then close():
 * every row is there, the hash chain verifies, and editing or deleting a row directly in the
 * database is detected. Runs on a SQLite file and on PostgreSQL (own schema).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLeakCheck } from '@alter/testing';
import { AlterVault, type GrantStore, PostgresGrantStore, SqliteGrantStore } from '@alter/vault';
import Database from 'better-sqlite3';
import pg from 'pg';
import { loopbackProvider, newKey, newToken, tempDir } from './support/fixtures.js';
import { describeWithPostgres } from './support/pg.js';
import { type RecordingServer, startRecordingServer } from './support/recording-server.js';

const N = 10_000;

interface Backend {
  makeStore(): GrantStore;
  /** Runs raw SQL against the audit table's database (table name given as `audit`). */
  sql(statement: (auditTable: string) => string): Promise<unknown[]>;
}

let server: RecordingServer;
beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(async () => {
  await server.close();
});

function auditSuite(backend: () => Backend): void {
  const key = newKey();
  const token = newToken('audit-at');
  const leak = createLeakCheck();
  leak.secret(token, 'access token');
  leak.secret(key, 'encryption key');

  const open = () =>
    new AlterVault({
      caller: 'audit-e2e',
      providers: [loopbackProvider('acme')],
      store: backend().makeStore(),
      encryptionKey: key,
      logger: leak.logger,
      audit: { maxBatchRows: 500, maxDelayMs: 50 },
    });

  // The log every test reads: N requests from 32 concurrent workers, close(), a restart and one
  // more request. Written once per store before the tests, so each test also passes alone (-t).
  const written = { countAfterClose: 0, verifyAfterClose: {} as unknown, verifyAfterRestart: {} as unknown };
  beforeAll(async () => {
    const vault = open();
    await vault.grants.put({ user: 'alice', provider: 'acme', accessToken: token, scopes: [] });
    const url = `${server.origin}/items/{id}`;
    let next = 0;
    const worker = async () => {
      while (next < N) {
        const i = next++;
        const res = await vault.withAuditContext({ tool: i % 2 ? 'odd_tool' : 'even_tool' }, () =>
          vault.request('acme', 'GET', url, { user: 'alice', pathParams: { id: String(i) }, queryParams: { token: 'query-secret-value' } }),
        );
        if (res.status !== 200) throw new Error(`status ${res.status}`);
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    await vault.close();
    const [count] = (await backend().sql((t) => `SELECT count(*) AS n FROM ${t}`)) as Array<{ n: number | string }>;
    written.countAfterClose = Number(count!.n);
    const again = open();
    written.verifyAfterClose = await again.audit.verify();
    // The chain continues after a restart.
    await again.request('acme', 'GET', `${server.origin}/after-restart`, { user: 'alice' });
    written.verifyAfterRestart = await again.audit.verify();
    await again.close();
  }, 300_000);

  /**
   * Runs `fn`, a test that edits, deletes or replaces rows of the log written in beforeAll, and puts
   * that log back afterwards (pass or fail): the tests that read it then pass in any order (a
   * `jest --randomize` run once ran the edit/delete test first, and the progress counts missed a row).
   */
  const withLogRestored = async (fn: () => Promise<void>): Promise<void> => {
    await backend().sql((t) => `CREATE TABLE ${t}_aside AS SELECT * FROM ${t}`);
    try {
      await fn();
    } finally {
      await backend().sql((t) => `DELETE FROM ${t}`);
      await backend().sql((t) => `INSERT INTO ${t} SELECT * FROM ${t}_aside`);
      await backend().sql((t) => `DROP TABLE ${t}_aside`);
    }
  };

  it(`keeps all ${N} rows across close(), and the chain verifies`, async () => {
    expect(written.countAfterClose).toBe(N);
    expect(written.verifyAfterClose).toMatchObject({ ok: true, checked: N });
    expect(written.verifyAfterRestart).toMatchObject({ ok: true, checked: N + 1 });
    const vault = open();
    const sample = await vault.audit.query({ tool: 'odd_tool', limit: 5 });
    expect(sample).toHaveLength(5);
    expect(sample[0]).toMatchObject({
      caller: 'audit-e2e',
      user: 'alice',
      provider: 'acme',
      method: 'GET',
      status: 200,
      tool: 'odd_tool',
      errorCode: null,
    });
    expect(sample[0]!.url).toMatch(/\/items\/\d+\?token=%5BREDACTED%5D$/);
    leak.inspect(await vault.audit.query({ limit: N + 1 }), 'all audit rows');
    await vault.close();
  }, 120_000);

  it('verify({ onProgress }) reports increasing counts ending at the row total', async () => {
    const [count] = (await backend().sql((t) => `SELECT count(*) AS n FROM ${t}`)) as Array<{ n: number | string }>;
    const total = Number(count!.n); // N + 1 with the restart row: not a multiple of the step
    expect(total).toBe(N + 1);
    const vault = open();
    const byDefault: number[] = [];
    expect(await vault.audit.verify({ onProgress: (n) => byDefault.push(n) })).toMatchObject({ ok: true, checked: total });
    // Every 1,000 rows by default, then once more with the total.
    expect(byDefault).toEqual([...Array.from({ length: 10 }, (_, i) => (i + 1) * 1_000), total]);
    const every3000: number[] = [];
    const result = await vault.audit.verify({ onProgress: (n) => every3000.push(n), progressEvery: 3_000 });
    expect(result).toMatchObject({ ok: true, checked: total });
    expect(every3000).toEqual([3_000, 6_000, 9_000, total]);
    // The no-argument call keeps its result shape.
    expect(Object.keys(await vault.audit.verify()).sort()).toEqual(Object.keys(result).sort());
    await vault.close();
  }, 60_000);

  it('verify() names a bad progress option; a throwing onProgress rejects', async () => {
    const vault = open();
    const bad: Array<[unknown, string]> = [
      [null, 'options'],
      ['every', 'options'],
      [{ onProgress: 'log' }, 'options.onProgress'],
      [{ progressEvery: 0 }, 'options.progressEvery'],
      [{ progressEvery: 2.5 }, 'options.progressEvery'],
      [{ progressEvery: '100' }, 'options.progressEvery'],
    ];
    for (const [options, argument] of bad) {
      await expect(vault.audit.verify(options as never)).rejects.toMatchObject({
        name: 'InvalidArgumentError',
        code: 'ALTER_INVALID_ARGUMENT',
        argument,
      });
    }
    // A throwing callback stops the walk and surfaces as the rejection.
    const stop = new Error('stop here');
    await expect(
      vault.audit.verify({
        onProgress: () => {
          throw stop;
        },
      }),
    ).rejects.toBe(stop);
    await vault.close();
  });

  it(
    'verify() reports an edited row, then a deleted row',
    () =>
      withLogRestored(async () => {
        const vault = open();
        const before = await vault.audit.verify();
        expect(before.ok).toBe(true);
        const [victim] = (await backend().sql((t) => `SELECT seq, status FROM ${t} WHERE seq = 5000`)) as Array<{
          seq: number;
          status: number;
        }>;
        expect(victim).toBeDefined();
        await backend().sql((t) => `UPDATE ${t} SET status = 500 WHERE seq = 5000`);
        const seen: number[] = [];
        const edited = await vault.audit.verify({ onProgress: (n) => seen.push(n) });
        expect(edited).toMatchObject({ ok: false, firstBadSeq: 5000 });
        // A broken chain still ends with one call carrying the rows checked before it.
        expect(seen).toEqual([1_000, 2_000, 3_000, 4_000, edited.checked]);
        expect(edited.checked).toBe(4_999);
        expect(edited.problem).toContain('modified');
        await backend().sql((t) => `UPDATE ${t} SET status = 200 WHERE seq = 5000`);
        expect((await vault.audit.verify()).ok).toBe(true);

        await backend().sql((t) => `DELETE FROM ${t} WHERE seq = 7000`);
        const deleted = await vault.audit.verify();
        expect(deleted).toMatchObject({ ok: false, firstBadSeq: 7001 });
        expect(deleted.problem).toContain('deleted');
        leak.inspect(deleted, 'verify result');
        await vault.close();
        leak.assertClean();
      }),
    60_000,
  );

  it(
    'two vaults appending to one store keep a single valid chain',
    () =>
      withLogRestored(async () => {
        await backend().sql((t) => `DELETE FROM ${t}`);
        const a = open();
        const b = open();
        await Promise.all([a.ready(), b.ready()]);
        const burst = (v: AlterVault, n: number) =>
          Promise.all(Array.from({ length: n }, (_, i) => v.request('acme', 'GET', `${server.origin}/x/${i}`, { user: 'alice' })));
        for (let round = 0; round < 5; round++) {
          await Promise.all([burst(a, 40), burst(b, 40)]);
          await Promise.all([a.audit.flush(), b.audit.flush()]);
        }
        await a.close();
        await b.close();
        const c = open();
        const seen: number[] = [];
        expect(await c.audit.verify({ onProgress: (n) => seen.push(n), progressEvery: 100 })).toMatchObject({ ok: true, checked: 400 });
        // The total is a multiple of the step: it is reported once, not twice.
        expect(seen).toEqual([100, 200, 300, 400]);
        await c.close();
      }),
    60_000,
  );
}

describe('audit on SQLite', () => {
  const tmp = tempDir('alter-audit');
  const file = tmp.file('audit.db');
  afterAll(() => tmp.remove());
  auditSuite(() => ({
    makeStore: () => new SqliteGrantStore({ filename: file }),
    sql: async (statement) => {
      const db = new Database(file);
      try {
        const text = statement('alter_audit');
        if (/^\s*select/i.test(text)) return db.prepare(text).all();
        db.prepare(text).run();
        return [];
      } finally {
        db.close();
      }
    },
  }));
});

describeWithPostgres('audit on PostgreSQL', (db) => {
  auditSuite(() => ({
    makeStore: () => new PostgresGrantStore({ connectionString: db.url, schema: db.schema }),
    sql: async (statement) => {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        return (await client.query(statement(`"${db.schema}".alter_audit`))).rows;
      } finally {
        await client.end();
      }
    },
  }));
});
