/**
 * What the audit writer does per row (issue #15: the audit log cost ~166 k instructions per tool
 * call). Counts, not times: work that used to happen once per row and now happens once per batch
 * or not at all. Real parts: AuditLog over a SQLite file.
 */
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { AuditLog, type PendingAudit } from '../src/audit-log.js';
import { silentLogger } from '../src/logger.js';
import { SqliteGrantStore } from '../src/sqlite-grant-store.js';
import { tempDir } from './support/fixtures.js';

const tmp = tempDir('alter-audit-row-cost');
afterAll(() => tmp.remove());

function row(at: Date, n: number): PendingAudit {
  return {
    id: randomUUID(),
    at,
    caller: 'row-cost',
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
    decision: 'allow',
    policyRule: null,
  };
}

/** A row as AlterVault.request writes it for a tool call: a policy decision, every other optional column null. */
function toolCallRow(n: number): PendingAudit {
  return {
    ...row(new Date(), n),
    policyRule: 'default',
    approval: null,
    approvalBy: null,
    approvalVia: null,
    approvalAt: null,
  };
}

/** better-sqlite3's Statement prototype (the class is not exported). */
function statementPrototype(): { run: (...args: unknown[]) => unknown } {
  const db = new Database(':memory:');
  try {
    return Object.getPrototypeOf(db.prepare('SELECT 1')) as { run: (...args: unknown[]) => unknown };
  } finally {
    db.close();
  }
}

/**
 * The values one `run` call binds: each anonymous argument, and each key of the trailing object of
 * named values (better-sqlite3 binds `@name` parameters from it).
 */
function boundValueCount(args: readonly unknown[]): number {
  const last = args[args.length - 1];
  if (last !== null && typeof last === 'object' && Object.getPrototypeOf(last) === Object.prototype) {
    return args.length - 1 + Object.keys(last).length;
  }
  return args.length;
}

/** Runs `fn` counting the calls of Date.prototype.toISOString meanwhile. */
async function countingToIsoString(fn: () => Promise<void>): Promise<number> {
  const original = Object.getOwnPropertyDescriptor(Date.prototype, 'toISOString')!;
  const toISOString = original.value as (this: Date) => string;
  let calls = 0;
  Object.defineProperty(Date.prototype, 'toISOString', {
    ...original,
    value(this: Date): string {
      calls += 1;
      return toISOString.call(this);
    },
  });
  try {
    await fn();
  } finally {
    Object.defineProperty(Date.prototype, 'toISOString', original);
  }
  return calls;
}

describe('audit writer, per-row work', () => {
  it('formats the ISO date of a second once for a batch of 32 rows stamped within it', async () => {
    const store = new SqliteGrantStore({ filename: tmp.file('iso.db') });
    await store.open();
    const log = new AuditLog(store, silentLogger, { maxBatchRows: 32, maxDelayMs: 60_000 });
    try {
      // A second no other test stamps rows with, each row in a millisecond of its own.
      const second = Date.UTC(2031, 0, 1, 0, 0, 7);
      for (let n = 0; n < 32; n++) expect(log.record(row(new Date(second + n * 31), n))).toBeUndefined();
      const calls = await countingToIsoString(() => log.flush());
      expect(calls).toBe(1);
      const result = await log.verify();
      expect(result).toMatchObject({ ok: true, checked: 32 });
      const stored = await store.queryAudit({ limit: 32 });
      expect(stored.map((r) => r.at.getTime()).sort((a, b) => a - b)).toEqual(Array.from({ length: 32 }, (_, n) => second + n * 31));
    } finally {
      await store.close();
    }
  });
});

describe('SQLite audit append, per-row binding and linking', () => {
  it('calls JSON.stringify for no tool-call row: canonical JSON, its prevHash and the stored chain are written out', async () => {
    const store = new SqliteGrantStore({ filename: tmp.file('stringify.db') });
    await store.open();
    const log = new AuditLog(store, silentLogger, { maxBatchRows: 64, maxDelayMs: 60_000 });
    // The connection's statements and the tail are in place before counting.
    log.record(toolCallRow(-1));
    await log.flush();
    const stringify = jest.spyOn(JSON, 'stringify');
    try {
      for (let n = 0; n < 64; n++) log.record(toolCallRow(n));
      await log.flush();
      expect(stringify.mock.calls.length / 64).toBe(0);
    } finally {
      stringify.mockRestore();
    }
    try {
      expect(await log.verify()).toMatchObject({ ok: true, checked: 65 });
      expect((await store.queryAudit({ limit: 1 }))[0]!.chain).toEqual(['get_item']);
    } finally {
      await store.close();
    }
  });

  it('binds 7 values per tool-call row and 10 per chunk of 32 rows of one user: null columns left out, shared ones bound once', async () => {
    const store = new SqliteGrantStore({ filename: tmp.file('bind.db') });
    await store.open();
    const log = new AuditLog(store, silentLogger, { maxBatchRows: 64, maxDelayMs: 60_000 });
    const run = jest.spyOn(statementPrototype(), 'run');
    try {
      for (let n = 0; n < 64; n++) log.record(toolCallRow(n));
      await log.flush();
      const bound = run.mock.calls
        .filter((_, i) => /^INSERT INTO alter_audit/.test((run.mock.contexts[i] as { source: string }).source))
        .map(boundValueCount);
      // Two chunks of 32 rows. Per row: id, at, url, duration_ms, call_id and the link (7); per
      // chunk: caller, user, provider, account, method, status, tool, chain, decision, policy_rule.
      // Before: 17 per row (544 per chunk), 24 before the null columns were left out.
      expect(bound).toEqual([32 * 7 + 10, 32 * 7 + 10]);
    } finally {
      run.mockRestore();
    }
    try {
      // Stored as before: the omitted columns read back as null, the chain verifies.
      expect(await log.verify()).toMatchObject({ ok: true, checked: 64 });
      const stored = await store.queryAudit({ limit: 1 });
      expect(stored[0]).toMatchObject({ parentTool: null, reason: null, errorCode: null, decision: 'allow', policyRule: 'default' });
      expect(stored[0]).not.toHaveProperty('approval');
      expect(stored[0]).not.toHaveProperty('approvalAt');
    } finally {
      await store.close();
    }
  });

  it('binds every value of a batch that mixes shapes, and stores each row as written', async () => {
    const store = new SqliteGrantStore({ filename: tmp.file('mixed.db') });
    await store.open();
    const log = new AuditLog(store, silentLogger, { maxBatchRows: 8, maxDelayMs: 60_000 });
    try {
      const approvedAt = new Date(Date.UTC(2031, 0, 2, 3, 4, 5, 6));
      const rows: PendingAudit[] = [
        toolCallRow(0),
        { ...toolCallRow(1), status: null, tool: null, parentTool: 'outer', reason: 'why', errorCode: 'ALTER_X' },
        { ...toolCallRow(2), approval: 'approved', approvalBy: 'bob', approvalVia: 'url', approvalAt: approvedAt },
        { ...toolCallRow(3), decision: null, policyRule: null },
      ];
      for (const r of rows) log.record(r);
      await log.flush();
      expect(await log.verify()).toMatchObject({ ok: true, checked: 4 });
      const stored = (await store.queryAudit({ limit: 4 })).reverse();
      expect(stored.map((r) => [r.status, r.tool, r.parentTool, r.reason, r.errorCode, r.decision, r.approvalAt?.getTime()])).toEqual([
        [200, 'get_item', null, null, null, 'allow', undefined],
        [null, null, 'outer', 'why', 'ALTER_X', 'allow', undefined],
        [200, 'get_item', null, null, null, 'allow', approvedAt.getTime()],
        [200, 'get_item', null, null, null, undefined, undefined],
      ]);
      expect(stored[2]).toMatchObject({ approval: 'approved', approvalBy: 'bob', approvalVia: 'url' });
    } finally {
      await store.close();
    }
  });

  it('links each batch onto the tail inside its transaction: two writers on one file never re-read the tail', async () => {
    const file = tmp.file('two-writers.db');
    const a = new SqliteGrantStore({ filename: file });
    const b = new SqliteGrantStore({ filename: file });
    await a.open();
    await b.open();
    const logA = new AuditLog(a, silentLogger, { maxBatchRows: 32, maxDelayMs: 60_000 });
    const logB = new AuditLog(b, silentLogger, { maxBatchRows: 32, maxDelayMs: 60_000 });
    const lastAudit = jest.spyOn(SqliteGrantStore.prototype, 'lastAudit');
    try {
      // Alternating appends: each writer's previous tail is stale when it appends again.
      for (let round = 0; round < 10; round++) {
        for (const log of [logA, logB]) {
          for (let n = 0; n < 4; n++) log.record(toolCallRow(round * 100 + n));
          await log.flush();
        }
      }
      expect(lastAudit).toHaveBeenCalledTimes(0);
    } finally {
      lastAudit.mockRestore();
    }
    try {
      expect(await logA.verify()).toMatchObject({ ok: true, checked: 80 });
    } finally {
      await a.close();
      await b.close();
    }
  });
});
