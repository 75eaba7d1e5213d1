/** The audit hash chain: sha256 over the canonical JSON of a row (without seq/hash) and prevHash. */
import * as nodeCrypto from 'node:crypto';
import type { AuditInput, AuditRecord } from './grant-store.js';
import { NEEDS_JSON_ESCAPE } from './internal/plain-json.js';

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
 * set; then prevHash.
 *
 * Written out by hand for the row's fixed shape ({@link fastAuditPrefix}) when no string in it
 * needs JSON escaping (one regular-expression test per string); otherwise
 * (and for any value of an unexpected type) one JSON.stringify of the values array
 * ({@link jsonAuditPrefix}). Both give the same bytes; callgrind counted ≈ 30 % fewer instructions
 * per row for the hand-written form (docs/performance.md).
 */
export function canonicalAuditPrefix(row: Unhashed): string {
  return fastAuditPrefix(row) ?? jsonAuditPrefix(row);
}

/**
 * A string JSON writes as `"${value}"` (nothing to escape, see NEEDS_JSON_ESCAPE). Such a string
 * holds no surrogate either, so it is also well-formed UTF-16: stored exactly as hashed.
 */
const isPlainText = (value: unknown): value is string => typeof value === 'string' && !NEEDS_JSON_ESCAPE.test(value);

/** A plain string ({@link isPlainText}), null or undefined (JSON writes the last two as null inside an array). */
const isPlainOrNone = (value: unknown): value is string | null | undefined => value == null || isPlainText(value);

/** `value` as JSON, for a string needing no escaping, null or undefined. */
const plainJson = (value: string | null | undefined): string => (value == null ? 'null' : `"${value}"`);

/** `value` as JSON inside an array, for a number, null or undefined (non-finite numbers are null, as in JSON). */
const numberJson = (value: number | null | undefined): string => (value == null || !Number.isFinite(value) ? 'null' : String(value));

/**
 * {@link canonicalAuditPrefix} of a row every string of which is plain ({@link isPlainText}): the
 * usual row, whose strings are ids, names, a redacted URL and the like. Undefined for any other
 * row — one holding a string to escape, a lone surrogate, or a value of an unexpected type — which
 * the writer first makes well-formed (well-formed-audit-rows.ts), then serializes with
 * {@link canonicalAuditPrefix}.
 *
 * Covers every string the stores keep, not only the hashed ones (`approvalBy` and `approvalVia`
 * are stored, and hashed only with an `approval`), so a row this accepts needs no well-formedness
 * pass: the writer skips it (one scan of each string instead of two).
 */
export function plainAuditPrefix(row: Unhashed): string | undefined {
  if (row.approval == null && !(isPlainOrNone(row.approvalBy) && isPlainOrNone(row.approvalVia))) return undefined;
  return fastAuditPrefix(row);
}

/**
 * {@link canonicalAuditPrefix} written out field by field, or undefined when a value is not of the
 * type the fixed shape writes (strings, numbers, null/undefined, an array of strings without
 * toJSON) or some string needs escaping: the caller then uses {@link jsonAuditPrefix}.
 *
 * Each string is tested on its own: concatenating them into one probe for a single test (as this
 * did) built a throwaway string that V8 flattened before the test, and left the row's own cons
 * strings (a UUID, the URL) to be flattened again by the store's binding. Tested one by one, each is
 * flattened once, in place (`String::WriteToFlat` in the writer ≈ 4.6 → 3.9 µs per row, `perf`).
 */
function fastAuditPrefix(row: Unhashed): string | undefined {
  const { id, caller, user, provider, account, method, url, status, durationMs, tool, parentTool, chain, callId, reason, errorCode } = row;
  if (
    !isPlainText(id) ||
    !isPlainText(caller) ||
    !isPlainText(user) ||
    !isPlainText(provider) ||
    !isPlainText(account) ||
    !isPlainText(method) ||
    !isPlainText(url) ||
    !(status == null || typeof status === 'number') ||
    !(durationMs == null || typeof durationMs === 'number') ||
    !isPlainOrNone(tool) ||
    !isPlainOrNone(parentTool) ||
    !isPlainOrNone(callId) ||
    !isPlainOrNone(reason) ||
    !isPlainOrNone(errorCode) ||
    !Array.isArray(chain) ||
    (chain as { toJSON?: unknown }).toJSON !== undefined
  ) {
    return undefined;
  }
  let chainJson = '[';
  for (let i = 0; i < chain.length; i++) {
    const link: unknown = chain[i];
    if (!isPlainText(link)) return undefined;
    chainJson += i === 0 ? `"${link}"` : `,"${link}"`;
  }
  chainJson += ']';
  let tail = '';
  const { decision, policyRule, approval } = row;
  if (decision != null || policyRule != null || approval != null) {
    if (!isPlainOrNone(decision) || !isPlainOrNone(policyRule)) return undefined;
    tail = `${plainJson(decision)},${plainJson(policyRule)},`;
    if (approval != null) {
      const { approvalBy, approvalVia, approvalAt } = row;
      if (!isPlainText(approval) || !isPlainOrNone(approvalBy) || !isPlainOrNone(approvalVia)) return undefined;
      if (approvalAt != null && !(approvalAt instanceof Date)) return undefined;
      tail += `"${approval}",${plainJson(approvalBy)},${plainJson(approvalVia)},${approvalAt != null ? `"${isoString(approvalAt)}"` : 'null'},`;
    }
  }
  return (
    `["${id}","${isoString(row.at)}","${caller}","${user}","${provider}","${account}","${method}","${url}",` +
    `${numberJson(status)},${numberJson(durationMs)},${plainJson(tool)},${plainJson(parentTool)},${chainJson},` +
    `${plainJson(callId)},${plainJson(reason)},${plainJson(errorCode)},${tail}`
  );
}

/** {@link canonicalAuditPrefix} as one JSON.stringify of the values array (any row). */
function jsonAuditPrefix(row: Unhashed): string {
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
  // A prevHash is a hex digest (or GENESIS_HASH): written as it is, without a JSON.stringify call.
  return sha256Hex(NEEDS_JSON_ESCAPE.test(prevHash) ? `${prefix}${JSON.stringify(prevHash)}]` : `${prefix}"${prevHash}"]`);
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
