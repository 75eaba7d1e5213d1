/**
 * The assertions of the store contracts, runner-agnostic. Two things `node:assert` lacks:
 * "these fields equal, ignore the rest" (Jest's `toMatchObject`), and equality across realms —
 * Jest runs test files in a vm context, so an array a driver built in Node's realm and an array
 * literal of the test differ in prototype and `assert.deepStrictEqual` calls them unequal. Values
 * are rebuilt in this realm (arrays, dates, plain records) before they are compared.
 */
import assert from 'node:assert/strict';

const tag = (value: unknown) => Object.prototype.toString.call(value);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || tag(value) !== '[object Object]') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** `value` rebuilt in this realm: arrays, dates and plain records recursively; anything else as is. */
function sameRealm(value: unknown): unknown {
  if (Array.isArray(value)) return Array.from(value, sameRealm);
  if (tag(value) === '[object Date]') return new Date((value as Date).getTime());
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sameRealm(v)]));
  return value;
}

/** True for a Date of any realm. */
export function isDate(value: unknown): value is Date {
  return tag(value) === '[object Date]';
}

/** `assert.deepStrictEqual` that ignores which realm built the arrays, dates and records. */
export function assertEqual(actual: unknown, expected: unknown, message = 'values differ'): void {
  assert.deepStrictEqual(sameRealm(actual), sameRealm(expected), message);
}

/** Asserts that every field of `expected` equals the same field of `actual` (recursively for plain objects). */
export function assertFields(actual: unknown, expected: Record<string, unknown>, where = 'value'): void {
  assert.ok(typeof actual === 'object' && actual !== null, `${where}: expected an object, got ${String(actual)}`);
  const record = actual as Record<string, unknown>;
  for (const [key, want] of Object.entries(expected)) {
    if (isPlainObject(want)) assertFields(record[key], want, `${where}.${key}`);
    else assertEqual(record[key], want, `${where}.${key}`);
  }
}

/** Asserts that `promise` rejects with an error whose fields include `expected` (e.g. `{ code }`). */
export async function assertRejectsWith(promise: Promise<unknown>, expected: Record<string, unknown>, where: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assertFields(err, expected, where);
    return true;
  });
}
