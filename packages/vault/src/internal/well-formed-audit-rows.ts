/**
 * Audit rows with every string storable: well-formed UTF-16 (a lone surrogate replaced by U+FFFD)
 * without U+0000 (replaced by U+FFFD too), as every store keeps them.
 *
 * Why: SQLite and PostgreSQL keep text as UTF-8, where a lone surrogate cannot exist; neither
 * keeps it as given (storable-text.ts). A row hashed with the lone surrogate (the canonical JSON escapes it as
 * `\udXXX`) no longer matched its stored content, so verify() reported an intact row as modified —
 * and anyone who could put such a character into an audited field (a tool's `reason`, a call id,
 * a user or account label) could make an untouched audit log look tampered with. The writer hashes
 * and stores the rows this returns, so what is hashed is what is stored. The canonical JSON itself
 * is unchanged: rows without lone surrogates hash exactly as before.
 *
 * U+0000: PostgreSQL refuses it in any text ("invalid byte sequence for encoding UTF8: 0x00"), so
 * one audited string holding it — an account label a tool takes from its arguments, a reason —
 * failed every append of its batch. The writer keeps a failed batch queued and retries it, so that
 * one row held back every later row for good, and close() could not flush them. Stored as U+FFFD
 * on every store (SQLite could keep it), one chain reads the same wherever it lives. Rows stored
 * earlier keep their content and their hashes.
 */
import type { AuditInput } from '../grant-store.js';
import { isStorableText, toStorableText } from './storable-text.js';

type PendingAudit = Omit<AuditInput, 'prevHash' | 'hash'>;

/** The string fields of a row, the chain's links aside. */
type StringField = {
  [K in keyof PendingAudit]-?: NonNullable<PendingAudit[K]> extends string ? K : never;
}[keyof PendingAudit];

const STRING_FIELDS: readonly StringField[] = Object.freeze([
  'id',
  'caller',
  'user',
  'provider',
  'account',
  'method',
  'url',
  'tool',
  'parentTool',
  'callId',
  'reason',
  'errorCode',
  'decision',
  'policyRule',
  'approval',
  'approvalBy',
  'approvalVia',
] satisfies StringField[]);

const wellFormed = (value: unknown): boolean => typeof value !== 'string' || isStorableText(value);

const toWellFormed = toStorableText;

function rowIsWellFormed(row: PendingAudit): boolean {
  for (const field of STRING_FIELDS) if (!wellFormed(row[field])) return false;
  const chain: unknown = row.chain;
  return !Array.isArray(chain) || chain.every(wellFormed);
}

function wellFormedCopy(row: PendingAudit): PendingAudit {
  const copy: Record<string, unknown> = { ...row };
  for (const field of STRING_FIELDS) {
    const value = row[field];
    if (typeof value === 'string') copy[field] = toWellFormed(value);
  }
  const chain: unknown = row.chain;
  if (Array.isArray(chain))
    copy.chain = Object.freeze(chain.map((link: unknown) => (typeof link === 'string' ? toWellFormed(link) : link)));
  return copy as PendingAudit;
}

/** `row` itself when every string in it is storable (the usual case), else a copy with each lone surrogate and U+0000 replaced. */
export function wellFormedAuditRow<R extends PendingAudit>(row: R): R {
  return rowIsWellFormed(row) ? row : (wellFormedCopy(row) as R);
}
