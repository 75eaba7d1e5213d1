/**
 * A batch of unlinked audit rows as ONE JSON text, the single parameter of the PostgreSQL store's
 * chained append (postgres-grant-store.ts, `appendBatchSql`).
 *
 * Why: bound as 22 column arrays plus the prefixes, the `pg` driver serializes every element in
 * JavaScript (prepareValue, two regex replaces per string, local-time formatting per Date): the
 * largest part of what an audit row costs the main thread on PostgreSQL beyond SQLite (issue #15).
 * `JSON.stringify` of the batch runs natively; dates travel as epoch milliseconds (no formatting),
 * and the server reads the rows back with `jsonb_array_elements` before it takes the append lock.
 *
 * Exactness: each element is what {@link pushAuditUnlinkedValues} gives the other append (dates as
 * milliseconds), so the stored columns are the same values either way. A batch the JSON form cannot
 * carry exactly gets `undefined`, and the store binds it the old way instead:
 * - a date outside ±2^53 µs (years ≈ 1685–2255): the server turns milliseconds into a timestamp
 *   through a double, exact only there;
 * - a non-finite number (JSON has none: NaN would arrive as null);
 * - `\u0000` or a lone surrogate in a string: jsonb refuses both, while the array form stores what
 *   the driver's UTF-8 encoding makes of them.
 */
import type { UnlinkedAuditRow } from './audit-chain-in-store.js';
import { pushAuditUnlinkedValues } from './store-rows.js';

/** The largest |milliseconds| whose microsecond count a double holds exactly. */
const EXACT_MS = Math.floor(Number.MAX_SAFE_INTEGER / 1000);

const epochMs = (d: Date): number => d.getTime();

/** Whether `ms` (a date as epoch milliseconds, or null) survives the server's conversion exactly. */
const exactTime = (ms: unknown): boolean => ms === null || (typeof ms === 'number' && Math.abs(ms) <= EXACT_MS);

/** Positions in a batch element: the prefix, then {@link pushAuditUnlinkedValues} order shifted by one. */
const AT = 2;
const STATUS = 9;
const DURATION = 10;
const APPROVAL_AT = 22;

/**
 * `[[prefix, id, atMs, caller, …, approvalAtMs], …]` for `rows` and their canonical prefixes, or
 * undefined when the batch must be bound as arrays (see the file header).
 */
export function auditBatchJson(rows: readonly UnlinkedAuditRow[], prefixes: readonly string[]): string | undefined {
  const batch: unknown[][] = new Array<unknown[]>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const values: unknown[] = [prefixes[i]];
    pushAuditUnlinkedValues(values, rows[i]!, epochMs);
    const status = values[STATUS];
    if (
      !exactTime(values[AT]) ||
      !exactTime(values[APPROVAL_AT]) ||
      !Number.isFinite(values[DURATION]) ||
      (status !== null && !Number.isFinite(status))
    ) {
      return undefined;
    }
    batch[i] = values;
  }
  const json = JSON.stringify(batch);
  // JSON.stringify writes U+0000 as \u0000 and a lone surrogate as \udXXX; a backslash in the
  // text is doubled, so `\\ud` only matches here as a harmless false positive (the array form).
  return json.includes('\\u0000') || json.includes('\\ud') ? undefined : json;
}
