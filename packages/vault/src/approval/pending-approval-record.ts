/**
 * The persisted state of one approval asked by URL (docs/approvals.md) — kv namespace
 * `approvals`, key = the approval id — and its state machine:
 *
 *   pending ──approve (page or CLI: by, via, at)──▶ approved ──the same request retried──▶ used
 *      │ ──deny (page or CLI: by, via, at)──────▶ denied ───the same request retried──▶ used
 *      └──(now > expiresAt, before it was used)──▶ expired ──the same request retried──▶ used
 *
 * `used` is terminal: an approval sends one request, a decline refuses one retry, an expiry is
 * reported to one retry (the next call asks anew). The id is
 * `<request key><nonce>`: the request key (22 chars) is derived from the user, tool and the hash of
 * the exact request, so a retry finds its approvals with one prefix listing; the nonce (22 random
 * chars) makes the link unguessable. A link is bound to one browser like a `confirm` Connect link
 * (`binding`, browser-binding.ts). Every move is a compare-and-set on the kv version: two
 * processes never both use one approval. The record holds no secret: the URL is redacted and the
 * body is the summary the user is shown.
 */
import { createHash, randomBytes } from 'node:crypto';

export const APPROVALS_KV_NAMESPACE = 'approvals';

/** Kept this long past expiry, so an old link says "expired" (and the CLI lists it) instead of "unknown". */
const RETENTION_MS = 60 * 60 * 1000;
const REQUEST_KEY_CHARS = 22;

export type PendingApprovalStatus = 'pending' | 'approved' | 'denied' | 'used' | 'expired';

/** Who decided, how and when. */
export interface ApprovalDecision {
  readonly by: string;
  /** `'url'` (the approval page), `'cli'` (`alter approvals`), or what an API caller names. */
  readonly via: string;
  readonly at: string;
}

export interface PendingApprovalRecord {
  readonly v: 1;
  readonly id: string;
  readonly user: string;
  readonly provider: string;
  /** The account the request names (absent: the user's only or default grant, and every record written before accounts were shown). */
  readonly account?: string;
  readonly tool: string | null;
  readonly method: string;
  /** Redacted as in the audit row. */
  readonly url: string;
  /** The body summary the user is shown (secret-looking fields redacted). */
  readonly body: string;
  /** sha256 of the exact request (request-fingerprint.ts). */
  readonly hash: string;
  /** The vault policy rule that asked for the approval, when a rule did. */
  readonly rule: string | null;
  readonly createdAt: string;
  readonly expiresAt: string;
  /** Stored status; {@link effectiveStatus} adds expiry. */
  readonly status: 'pending' | 'approved' | 'denied' | 'used';
  readonly decision?: ApprovalDecision;
  /** What the retry that used it found: the approval, the decline, or that it had expired. */
  readonly usedAs?: 'approved' | 'denied' | 'expired';
  readonly usedAt?: string;
  /** SHA-256 of the confirming browser's secret; absent until the page's interstitial is confirmed. */
  readonly binding?: string;
  /** The Connect base URL the link was issued for (cookie path and form actions live there). */
  readonly baseUrl: string;
}

/** The prefix of every approval id of one exact request by one user in one tool. */
export function requestKey(user: string, tool: string | null, hash: string): string {
  return createHash('sha256')
    .update(`alter-approval\n${user}\n${tool ?? ''}\n${hash}`)
    .digest('base64url')
    .slice(0, REQUEST_KEY_CHARS);
}

/** The link of an approval page (served by Connect's handler, approval-page.ts). */
export function approvalLink(record: Pick<PendingApprovalRecord, 'baseUrl' | 'id'>): string {
  return `${record.baseUrl}/connect/approvals/${record.id}`;
}

/** A fresh approval id for the request key (`<request key><22 random chars>`). */
export function newApprovalId(key: string): string {
  return `${key}${randomBytes(16).toString('base64url')}`;
}

export function parsePendingApproval(value: string): PendingApprovalRecord | undefined {
  try {
    const r = JSON.parse(value) as Partial<PendingApprovalRecord>;
    const strings = [r.id, r.user, r.provider, r.method, r.url, r.body, r.hash, r.createdAt, r.expiresAt, r.baseUrl];
    if (r.v !== 1 || strings.some((s) => typeof s !== 'string')) return undefined;
    if (r.status !== 'pending' && r.status !== 'approved' && r.status !== 'denied' && r.status !== 'used') return undefined;
    if (r.binding !== undefined && typeof r.binding !== 'string') return undefined;
    if (r.account !== undefined && typeof r.account !== 'string') return undefined;
    return r as PendingApprovalRecord;
  } catch {
    return undefined;
  }
}

/** The status as of `now`: an approval not yet used reads as expired past its expiry. */
export function effectiveStatus(record: PendingApprovalRecord, now = Date.now()): PendingApprovalStatus {
  if (record.status !== 'used' && Date.parse(record.expiresAt) <= now) return 'expired';
  return record.status;
}

/** When the kv entry itself may be dropped by the sweeper. */
export function kvExpiry(record: PendingApprovalRecord): Date {
  return new Date(Date.parse(record.expiresAt) + RETENTION_MS);
}

/** pending → approved | denied, or undefined when the approval can no longer be decided. */
export function decide(
  record: PendingApprovalRecord,
  outcome: 'approved' | 'denied',
  decision: ApprovalDecision,
  now = Date.now(),
): PendingApprovalRecord | undefined {
  if (effectiveStatus(record, now) !== 'pending') return undefined;
  return { ...record, status: outcome, decision };
}

/**
 * approved | denied | expired → used: the one retry it answers (an expiry is reported once, so the
 * next call asks anew). Undefined for a pending or used approval.
 */
export function use(record: PendingApprovalRecord, now = Date.now()): PendingApprovalRecord | undefined {
  const status = effectiveStatus(record, now);
  if (status !== 'approved' && status !== 'denied' && status !== 'expired') return undefined;
  return { ...record, status: 'used', usedAs: status, usedAt: new Date(now).toISOString() };
}

/** Binds an unbound approval link to the browser whose secret hashes to `binding`. */
export function bind(record: PendingApprovalRecord, binding: string): PendingApprovalRecord | undefined {
  if (record.binding !== undefined) return undefined;
  return { ...record, binding };
}
