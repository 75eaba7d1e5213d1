/**
 * The audit hash as main computed it before the per-row speed-up of issue #15 (main 93d5b34):
 * kept verbatim as the oracle the current implementation (src/audit-hash.ts) is property-tested
 * against. Never "fix" this file: chains written by it must verify forever.
 */
import { createHash } from 'node:crypto';
import type { AuditInput } from '../../src/grant-store.js';

type Unhashed = Omit<AuditInput, 'hash' | 'prevHash'>;

export function referenceCanonicalAuditPrefix(row: Unhashed): string {
  const json = JSON.stringify([
    row.id,
    row.at.toISOString(),
    row.caller,
    row.user,
    row.provider,
    row.account,
    row.method,
    row.url,
    row.status,
    row.durationMs,
    row.tool,
    row.parentTool,
    row.chain,
    row.callId,
    row.reason,
    row.errorCode,
    ...(row.decision != null || row.policyRule != null || row.approval != null ? [row.decision ?? null, row.policyRule ?? null] : []),
    ...(row.approval != null ? [row.approval, row.approvalBy ?? null, row.approvalVia ?? null, row.approvalAt?.toISOString() ?? null] : []),
  ]);
  return `${json.slice(0, -1)},`;
}

/** The canonical JSON of a row chained after `prevHash`. */
export function referenceCanonicalAuditJson(row: Unhashed, prevHash: string): string {
  return `${referenceCanonicalAuditPrefix(row)}${JSON.stringify(prevHash)}]`;
}

/** sha256 (hex) of the row's canonical JSON, through a createHash object as before. */
export function referenceAuditHash(row: Unhashed, prevHash: string): string {
  return createHash('sha256').update(referenceCanonicalAuditJson(row, prevHash)).digest('hex');
}
