/** Parsing of the `--since` option. */
import { UsageError } from './cli-error.js';

const UNITS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Reads `--since`: an ISO 8601 date or date-time (`2026-11-01`, `2026-11-01T08:00:00Z`) or a
 * duration back from `now` (`30m`, `24h`, `7d`, `2w`).
 *
 * @throws UsageError naming the option when the value is neither.
 * @example
 * parseSince('24h', new Date('2026-11-02T00:00:00Z')); // 2026-11-01T00:00:00.000Z
 */
export function parseSince(value: string, now: Date, option = '--since'): Date {
  const rel = /^(\d+)\s*([smhdw])$/.exec(value.trim());
  if (rel) return new Date(now.getTime() - Number(rel[1]) * UNITS[rel[2]!]!);
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) {
    const at = new Date(value.trim());
    if (!Number.isNaN(at.getTime())) return at;
  }
  throw new UsageError(`${option}: "${value}" is not a date (2026-11-01, 2026-11-01T08:00:00Z) or a duration (30m, 24h, 7d)`);
}
