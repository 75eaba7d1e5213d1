/**
 * A batch of unlinked audit rows as ONE text, the single parameter of the PostgreSQL store's
 * chained append (postgres-grant-store.ts, `appendBatchSql`): the rows' canonical prefixes joined
 * by `\n`, from which the server reads every column.
 *
 * Why: bound as 22 column arrays plus the prefixes, the `pg` driver serializes every element in
 * JavaScript (prepareValue, two regex replaces per string, local-time formatting per Date). A JSON
 * batch of `[prefix, ...values]` per row (docs/performance.md, "The batch as one JSON parameter")
 * moved that into one native `JSON.stringify`, which still escaped every prefix again (≈ 14 k
 * instructions per call, callgrind) and wrote each value a second time. A prefix already holds the
 * row: it IS the JSON array of id, at (ISO), caller, …, errorCode, then decision, policyRule,
 * approval, approvalBy, approvalVia, approvalAt when set (audit-hash.ts), and it never holds a raw
 * `\n` (JSON escapes every control character). So the batch is the prefixes alone, and the server
 * parses `prefix || 'null]'` (the JSON of the row with a null prevHash) once per row.
 *
 * Exactness: the server reads back exactly the values the array form stores (test:
 * audit-pg-append-batch.test.ts). A batch holding a row the prefix cannot carry exactly gets
 * `undefined`, and the store binds it as arrays instead:
 * - a date outside the years 1000–9999: the prefix writes it as toISOString() does, and only a
 *   four-digit year is the plain ISO 8601 PostgreSQL reads as is (`+010000-…` is not);
 * - a non-finite number, or a status or duration of another type: JSON writes NaN as null;
 * - approvalBy, approvalVia or approvalAt without an approval: stored, but hashed (so in the
 *   prefix) only with one;
 * - a chain that is not an array: stored as the JSON of its elements, hashed as JSON.stringify
 *   writes the value itself;
 * - `\u0000` or a lone surrogate in a string: jsonb refuses both, while the array form stores what
 *   the driver's UTF-8 encoding makes of them.
 */
import type { UnlinkedAuditRow } from './audit-chain-in-store.js';

/** 1000-01-01T00:00:00.000Z and 10000-01-01T00:00:00.000Z: the dates toISOString writes with four digits of year. */
const FOUR_DIGIT_YEARS_FROM = Date.UTC(1000, 0, 1);
const FOUR_DIGIT_YEARS_UNTIL = Date.UTC(10_000, 0, 1);

/** Whether the prefix writes `date` as ISO 8601 that PostgreSQL reads back to the same instant. */
const plainIsoDate = (date: Date): boolean => {
  const ms = date.getTime();
  return ms >= FOUR_DIGIT_YEARS_FROM && ms < FOUR_DIGIT_YEARS_UNTIL;
};

/** Whether a number column's value is written in the prefix as the number itself (or null). */
const exactNumber = (value: unknown): boolean => (typeof value === 'number' ? Number.isFinite(value) : value == null);

/** Whether every stored value of `row` can be read back from its prefix (see the file header). */
function carriedByPrefix(row: UnlinkedAuditRow): boolean {
  if (!plainIsoDate(row.at) || !exactNumber(row.status) || !exactNumber(row.durationMs) || !Array.isArray(row.chain)) return false;
  if (row.approval == null) return row.approvalBy == null && row.approvalVia == null && row.approvalAt == null;
  return row.approvalAt == null || plainIsoDate(row.approvalAt);
}

/**
 * The prefixes of `rows` (same order, each from canonicalAuditPrefix) joined by `\n`, or undefined
 * when the batch must be bound as arrays (see the file header).
 */
export function auditBatchText(rows: readonly UnlinkedAuditRow[], prefixes: readonly string[]): string | undefined {
  for (let i = 0; i < rows.length; i++) {
    if (!carriedByPrefix(rows[i]!)) return undefined;
  }
  const text = prefixes.join('\n');
  // JSON writes U+0000 as \u0000 and a lone surrogate as \udXXX; a backslash in the text is
  // doubled, so `\\ud` only matches here as a harmless false positive (the array form).
  return text.includes('\\u0000') || text.includes('\\ud') ? undefined : text;
}
