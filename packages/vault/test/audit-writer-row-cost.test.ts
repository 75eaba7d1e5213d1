/**
 * What the audit writer does per row (issue #15: the audit log cost ~166 k instructions per tool
 * call). Counts, not times: work that used to happen once per row and now happens once per batch
 * or not at all. Real parts: AuditLog over a SQLite file.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
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
