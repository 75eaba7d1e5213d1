/**
 * A batch of queued audit rows as the writer hashes and stores it: every string well-formed
 * (well-formed-audit-rows.ts) and each row's canonical JSON up to its prevHash (audit-hash.ts).
 */
import { canonicalAuditPrefix, plainAuditPrefix } from '../audit-hash.js';
import type { AuditInput } from '../grant-store.js';
import { wellFormedAuditRow } from './well-formed-audit-rows.js';

type PendingAudit = Omit<AuditInput, 'prevHash' | 'hash'>;

/** The rows to store (the queued array itself unless a row had to be made well-formed) and their prefixes, same order. */
export interface HashableAuditBatch<R extends PendingAudit> {
  readonly rows: readonly R[];
  readonly prefixes: readonly string[];
}

/**
 * Serializes each row once. The usual row (every string plain: nothing to escape, hence no
 * surrogate) is written out by {@link plainAuditPrefix} and needs no well-formedness pass; any
 * other row is first made well-formed, then serialized by {@link canonicalAuditPrefix}, so what is
 * hashed is always what the store keeps.
 */
export function hashableAuditBatch<R extends PendingAudit>(queued: readonly R[]): HashableAuditBatch<R> {
  let rows: R[] | undefined;
  const prefixes: string[] = [];
  for (let i = 0; i < queued.length; i++) {
    const row = queued[i]!;
    const plain = plainAuditPrefix(row);
    if (plain !== undefined) {
      prefixes.push(plain);
      continue;
    }
    const stored = wellFormedAuditRow(row);
    if (stored !== row) {
      rows ??= queued.slice();
      rows[i] = stored;
    }
    prefixes.push(canonicalAuditPrefix(stored));
  }
  return { rows: rows ?? queued, prefixes };
}
