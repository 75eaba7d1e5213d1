/**
 * PostgreSQL links audit rows into the chain itself (issue #15): one statement per append
 * (`alter_audit_link` + INSERT) instead of BEGIN, lock, read the tail, INSERT, COMMIT, so the
 * append lock is held for one statement. What must hold, against a real server (ALTER_TEST_PG_URL;
 * skipped with the reason when unset):
 *
 * - the server hashes exactly like the client: the golden vectors of audit-hash-golden.test.ts,
 *   and rows with every kind of awkward text, verify;
 * - a retried batch whose first attempt committed is not written twice — also end to end: the
 *   append's answer is lost on the wire (a TCP proxy) after the server committed, and an append the
 *   client timed out commits later on the server (a backend waiting for a lock does not notice
 *   that its client left);
 * - a backend terminated while the append waits for the lock fails that append with
 *   StoreUnavailableError (no crash: no unlistened 'error' on a pg Client), the rows stay queued,
 *   and the retry writes each of them exactly once.
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from '@jest/globals';
import { createLeakCheck } from '@alter/testing';
import { AlterVault, type AuditInput, PostgresGrantStore, StoreError, StoreUnavailableError, silentLogger } from '@alter/vault';
import pg from 'pg';
import { startPgFaultProxy } from '../../../test-support/pg-fault-proxy.js';
import { auditHashOfPrefix, canonicalAuditPrefix, GENESIS_HASH } from '../src/audit-hash.js';
import { AuditLog } from '../src/audit-log.js';
import { auditChainInStoreOf, type UnlinkedAuditRow } from '../src/internal/audit-chain-in-store.js';
import { loopbackProvider, newKey, newToken } from './support/fixtures.js';
import { describeWithPostgres } from './support/pg.js';
import { startRecordingServer } from './support/recording-server.js';

type Row = UnlinkedAuditRow;

function row(n: number, extra: Partial<Row> = {}): Row {
  return {
    id: `row-${n}-${randomUUID()}`,
    at: new Date(Date.UTC(2026, 10, 30, 5, 0, 0, n % 1000)),
    caller: 'chain-in-server',
    user: 'alice',
    provider: 'acme',
    account: 'default',
    method: 'GET',
    url: `https://api.example.com/items/${n}`,
    status: 200,
    durationMs: 1.5,
    tool: 'get_item',
    parentTool: null,
    chain: ['get_item'],
    callId: `call-${n}`,
    reason: null,
    errorCode: null,
    ...extra,
  };
}

/** The arguments of the in-store append for `rows`: the rows and their canonical prefixes. */
const prefixed = (rows: readonly Row[]): [readonly Row[], string[]] => [rows, rows.map((r) => canonicalAuditPrefix(r))];

/** The rows of the golden vectors in audit-hash-golden.test.ts (hashes computed by main f11d790). */
const GOLDEN_FIRST: Row = {
  id: 'row-1',
  at: new Date(Date.UTC(2026, 10, 30, 3, 4, 5, 678)),
  caller: 'caller "q"',
  user: 'ünï 🙂',
  provider: 'acme',
  account: 'default',
  method: 'GET',
  url: 'https://api.example.com/items/1?q=%22x%22',
  status: 200,
  durationMs: 12.5,
  tool: 'get_item',
  parentTool: null,
  chain: ['outer', 'get_item'],
  callId: 'call-1',
  reason: null,
  errorCode: null,
};
const GOLDEN_SECOND: Row = {
  ...GOLDEN_FIRST,
  status: null,
  durationMs: 0.1 + 0.2,
  tool: null,
  chain: [],
  reason: 'because\nnewline',
  errorCode: 'ALTER_X',
};

describeWithPostgres('audit rows chained by the PostgreSQL server', (db) => {
  async function openStore(suffix: string, options: { applicationName?: string } = {}): Promise<PostgresGrantStore> {
    const store = new PostgresGrantStore({ connectionString: db.url, schema: `${db.schema}_${suffix}`, ...options });
    await store.open();
    return store;
  }

  async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  }

  /** Polls (bounded) until `sql` (with `params`) returns n > 0; the count it returned. */
  async function waitUntil(c: pg.Client, what: string, sql: string, params: unknown[]): Promise<number> {
    for (let i = 0; i < 600; i++) {
      const n = (await c.query<{ n: number }>(sql, params)).rows[0]!.n;
      if (n > 0) return n;
      await new Promise((res) => setTimeout(res, 25));
    }
    throw new Error(`timed out after 15 s waiting for ${what}`);
  }

  it('hashes like the client: the golden vectors, and awkward text verifies', async () => {
    // Vector 2 chains to the genesis hash: the first row of an empty chain.
    const genesis = await openStore('golden2');
    try {
      const append = auditChainInStoreOf(genesis);
      if (append === undefined) throw new Error('the PostgreSQL store offers no server-side chaining (needs PostgreSQL ≥ 11)');
      expect(await append(...prefixed([GOLDEN_SECOND]))).toBe('00ffe2b7976e4c7a5566205a14d88b42129fbf668b20878a5b0069f8da43f768');
    } finally {
      await genesis.close();
    }
    // Vector 1 chains to 'ab' × 32: a tail row with that hash first (the two vectors share id and time,
    // so they cannot be in one chain: a stored (at, id) counts as already written).
    const golden = await openStore('golden1');
    try {
      await auditChainInStoreOf(golden)!(...prefixed([row(0)]));
      await admin((c) => c.query(`UPDATE "${db.schema}_golden1".alter_audit SET hash = $1`, ['ab'.repeat(32)]));
      expect(await auditChainInStoreOf(golden)!(...prefixed([GOLDEN_FIRST]))).toBe(
        '53f1cd9a867fc58e3be8eb47f7da0c72144fe2b9ba8ba3a7ac2dd8ff2e1a1f6e',
      );
    } finally {
      await golden.close();
    }

    const awkward = await openStore('awkward');
    try {
      const append = auditChainInStoreOf(awkward)!;
      const texts = ['"quoted" \\ back\\slash', 'tab\tnew\nline\r\u0001\u001f\u007f', 'ünïcödé ✓ 🙂 𝄞', '{"json":[1,2]}', 'NULL', ''];
      const rows = texts.map((t, i) =>
        row(i, {
          user: t,
          url: `https://api.example.com/${encodeURIComponent(t)}`,
          reason: t,
          chain: [t, 'x'],
          status: i % 2 === 0 ? null : 201,
          durationMs: i === 0 ? 0.1 + 0.2 : 1e-7 * (i + 1),
          ...(i === 2 ? { decision: 'deny' as const, policyRule: t } : {}),
          ...(i === 3
            ? {
                decision: 'allow' as const,
                policyRule: null,
                approval: 'approved' as const,
                approvalBy: t,
                approvalVia: 'url',
                approvalAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)),
              }
            : {}),
        }),
      );
      // Expected hashes, computed the client's way onto the genesis tail.
      let prev = GENESIS_HASH;
      const expected = rows.map((r) => (prev = auditHashOfPrefix(canonicalAuditPrefix(r), prev)));
      expect(await append(...prefixed(rows))).toBe(expected[expected.length - 1]);
      const stored = await admin(
        async (c) => (await c.query<{ hash: string }>(`SELECT hash FROM "${db.schema}_awkward".alter_audit ORDER BY seq`)).rows,
      );
      expect(stored.map((r) => r.hash)).toEqual(expected);
      const vault = new AlterVault({ caller: 'verify', providers: [], store: awkward, encryptionKey: newKey() });
      expect(await vault.audit.verify()).toMatchObject({ ok: true, checked: rows.length });
      await vault.close();
    } finally {
      await awkward.close();
    }
  }, 60_000);

  it('a subclass that overrides the append keeps its override (the writer then links in the client)', async () => {
    class SpyStore extends PostgresGrantStore {
      linkedCalls = 0;
      override async appendAuditLinked(link: (tailHash: string) => readonly AuditInput[]): Promise<void> {
        this.linkedCalls += 1;
        return super.appendAuditLinked(link);
      }
    }
    const plain = await openStore('spy');
    const spy = new SpyStore({ connectionString: db.url, schema: `${db.schema}_spy` });
    try {
      await spy.open();
      expect(auditChainInStoreOf(plain)).toBeDefined();
      expect(auditChainInStoreOf(spy)).toBeUndefined();
      // One chain, written by the server's linking and then through the override.
      await auditChainInStoreOf(plain)!(...prefixed([row(1)]));
      const log = new AuditLog(spy, silentLogger, { durability: 'sync' });
      await log.record(row(2));
      expect(spy.linkedCalls).toBe(1);
      expect(await log.verify()).toMatchObject({ ok: true, checked: 2 });
    } finally {
      await plain.close();
      await spy.close();
    }
  }, 60_000);

  it('a retried batch whose first attempt committed is not written twice (its stored rows are skipped)', async () => {
    const store = await openStore('retry');
    try {
      const append = auditChainInStoreOf(store)!;
      const first = [row(1), row(2), row(3)];
      const lastOfFirst = await append(...prefixed(first));
      // The writer's retry after a lost answer: the same rows at the front, maybe more behind them.
      const retried = [...first, row(4), row(5)];
      const lastOfRetry = await append(...prefixed(retried));
      expect(lastOfRetry).not.toBe(lastOfFirst);
      // Everything already stored: nothing written, nothing to report.
      expect(await append(...prefixed(retried))).toBeUndefined();
      const ids = await admin(async (c) =>
        (await c.query<{ id: string }>(`SELECT id FROM "${db.schema}_retry".alter_audit ORDER BY seq`)).rows.map((r) => r.id),
      );
      expect(ids).toEqual(retried.map((r) => r.id));
      const vault = new AlterVault({ caller: 'verify', providers: [], store, encryptionKey: newKey() });
      expect(await vault.audit.verify()).toMatchObject({ ok: true, checked: 5, lastHash: lastOfRetry });
      await vault.close();
    } finally {
      await store.close();
    }
  }, 60_000);

  it('the answer of a committed append is lost on the wire: the request fails with ALTER_STORE, and the retry does not write the row again', async () => {
    const server = await startRecordingServer();
    const proxy = await startPgFaultProxy({ host: new URL(db.url).hostname, port: Number(new URL(db.url).port || 5432) });
    const leak = createLeakCheck();
    const applicationName = `alter-chain-lost-${randomUUID().slice(0, 8)}`;
    const schema = `${db.schema}_lost`;
    const store = new PostgresGrantStore({ connectionString: proxy.rewrite(db.url), schema, applicationName });
    await store.open();
    const vault = new AlterVault({
      caller: 'lost-answer',
      providers: [loopbackProvider('acme')],
      store,
      encryptionKey: newKey(),
      logger: leak.logger,
      audit: { durability: 'sync' },
    });
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await vault.grants.put({
        user: 'alice',
        provider: 'acme',
        accessToken: leak.secret(newToken('lost-at'), 'access token'),
        scopes: [],
      });
      await vault.request('acme', 'GET', `${server.origin}/items/before`, { user: 'alice' });
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`alter-audit:${schema}`]);
      const blocked = vault.request('acme', 'GET', `${server.origin}/items/blocked`, { user: 'alice' }).then(
        () => undefined,
        (err: unknown) => err,
      );
      // The append is on the server (waiting for the lock); from now on its answer stays in the proxy.
      await waitUntil(
        holder,
        'the append to wait for the lock',
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock' AND wait_event = 'advisory'`,
        [applicationName],
      );
      proxy.blackhole();
      await holder.query('COMMIT');
      // The server commits the row (the statement ends; its session goes idle) …
      await waitUntil(holder, 'the append to commit', `SELECT count(*)::int AS n FROM "${schema}".alter_audit WHERE url = $1`, [
        `${server.origin}/items/blocked`,
      ]);
      // … and the answer never arrives: the connection is reset.
      proxy.drop();
      proxy.resume();
      const err = await blocked;
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).code).toBe('ALTER_STORE');
      expect((err as StoreError & { cause?: unknown }).cause).toBeInstanceOf(StoreUnavailableError);
      // The writer still holds the row and retries it: it must find it stored, not append a copy.
      expect(await vault.audit.verify()).toMatchObject({ ok: true, checked: 2 });
      const urls = await admin(async (c) =>
        (await c.query<{ url: string }>(`SELECT url FROM "${schema}".alter_audit ORDER BY seq`)).rows.map((r) => r.url),
      );
      expect(urls).toEqual([`${server.origin}/items/before`, `${server.origin}/items/blocked`]);
    } finally {
      await holder.end().catch(() => {});
      await vault.close();
      await proxy.close();
      await server.close();
    }
    leak.assertClean();
  }, 120_000);

  it('an append the client timed out still commits when it gets the lock: the retry does not write its row again', async () => {
    const server = await startRecordingServer();
    const leak = createLeakCheck();
    const applicationName = `alter-chain-orphan-${randomUUID().slice(0, 8)}`;
    const schema = `${db.schema}_orphan`;
    // The client gives up after 1.5 s while the server's own statement_timeout is longer (an allowed
    // setting; with the defaults both are equal and this is a narrow race): the abandoned statement
    // keeps waiting for the lock on the server.
    const store = new PostgresGrantStore({
      connectionString: db.url,
      schema,
      applicationName,
      queryTimeoutMs: 1500,
      statementTimeoutMs: 60_000,
    });
    await store.open();
    const vault = new AlterVault({
      caller: 'orphan',
      providers: [loopbackProvider('acme')],
      store,
      encryptionKey: newKey(),
      logger: leak.logger,
      audit: { durability: 'sync' },
    });
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await vault.grants.put({
        user: 'alice',
        provider: 'acme',
        accessToken: leak.secret(newToken('orphan-at'), 'access token'),
        scopes: [],
      });
      await vault.request('acme', 'GET', `${server.origin}/items/before`, { user: 'alice' });
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`alter-audit:${schema}`]);
      const err = await vault.request('acme', 'GET', `${server.origin}/items/blocked`, { user: 'alice' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError & { cause?: unknown }).cause).toBeInstanceOf(StoreUnavailableError);
      expect(((err as StoreError & { cause?: unknown }).cause as StoreUnavailableError).reason).toBe('timeout');
      // The abandoned statement still waits on the server; once the lock is free it commits the row.
      await waitUntil(
        holder,
        'the abandoned append to wait for the lock',
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock' AND wait_event = 'advisory'`,
        [applicationName],
      );
      await holder.query('COMMIT');
      await waitUntil(holder, 'the abandoned append to commit', `SELECT count(*)::int AS n FROM "${schema}".alter_audit WHERE url = $1`, [
        `${server.origin}/items/blocked`,
      ]);
      // The writer still holds the row and retries it: it must find it stored, not append a copy.
      expect(await vault.audit.verify()).toMatchObject({ ok: true, checked: 2 });
      const urls = await admin(async (c) =>
        (await c.query<{ url: string }>(`SELECT url FROM "${schema}".alter_audit ORDER BY seq`)).rows.map((r) => r.url),
      );
      expect(urls).toEqual([`${server.origin}/items/before`, `${server.origin}/items/blocked`]);
    } finally {
      await holder.end().catch(() => {});
      await vault.close();
      await server.close();
    }
    leak.assertClean();
  }, 120_000);

  it('a backend terminated while its append waits for the lock: no crash, the request fails with ALTER_STORE, the retry writes every row once', async () => {
    const server = await startRecordingServer();
    const leak = createLeakCheck();
    const applicationName = `alter-chain-kill-${randomUUID().slice(0, 8)}`;
    const schema = `${db.schema}_kill`;
    const store = await openStore('kill', { applicationName });
    const vault = new AlterVault({
      caller: 'terminated',
      providers: [loopbackProvider('acme')],
      store,
      encryptionKey: newKey(),
      logger: leak.logger,
      audit: { durability: 'sync' },
    });
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await vault.grants.put({
        user: 'alice',
        provider: 'acme',
        accessToken: leak.secret(newToken('kill-at'), 'access token'),
        scopes: [],
      });
      await vault.request('acme', 'GET', `${server.origin}/items/before`, { user: 'alice' });
      // Another writer holds the chain's append lock, so the next append waits inside alter_audit_link.
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`alter-audit:${schema}`]);
      const blocked = vault.request('acme', 'GET', `${server.origin}/items/blocked`, { user: 'alice' }).then(
        () => undefined,
        (err: unknown) => err,
      );
      // Bounded wait until that backend waits on the advisory lock, then terminate it (only this store's sessions).
      const killed = await waitUntil(
        holder,
        'the append to wait for the lock',
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
         WHERE application_name = $1 AND wait_event_type = 'Lock' AND wait_event = 'advisory'`,
        [applicationName],
      );
      expect(killed).toBe(1);
      await holder.query('COMMIT');
      const err = await blocked;
      // The provider call happened; its audit row could not be committed: ALTER_STORE, cause kept.
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).code).toBe('ALTER_STORE');
      expect((err as StoreError & { cause?: unknown }).cause).toBeInstanceOf(StoreUnavailableError);
      // The row stayed queued; the next append (verify flushes) writes it, once.
      expect(await vault.audit.verify()).toMatchObject({ ok: true, checked: 2 });
      await vault.request('acme', 'GET', `${server.origin}/items/after`, { user: 'alice' });
      const urls = await admin(async (c) =>
        (await c.query<{ url: string }>(`SELECT url FROM "${schema}".alter_audit ORDER BY seq`)).rows.map((r) => r.url),
      );
      expect(urls).toEqual([`${server.origin}/items/before`, `${server.origin}/items/blocked`, `${server.origin}/items/after`]);
      expect(await vault.audit.verify()).toMatchObject({ ok: true, checked: 3 });
    } finally {
      await holder.end().catch(() => {});
      await vault.close();
      await server.close();
    }
    leak.assertClean();
  }, 120_000);
});
