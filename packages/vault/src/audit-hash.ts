/** The audit hash chain: sha256 over the canonical JSON of a row (without seq/hash) and prevHash. */
import * as nodeCrypto from 'node:crypto';
import type { AuditInput, AuditRecord } from './grant-store.js';

/** prevHash of the first row ever written. */
export const GENESIS_HASH = '0'.repeat(64);

type Hashable = Omit<AuditInput, 'hash'>;

type Unhashed = Omit<AuditInput, 'hash' | 'prevHash'>;

/**
 * sha256 (hex) of a string's UTF-8. The one-shot `crypto.hash()` (Node ≥ 20.12) costs a fraction of
 * a `createHash()` object with its update/digest calls, and the writer hashes once per row; the
 * object is the fallback for a runtime without it. Both hash the same UTF-8 bytes (a lone
 * surrogate becomes U+FFFD in both).
 */
const sha256Hex: (text: string) => string = (() => {
  const oneShot = (nodeCrypto as { hash?: unknown }).hash;
  if (typeof oneShot === 'function') {
    const hash = oneShot as (algorithm: string, data: string, outputEncoding: 'hex') => string;
    return (text: string) => hash('sha256', text, 'hex');
  }
  return (text: string) => nodeCrypto.createHash('sha256').update(text).digest('hex');
})();

/**
 * `Date.prototype.toISOString()` of the last whole second formatted, without its milliseconds and
 * 'Z' ('2026-11-30T07:45:23.'). Rows of one batch are mostly stamped within the same second, and
 * V8 formats an ISO date through snprintf (several thousand instructions): reusing the second
 * leaves one short concatenation per row. The output is byte-identical to toISOString (extended
 * years included, since the whole prefix comes from it); an invalid date still throws its RangeError.
 */
let isoSecond = Number.NaN;
let isoSecondPrefix = '';

function isoString(date: Date): string {
  const ms = date.getTime();
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    const iso = date.toISOString();
    isoSecond = second;
    // Every toISOString ends with '.sssZ'.
    isoSecondPrefix = iso.slice(0, -4);
    return iso;
  }
  const milli = ms - second * 1000;
  return `${isoSecondPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

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
 *
 * The format (test/audit-hash-reference.ts keeps the original code as the oracle): a JSON array of
 * id, at (ISO), caller, user, provider, account, method, url, status, durationMs, tool, parentTool,
 * chain, callId, reason, errorCode; then decision and policyRule when any of decision, policyRule
 * or approval is set; then approval, approvalBy, approvalVia, approvalAt (ISO) when approval is
 * set; then prevHash. One array, filled in place, and one JSON.stringify.
 */
export function canonicalAuditPrefix(row: Unhashed): string {
  const values: unknown[] = [
    row.id,
    isoString(row.at),
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
  ];
  // The policy decision and the approval, only when set (before prevHash, which stays last): rows
  // written before policies and approvals existed keep their hashes.
  const approval = row.approval;
  if (row.decision != null || row.policyRule != null || approval != null) {
    values.push(row.decision ?? null, row.policyRule ?? null);
    if (approval != null) {
      const approvalAt = row.approvalAt;
      values.push(approval, row.approvalBy ?? null, row.approvalVia ?? null, approvalAt != null ? isoString(approvalAt) : null);
    }
  }
  const json = JSON.stringify(values);
  // '[a,…,z]' -> '[a,…,z,'; prevHash and ']' follow.
  return `${json.slice(0, -1)},`;
}

/** sha256 (hex) of the row whose {@link canonicalAuditPrefix} is `prefix`, chained after `prevHash`. */
export function auditHashOfPrefix(prefix: string, prevHash: string): string {
  return sha256Hex(`${prefix}${JSON.stringify(prevHash)}]`);
}

/** sha256 (hex) of a row's canonical JSON. */
export function auditHash(row: Hashable): string {
  return sha256Hex(canonicalAuditJson(row));
}

/** {@link auditHash} of `row` chained after `prevHash`, without building the row with prevHash first. */
export function auditHashWith(row: Unhashed, prevHash: string): string {
  return sha256Hex(canonicalJsonWith(row, prevHash));
}

/** Recomputes a stored row's hash. */
export function recomputeHash(row: AuditRecord): string {
  const { seq: _seq, hash: _hash, ...rest } = row;
  return auditHash(rest);
}
