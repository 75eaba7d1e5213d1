/** Argument checks for public functions; each failure names the argument. */
import { InvalidArgumentError } from '../errors.js';
import { nearestName } from './nearest-name.js';
import { isStorableText } from './storable-text.js';

export function requireNonEmptyString(value: unknown, argument: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidArgumentError(argument, `expected a non-empty string, got ${describeType(value)}`);
  }
  return value;
}

/**
 * A user, account, provider or record id: what grants, Connect sessions and approvals are keyed
 * by. Refused when the stores could not keep it exactly as given (storable-text.ts): PostgreSQL
 * matched `"eve\ud800"` to the grants of `"eve\ufffd"`, and refused U+0000 where SQLite kept it.
 * One id must never name another's grants, nor behave differently on another store.
 */
export function requireIdentifier(value: unknown, argument: string): string {
  if (isIdentifier(value)) return value;
  // Not an id: the checks below name what is wrong with it.
  return requireStorable(requireNonEmptyString(value, argument), argument);
}

/** The rule of {@link requireIdentifier} as a predicate: a non-blank string the stores keep as given. */
export function isIdentifier(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && isStorableText(value);
}

/** {@link requireIdentifier} for an optional id (an account, a filter); undefined passes. */
export function optionalIdentifier(value: unknown, argument: string): string | undefined {
  const s = optionalString(value, argument);
  return s === undefined ? undefined : requireStorable(s, argument);
}

function requireStorable(value: string, argument: string): string {
  if (!isStorableText(value)) {
    throw new InvalidArgumentError(
      argument,
      'expected an id without U+0000 or an unpaired UTF-16 surrogate: the stores keep UTF-8 text, which cannot hold it as given; pass the id as well-formed text',
    );
  }
  return value;
}

export function optionalString(value: unknown, argument: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidArgumentError(argument, `expected a string, got ${describeType(value)}`);
  return value;
}

export function requireObject(value: unknown, argument: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgumentError(argument, `expected an object, got ${describeType(value)}`);
  }
  return value as Record<string, unknown>;
}

/**
 * An options object whose keys are all in `known`: a misspelt key (`baseURL` for `baseUrl`, `path`
 * for `filename`) would otherwise be ignored and the default used silently — for a store, a
 * different database. `aliases` names the option a common wrong name stands for; otherwise the
 * hint is the nearest known key by edit distance, case ignored (`baseURL` → `baseUrl`).
 */
export function requireKnownKeys(
  value: unknown,
  known: readonly string[],
  argument: string,
  aliases: Readonly<Record<string, string>> = {},
): Record<string, unknown> {
  const o = requireObject(value, argument);
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) {
      const near = (Object.hasOwn(aliases, key) ? aliases[key] : undefined) ?? nearestIgnoringCase(key, known);
      const expected = known.length <= 2 ? known.join(' or ') : `one of ${known.join(', ')}`;
      throw new InvalidArgumentError(`${argument}.${key}`, `unknown option${near ? ` (did you mean ${near}?)` : ''}; expected ${expected}`);
    }
  }
  return o;
}

/** {@link nearestName} with case ignored: `baseURL` → `baseUrl` (distance 0), `sessionTTL` → `sessionTtlSec`. */
function nearestIgnoringCase(name: string, known: readonly string[]): string | undefined {
  const near = nearestName(
    name.toLowerCase(),
    known.map((k) => k.toLowerCase()),
  );
  return near === undefined ? undefined : known.find((k) => k.toLowerCase() === near);
}

export function stringArray(value: unknown, argument: string): string[] {
  if (!Array.isArray(value) || value.some((s) => typeof s !== 'string' || s === '')) {
    throw new InvalidArgumentError(argument, 'expected an array of non-empty strings');
  }
  return [...(value as string[])];
}

export function optionalDate(value: unknown, argument: string): Date | null | undefined {
  if (value === undefined || value === null) return value;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new InvalidArgumentError(argument, `expected a valid Date or null, got ${describeType(value)}`);
  }
  return value;
}

export function optionalPositiveInt(value: unknown, argument: string): number | undefined {
  if (value === undefined) return undefined;
  // A safe integer: a count or a row limit beyond 2^53 is no exact number, and the stores refused
  // one past 2^63 with a database error (SQLite: datatype mismatch; PostgreSQL: bigint out of range).
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidArgumentError(
      argument,
      typeof value === 'number'
        ? 'expected a positive whole number (at most 2^53 - 1)'
        : `expected a positive whole number, got ${describeType(value)}`,
    );
  }
  return value;
}

/** The longest delay a Node timer runs: 2^31 - 1 ms (about 24.8 days). */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * A duration in milliseconds that a timer enforces: a positive whole number up to
 * {@link MAX_TIMER_MS}. Node runs a longer timer after 1 ms, so `timeoutMs: 3e9` ("35 days")
 * timed every request out at once, as a RequestTimeoutError that blamed the provider.
 */
export function optionalDurationMs(value: unknown, argument: string): number | undefined {
  const ms = optionalPositiveInt(value, argument);
  if (ms !== undefined && ms > MAX_TIMER_MS) {
    throw new InvalidArgumentError(
      argument,
      `expected at most ${MAX_TIMER_MS} ms (about 24.8 days, the longest timer Node runs; a longer one would fire at once)`,
    );
  }
  return ms;
}

/** Describes a value's type without showing the value (it might be a secret). */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a Date';
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  return typeof value;
}
