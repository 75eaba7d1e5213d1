/** The audit hash chain: sha256 over the canonical JSON of a row (without seq/hash) and prevHash. */
import { createHash } from 'node:crypto';
import type { AuditInput, AuditRecord } from './grant-store.js';

/** prevHash of the first row ever written. */
export const GENESIS_HASH = '0'.repeat(64);

type Hashable = Omit<AuditInput, 'hash'>;

type Unhashed = Omit<AuditInput, 'hash' | 'prevHash'>;

/** Canonical JSON: fixed key order, dates as ISO strings. Changing this breaks old chains. */
export function canonicalAuditJson(row: Hashable): string {
  return canonicalJsonWith(row, row.prevHash);
}

function canonicalJsonWith(row: Unhashed, prevHash: string): string {
  return `${canonicalAuditPrefix(row)}${JSON.stringify(prevHash)}]`;
}

/**
 * The canonical JSON of a row up to (not including) its prevHash, the last element: computed
 * before the writer knows the chain's tail, so a store that links a batch under its append lock
 * only pays for SHA-256 there ({@link auditHashOfPrefix}).
 */
export function canonicalAuditPrefix(row: Unhashed): string {
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
    // The array as is: JSON.stringify serializes a frozen array like its copy.
    row.chain,
    row.callId,
    row.reason,
    row.errorCode,
    // The policy decision and the approval, only when set (before prevHash, which stays last): rows
    // written before policies and approvals existed keep their hashes.
    ...(row.decision != null || row.policyRule != null || row.approval != null ? [row.decision ?? null, row.policyRule ?? null] : []),
    ...(row.approval != null ? [row.approval, row.approvalBy ?? null, row.approvalVia ?? null, row.approvalAt?.toISOString() ?? null] : []),
  ]);
  // '[a,…,z]' -> '[a,…,z,'; prevHash and ']' follow.
  return `${json.slice(0, -1)},`;
}

/** sha256 (hex) of the row whose {@link canonicalAuditPrefix} is `prefix`, chained after `prevHash`. */
export function auditHashOfPrefix(prefix: string, prevHash: string): string {
  return createHash('sha256').update(prefix).update(JSON.stringify(prevHash)).update(']').digest('hex');
}

/** sha256 (hex) of a row's canonical JSON. */
export function auditHash(row: Hashable): string {
  return createHash('sha256').update(canonicalAuditJson(row)).digest('hex');
}

/** {@link auditHash} of `row` chained after `prevHash`, without building the row with prevHash first. */
export function auditHashWith(row: Unhashed, prevHash: string): string {
  return createHash('sha256').update(canonicalJsonWith(row, prevHash)).digest('hex');
}

/** Recomputes a stored row's hash. */
export function recomputeHash(row: AuditRecord): string {
  const { seq: _seq, hash: _hash, ...rest } = row;
  return auditHash(rest);
}
