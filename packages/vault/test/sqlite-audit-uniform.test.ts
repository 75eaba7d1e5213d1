/**
 * The SQLite audit append binds the values every row of a chunk shares once (`@column`), not per
 * row (issue #15). These tests hold it to storing exactly what a row-at-a-time append stores: the
 * same values of the same SQLite types, the same hashes, whatever mix of callers, users, shapes
 * and chains a chunk has, on both append paths (the in-store chain and pre-linked rows).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { AuditInput } from '../src/grant-store.js';
import { AuditLog, type PendingAudit } from '../src/audit-log.js';
import { silentLogger } from '../src/logger.js';
import { SqliteGrantStore } from '../src/sqlite-grant-store.js';
import { tempDir } from './support/fixtures.js';

const tmp = tempDir('alter-audit-uniform');
afterAll(() => tmp.remove());

const T0 = Date.UTC(2031, 5, 1, 12, 0, 0);

function toolCallRow(n: number): PendingAudit {
  return {
    id: `row-${n}-${randomUUID()}`,
    at: new Date(T0 + n * 7),
    caller: 'uniform',
    user: 'alice',
    provider: 'acme',
    account: 'default',
    method: 'GET',
    url: `https://api.example.com/items/${n}`,
    status: 200,
    durationMs: 1.5 + n,
    tool: 'get_item',
    parentTool: null,
    chain: ['get_item'],
    callId: `call-${n}`,
    reason: null,
    errorCode: null,
    decision: 'allow',
    policyRule: 'default',
    approval: null,
    approvalBy: null,
    approvalVia: null,
    approvalAt: null,
  };
}

/**
 * Chunks that share all, some or none of the uniform columns: equal chains in distinct arrays,
 * a value that differs in one row only (first, middle, last), nulls next to values, an approval.
 */
function mixedRows(): PendingAudit[] {
  const rows: PendingAudit[] = [];
  // Chunk 1 (32 rows): all shared, each chain its own array with the same names.
  for (let n = 0; n < 32; n++) rows.push({ ...toolCallRow(n), chain: ['outer', 'get_item'], parentTool: 'outer' });
  // Chunk 2: one column differs in one row at a time.
  const variants: Array<Partial<PendingAudit>> = [
    { caller: 'other-caller' },
    { user: 'bob' },
    { provider: 'globex' },
    { account: 'work' },
    { method: 'POST' },
    { status: 404 },
    { status: null },
    { tool: 'list_items' },
    { tool: null },
    { chain: [] },
    { chain: ['get_item', 'get_item'] },
    { decision: 'deny', policyRule: 'deny-writes', status: null, errorCode: 'ALTER_POLICY_DENIED', reason: 'denied' },
    { decision: null, policyRule: null },
    { approval: 'approved', approvalBy: 'carol', approvalVia: 'url', approvalAt: new Date(T0 + 99) },
    { caller: 'ünïcödé \u{1F600}', user: 'line\nbreak', url: 'https://api.example.com/"quoted"' },
  ];
  for (let n = 0; n < 32; n++) rows.push({ ...toolCallRow(100 + n), ...(n % 2 === 0 ? variants[(n / 2) % variants.length] : {}) });
  // Chunk 3: the first row differs; chunk 4: the last; chunk 5: a single row.
  for (let n = 0; n < 5; n++) rows.push({ ...toolCallRow(200 + n), ...(n === 0 ? { user: 'dave' } : {}) });
  for (let n = 0; n < 5; n++) rows.push({ ...toolCallRow(300 + n), ...(n === 4 ? { tool: 'other' } : {}) });
  rows.push(toolCallRow(400));
  return rows;
}

/** Every stored row with each column's value and SQLite type (`typeof`), in seq order. */
function rawRows(file: string): unknown[] {
  const db = new Database(file, { readonly: true });
  try {
    const columns = (db.prepare('PRAGMA table_info(alter_audit)').all() as Array<{ name: string }>).map((c) => c.name);
    const select = columns.map((c) => `${c}, typeof(${c}) AS "type of ${c}"`).join(', ');
    return db.prepare(`SELECT ${select} FROM alter_audit ORDER BY seq`).all();
  } finally {
    db.close();
  }
}

/** Writes `chunks` through an AuditLog, one append per chunk, and returns the store (closed). */
async function written(file: string, chunks: readonly (readonly PendingAudit[])[]): Promise<void> {
  const store = new SqliteGrantStore({ filename: file });
  await store.open();
  const log = new AuditLog(store, silentLogger, { maxBatchRows: 1_000, maxDelayMs: 60_000 });
  try {
    for (const chunk of chunks) {
      for (const r of chunk) log.record(r);
      await log.flush();
    }
    expect(await log.verify()).toMatchObject({ ok: true, checked: chunks.reduce((n, c) => n + c.length, 0) });
  } finally {
    await store.close();
  }
}

/** `rows` cut as the tests append them: 32, 32, 5, 5, 1. */
function chunksOf(rows: readonly PendingAudit[]): PendingAudit[][] {
  return [rows.slice(0, 32), rows.slice(32, 64), rows.slice(64, 69), rows.slice(69, 74), rows.slice(74)];
}

describe('SQLite audit append, values shared by a chunk bound once', () => {
  it('stores a mixed chunk exactly as a row-at-a-time append does: same values, same types, same hashes', async () => {
    const rows = mixedRows();
    await written(tmp.file('chunked.db'), chunksOf(rows));
    // One row per append: no chunk has a second row to share a value with.
    await written(
      tmp.file('one-by-one.db'),
      rows.map((r) => [r]),
    );
    const chunked = rawRows(tmp.file('chunked.db'));
    expect(chunked).toHaveLength(rows.length);
    expect(chunked).toEqual(rawRows(tmp.file('one-by-one.db')));
  });

  it('reads back every field of every row as recorded', async () => {
    const rows = mixedRows();
    const file = tmp.file('read-back.db');
    await written(file, chunksOf(rows));
    const store = new SqliteGrantStore({ filename: file });
    await store.open();
    try {
      const stored = (await store.queryAudit({ limit: 1_000 })).reverse();
      expect(stored).toHaveLength(rows.length);
      stored.forEach((s, i) => {
        const r = rows[i]!;
        expect({ ...s, seq: undefined, prevHash: undefined, hash: undefined }).toEqual({
          ...r,
          seq: undefined,
          prevHash: undefined,
          hash: undefined,
          // Optional columns read back only when set (auditFromRow).
          decision: r.decision ?? undefined,
          policyRule: r.policyRule ?? undefined,
          approval: r.approval ?? undefined,
          approvalBy: r.approvalBy ?? undefined,
          approvalVia: r.approvalVia ?? undefined,
          approvalAt: r.approvalAt ?? undefined,
        });
      });
    } finally {
      await store.close();
    }
  });

  it('stores pre-linked rows (appendAudit) chunked exactly as the in-store chain stored them', async () => {
    const source = tmp.file('linked-source.db');
    await written(source, chunksOf(mixedRows()));
    const from = new SqliteGrantStore({ filename: source });
    await from.open();
    const records = (await from.queryAudit({ limit: 1_000 })).reverse();
    await from.close();
    const copy = new SqliteGrantStore({ filename: tmp.file('linked-copy.db') });
    await copy.open();
    try {
      const inputs: AuditInput[] = records.map(({ seq: _seq, ...r }) => r);
      for (const chunk of [inputs.slice(0, 32), inputs.slice(32, 64), inputs.slice(64)]) await copy.appendAudit(chunk);
    } finally {
      await copy.close();
    }
    expect(rawRows(tmp.file('linked-copy.db'))).toEqual(rawRows(source));
  });
});
