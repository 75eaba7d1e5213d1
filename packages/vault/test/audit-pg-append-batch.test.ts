/**
 * What one chained audit append costs the PostgreSQL store's client (issue #15). Bound as 22
 * column arrays plus the prefixes, every element of a batch went through the pg driver's
 * JavaScript serializer (prepareValue, escapeElement, local-time formatting of each Date): the
 * main cost of an audit row on PostgreSQL beyond SQLite. The batch is now ONE JSON text: one bound
 * value for any batch size.
 *
 * What must hold, against a real server (ALTER_TEST_PG_URL; skipped with the reason when unset):
 * - one statement per batch, binding one value whatever the batch size, unnamed (a named statement
 *   fails behind a transaction-mode pooler);
 * - every column is stored exactly as given (the same values the array form stores), and the chain
 *   verifies;
 * - a batch the JSON form cannot carry exactly (a date outside years ≈ 1685–2255) is bound as arrays
 *   and stored exactly too.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from '@jest/globals';
import { AlterVault, type AuditRecord, PostgresGrantStore } from '@alter/vault';
import pg from 'pg';
import { canonicalAuditPrefix } from '../src/audit-hash.js';
import { auditChainInStoreOf, type UnlinkedAuditRow } from '../src/internal/audit-chain-in-store.js';
import { provideDriver } from '../src/internal/optional-driver.js';
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

  it('binds a batch the JSON form cannot carry exactly as arrays, and stores it exactly too', async () => {
    const store = await openStore('fallback');
    try {
      const rows = [row(1), row(2, { at: new Date(Date.UTC(2400, 1, 29, 12, 0, 0, 7)) }), row(3, { at: new Date(Date.UTC(1600, 0, 1)) })];
      await append(store, rows);
      // The array form: the lock name, the prefixes and 22 column arrays.
      expect(sent.map((s) => s.values)).toEqual([24]);
      expect(await storedRows(store)).toEqual(expected(rows));
      const vault = new AlterVault({ caller: 'verify', providers: [], store, encryptionKey: newKey() });
      expect(await vault.audit.verify()).toMatchObject({ ok: true, checked: rows.length });
      await vault.close();
    } finally {
      await store.close();
    }
  }, 60_000);
});
