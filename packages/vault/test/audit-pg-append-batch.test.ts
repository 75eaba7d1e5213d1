/**
 * What one chained audit append costs the PostgreSQL store's client (issue #15). Bound as 22
 * column arrays plus the prefixes, every element of a batch went through the pg driver's
 * JavaScript serializer (prepareValue, escapeElement, local-time formatting of each Date): the
 * main cost of an audit row on PostgreSQL beyond SQLite. The batch is now ONE text, the rows'
 * canonical prefixes joined by newlines, from which the server reads every column: one bound value
 * for any batch size, and nothing serialized twice.
 *
 * What must hold, against a real server (ALTER_TEST_PG_URL; skipped with the reason when unset):
 * - one statement per batch, binding one value whatever the batch size, unnamed (a named statement
 *   fails behind a transaction-mode pooler);
 * - every column is stored exactly as given (the same values the array form stores), and the chain
 *   verifies;
 * - a batch the prefixes cannot carry exactly (a date outside the years 1000–9999, a non-finite
 *   duration, approval details without an approval) is bound as arrays and stored as that form stores it;
 * - a prefix holding U+0000 or a lone surrogate (which jsonb refuses) is never sent as text. The
 *   writer replaces both before it hashes (well-formed-audit-rows.ts), so no batch of its holds one.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { AlterVault, type AuditRecord, PostgresGrantStore } from '@alter/vault';
import pg from 'pg';
import { canonicalAuditPrefix } from '../src/audit-hash.js';
import { auditChainInStoreOf, type UnlinkedAuditRow } from '../src/internal/audit-chain-in-store.js';
import { provideDriver } from '../src/internal/optional-driver.js';
import { auditBatchText } from '../src/internal/pg-audit-batch.js';
import { newKey } from './support/fixtures.js';
import { describeWithPostgres } from './support/pg.js';

// The store loads `pg` through Node's require, outside Jest's module registry; handing it this
// file's `pg` lets the test observe the statements the store sends.
provideDriver('pg', pg);

type Row = UnlinkedAuditRow;

function row(n: number, extra: Partial<Row> = {}): Row {
  return {
    id: `row-${n}-${randomUUID()}`,
    at: new Date(Date.UTC(2026, 10, 30, 5, 0, n % 60, n % 1000)),
    caller: 'append-batch',
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

/** Statements the store sent that append audit rows: their bound values and statement name. */
interface SentAppend {
  readonly values: number;
  readonly name: string | undefined;
}

let sent: SentAppend[] = [];
const originalQuery = pg.Client.prototype.query;
beforeEach(() => {
  sent = [];
  const spy = function (this: pg.Client, ...args: unknown[]): unknown {
    const [config, values] = args as [string | pg.QueryConfig, unknown[] | undefined];
    const text = typeof config === 'string' ? config : config.text;
    if (text.includes('alter_audit_link') && !text.includes('CREATE')) {
      const bound = typeof config === 'string' ? values : (config.values ?? values);
      sent.push({ values: bound?.length ?? 0, name: typeof config === 'string' ? undefined : config.name });
    }
    return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
  };
  pg.Client.prototype.query = spy as typeof pg.Client.prototype.query;
});
afterEach(() => {
  pg.Client.prototype.query = originalQuery;
});

/** Without its null fields: a record leaves out optional columns that are null, a row may spell them out. */
const withoutNulls = (r: object): Record<string, unknown> => Object.fromEntries(Object.entries(r).filter(([, v]) => v != null));

/** The stored rows, oldest first, without what the store adds (seq, prevHash, hash). */
async function storedRows(store: PostgresGrantStore): Promise<Array<Record<string, unknown>>> {
  const records = await store.queryAudit({ afterSeq: 0, limit: 10_000 });
  return records.map(({ seq: _seq, prevHash: _prev, hash: _hash, ...rest }: AuditRecord) => withoutNulls(rest));
}

/** `rows` as {@link storedRows} returns them. */
const expected = (rows: readonly Row[]) => rows.map(withoutNulls);

describeWithPostgres('the PostgreSQL chained audit append', (db) => {
  async function openStore(suffix: string): Promise<PostgresGrantStore> {
    const store = new PostgresGrantStore({ connectionString: db.url, schema: `${db.schema}_${suffix}` });
    await store.open();
    return store;
  }
  const append = (store: PostgresGrantStore, rows: readonly Row[]) =>
    auditChainInStoreOf(store)!(
      rows,
      rows.map((r) => canonicalAuditPrefix(r)),
    );

  it('sends one unnamed statement per batch, binding one value whatever the batch size', async () => {
    const store = await openStore('count');
    try {
      expect(auditChainInStoreOf(store)).toBeDefined();
      await append(store, [row(0)]);
      await append(
        store,
        Array.from({ length: 50 }, (_, i) => row(i + 1)),
      );
      // Before: 24 bound values per batch (the lock name, the prefixes, 22 column arrays).
      expect(sent).toEqual([
        { values: 1, name: undefined },
        { values: 1, name: undefined },
      ]);
      expect((await storedRows(store)).length).toBe(51);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('stores every column exactly as given, and the chain verifies', async () => {
    const store = await openStore('exact');
    try {
      const rows = [
        row(1, { durationMs: 0.1 + 0.2, status: null, at: new Date(Date.UTC(1970, 0, 1, 0, 0, 0, 1)) }),
        row(2, { durationMs: 1e-7, status: 201, reason: '"quoted" \\ back\\slash\ttab\nline', errorCode: 'ALTER_X' }),
        row(3, { durationMs: 123_456.789, chain: ['outer', 'ünï 🙂', ''], parentTool: 'outer', user: '{"json":[1,2]}' }),
        row(4, { durationMs: 5e-324, at: new Date(Date.UTC(1969, 11, 31, 23, 59, 59, 999)), decision: 'deny', policyRule: 'no "x"' }),
        row(5, {
          durationMs: 1e21,
          decision: 'allow',
          policyRule: null,
          approval: 'approved',
          approvalBy: 'bob \\u0041',
          approvalVia: 'url',
          approvalAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)),
        }),
      ];
      await append(store, rows);
      expect(sent.map((s) => s.values)).toEqual([1]);
      expect(await storedRows(store)).toEqual(expected(rows));
      const vault = new AlterVault({ caller: 'verify', providers: [], store, encryptionKey: newKey() });
      expect(await vault.audit.verify()).toMatchObject({ ok: true, checked: rows.length });
      await vault.close();
    } finally {
      await store.close();
    }
  }, 60_000);

  it('carries dates of any four-digit year, to the millisecond', async () => {
    const store = await openStore('years');
    try {
      const rows = [
        row(1, { at: new Date(Date.UTC(1000, 0, 1, 0, 0, 0, 0)) }),
        row(2, { at: new Date(Date.UTC(1600, 0, 1)) }),
        row(3, { at: new Date(Date.UTC(2400, 1, 29, 12, 0, 0, 7)) }),
        row(4, {
          at: new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999)),
          approval: 'approved',
          approvalAt: new Date(Date.UTC(1000, 0, 1, 0, 0, 0, 1)),
        }),
      ];
      await append(store, rows);
      expect(sent.map((s) => s.values)).toEqual([1]);
      expect(await storedRows(store)).toEqual(expected(rows));
      const vault = new AlterVault({ caller: 'verify', providers: [], store, encryptionKey: newKey() });
      expect(await vault.audit.verify()).toMatchObject({ ok: true, checked: rows.length });
      await vault.close();
    } finally {
      await store.close();
    }
  }, 60_000);

  it.each([
    ['a date before the year 1000', { at: new Date(Date.UTC(999, 11, 31, 23, 59, 59, 999)) }],
    ['a date after the year 9999', { at: new Date(Date.UTC(10_000, 0, 1)) }],
    ['an approval date after the year 9999', { approval: 'approved', approvalAt: new Date(Date.UTC(12_000, 5, 1)) }],
    ['a non-finite duration', { durationMs: Number.POSITIVE_INFINITY }],
    ['approval details without an approval', { approvalBy: 'bob', approvalVia: 'url' }],
  ] as const)(
    'binds a batch holding %s as arrays, and stores it as the array form does',
    async (_case, extra) => {
      const store = await openStore(`fallback_${sent.length}_${randomUUID().slice(0, 8)}`);
      const reference = await openStore(`reference_${randomUUID().slice(0, 8)}`);
      try {
        const rows = [row(1), row(2, extra as Partial<Row>), row(3)];
        await append(store, rows);
        // The array form: the lock name, the prefixes and 22 column arrays.
        expect(sent.map((s) => s.values)).toEqual([24]);
        // What the array form stores, row by row (each row alone in a batch of its own; a batch
        // without the odd row goes through the prefixes): the same.
        for (const r of rows) await append(reference, [r]);
        expect(await storedRows(store)).toEqual(await storedRows(reference));
        const vault = new AlterVault({ caller: 'verify', providers: [], store, encryptionKey: newKey() });
        expect(await vault.audit.verify()).toMatchObject({ ok: true, checked: rows.length });
        await vault.close();
      } finally {
        await store.close();
        await reference.close();
      }
    },
    60_000,
  );
});

describe('the text form of a batch', () => {
  it('is the prefixes joined by newlines', () => {
    const rows = [row(1), row(2)];
    const prefixes = rows.map((r) => canonicalAuditPrefix(r));
    expect(auditBatchText(rows, prefixes)).toBe(`${prefixes[0]}\n${prefixes[1]}`);
  });

  it.each([
    ['U+0000', 'nul \u0000 here'],
    ['a lone surrogate', 'lone \ud800 here'],
  ])('is not used for a prefix holding %s (jsonb refuses it)', (_case, reason) => {
    const rows = [row(1), row(2, { reason })];
    expect(
      auditBatchText(
        rows,
        rows.map((r) => canonicalAuditPrefix(r)),
      ),
    ).toBeUndefined();
  });
});
