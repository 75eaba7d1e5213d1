/**
 * The persisted state of one Connect session (kv namespace `connect`, key = session id) and its
 * state machine:
 *
 *   pending ──(last provider's callback stored its grant)──▶ complete
 *      │ ──(bad/replayed state, denied consent, provider error,
 *      │    callback in another browser, other account on re-authorization)──▶ failed
 *      └──(now > expiresAt)──▶ expired
 *
 * A bound session (`bind` set) also carries `binding`, the hash of the one browser's secret
 * (browser-binding.ts): set at creation for `bind: 'cookie'`, by the interstitial's confirmation
 * for `bind: 'confirm'` (unbound until then; only an unbound `confirm` session accepts it).
 *
 * Only `pending` moves; every move is a compare-and-set on the kv version, so two callbacks (or
 * two processes) can never both win. The record holds no token and no secret: the PKCE verifier
 * and nonce of each flow are sealed in their own kv entry (connect-flow-secrets.ts), where
 * `rotateKey` re-seals them.
 */
import type { SealedSecret } from '../grant-store.js';
import type { ConnectResult, ConnectSessionStatus } from './connect-types.js';

export const CONNECT_KV_NAMESPACE = 'connect';

/** How many authorization requests of one step may be outstanding at once. */
export const MAX_OPEN_FLOWS = 5;

/** How long a finished session stays readable (for `waitFor` in other processes), past its expiry. */
export const RECORD_RETENTION_MS = 60 * 60 * 1000;

/** The provider step awaiting its callback. */
export interface ConnectFlow {
  readonly provider: string;
  /** `<session id>.<random>`: the session is found from the state, the random part proves it. */
  readonly state: string;
  readonly redirectUri: string;
  /** Scopes asked (provider defaults ∪ requested). */
  readonly scopes: readonly string[];
  /**
   * Only in records written before a flow's secrets moved to their own kv entry
   * (connect-flow-secrets.ts): sealed JSON `{ codeVerifier, nonce? }`, read by such a flow's
   * callback, never written now (a rotation does not re-seal it).
   */
  readonly secrets?: SealedSecret;
}

/** One provider of a session. */
export interface ConnectStep {
  readonly id: string;
  readonly scopes: readonly string[];
  /**
   * The accounts of the user's existing grants at this provider when the session was created (a
   * re-authorization): the login must come back as one of them unless the user chose to switch.
   */
  readonly expectAccounts?: readonly string[];
}

/** How a session's link is protected (see browser-binding.ts); absent: a bearer link. */
export type ConnectBindMode = 'cookie' | 'confirm';

export interface ConnectSessionRecord {
  readonly v: 1;
  readonly id: string;
  /** The user the session was created for; absent when the first login decides. */
  readonly user?: string;
  readonly providers: readonly ConnectStep[];
  readonly bind?: ConnectBindMode;
  /** Hash of the bound browser's secret (never the secret). */
  readonly binding?: string;
  /** The user ticked "use a different account" on the interstitial: `expectAccounts` no longer applies. */
  readonly switchAccount?: boolean;
  readonly returnTo?: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly status: ConnectSessionStatus;
  /** Index into `providers` of the step in progress. */
  readonly step: number;
  /**
   * Authorization requests issued for the current step, newest first (at most
   * {@link MAX_OPEN_FLOWS}). Each opening of the link adds one, so a link previewer that opens it
   * too does not break the user's own flow; the first callback to match claims the step and
   * drops them all.
   */
  readonly flows?: readonly ConnectFlow[];
  /** Set while a callback is exchanging its code, so a replay of it is refused. */
  readonly exchanging?: string;
  readonly resolvedUser?: string;
  readonly identity?: ConnectResult['identity'];
  readonly grants: ConnectResult['grants'];
  readonly error?: { readonly reason: string; readonly message: string };
  readonly finishedAt?: string;
  /**
   * The base URL the session was created with (its link starts with it); provider callbacks go to
   * `<baseUrl>/connect/callback`. Absent in records written before it was added.
   */
  readonly baseUrl?: string;
}

export function parseRecord(value: string): ConnectSessionRecord {
  return JSON.parse(value) as ConnectSessionRecord;
}

/** When the kv entry itself may be dropped: well after the session expired or finished. */
export function kvExpiry(record: ConnectSessionRecord): Date {
  return new Date(Date.parse(record.expiresAt) + RECORD_RETENTION_MS);
}

export function isPastExpiry(record: ConnectSessionRecord, now = Date.now()): boolean {
  return now > Date.parse(record.expiresAt);
}

/** The status callers see: a pending session past its expiry reads as `expired`. */
export function effectiveStatus(record: ConnectSessionRecord, now = Date.now()): ConnectSessionStatus {
  return record.status === 'pending' && isPastExpiry(record, now) ? 'expired' : record.status;
}

/** The public view of a record (no flows, no sealed secrets). */
export function toResult(record: ConnectSessionRecord, now = Date.now()): ConnectResult {
  const status = effectiveStatus(record, now);
  const user = record.user ?? record.resolvedUser;
  return {
    id: record.id,
    status,
    user,
    grants: record.grants,
    ...(record.identity ? { identity: record.identity } : {}),
    ...(record.error
      ? { error: record.error }
      : status === 'expired'
        ? { error: { reason: 'expired', message: 'The Connect session expired before it was completed.' } }
        : {}),
  };
}

/** Moves a pending record to a terminal status (returns undefined when it is no longer pending). */
export function finish(
  record: ConnectSessionRecord,
  status: Exclude<ConnectSessionStatus, 'pending'>,
  error?: { reason: string; message: string },
): ConnectSessionRecord | undefined {
  if (record.status !== 'pending') return undefined;
  const { flows: _flows, exchanging: _exchanging, ...rest } = record;
  return { ...rest, status, finishedAt: new Date().toISOString(), ...(error ? { error } : {}) };
}
