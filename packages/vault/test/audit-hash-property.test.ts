/**
 * The faster canonical JSON and one-shot SHA-256 of src/audit-hash.ts (issue #15) against the code
 * they replaced (test/support/audit-hash-reference.ts): byte-identical JSON and equal hashes for
 * any row — unicode, lone surrogates, control characters, nulls, rows with and without the
 * decision / policyRule / approval fields, dates in the same second or not, extended years; rows
 * like real ones (the hand-written fast path) with adversarial characters spliced in, and values
 * of unexpected types (the JSON.stringify fallback).
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  auditHash,
  auditHashOfPrefix,
  auditHashWith,
  canonicalAuditJson,
  canonicalAuditPrefix,
  GENESIS_HASH,
  recomputeHash,
} from '../src/audit-hash.js';
import type { AuditInput } from '../src/grant-store.js';
import { hashableAuditBatch } from '../src/internal/hashable-audit-batch.js';
import { linkAuditRows } from '../src/internal/link-audit-rows.js';
import { jsonStringList } from '../src/internal/plain-json.js';
import { toJsonList } from '../src/internal/store-rows.js';
import { referenceAuditHash, referenceCanonicalAuditJson, referenceCanonicalAuditPrefix } from './support/audit-hash-reference.js';

type Unhashed = Omit<AuditInput, 'hash' | 'prevHash'>;

// Any UTF-16 code units, lone surrogates included, and full code points.
const text = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
);
const nullableText = fc.option(text, { nil: null });
// Valid Date range (±8.64e15 ms): extended years (+275760, -000001) and ms near whole seconds.
const date = fc.oneof(
  fc.integer({ min: -8_640_000_000_000_000, max: 8_640_000_000_000_000 }).map((ms) => new Date(ms)),
  fc.integer({ min: 1_700_000_000_000, max: 1_700_000_005_000 }).map((ms) => new Date(ms)),
  fc.integer({ min: -62_198_755_200_000, max: -62_198_755_195_000 }).map((ms) => new Date(ms)),
);
const number = fc.oneof(fc.double(), fc.integer(), fc.constant(-0));
/** A field that may be absent, undefined, null or set. */
const optional = <T>(value: fc.Arbitrary<T>): fc.Arbitrary<T | null | undefined | typeof ABSENT> =>
  fc.oneof(fc.constant(ABSENT), fc.constant(undefined), fc.constant(null), value);
const ABSENT = Symbol('absent');

const row: fc.Arbitrary<Unhashed> = fc
  .record({
    id: text,
    at: date,
    caller: text,
    user: text,
    provider: text,
    account: text,
    method: text,
    url: text,
    status: fc.option(fc.integer(), { nil: null }),
    durationMs: number,
    tool: nullableText,
    parentTool: nullableText,
    chain: fc.array(text, { maxLength: 4 }).chain((c) => fc.constantFrom(c, Object.freeze([...c]))),
    callId: nullableText,
    reason: nullableText,
    errorCode: nullableText,
    decision: optional(fc.constantFrom('allow' as const, 'deny' as const)),
    policyRule: optional(text),
    approval: optional(fc.constantFrom('approved' as const, 'declined' as const)),
    approvalBy: optional(text),
    approvalVia: optional(text),
    approvalAt: optional(date),
  })
  .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== ABSENT)) as unknown as Unhashed);
const prevHash = fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), text);

// Strings like real rows' (which take the hand-written fast path), some with one character that
// JSON escapes — or that looks like it might and must not be — spliced in: quotes, backslashes,
// control characters, lone and paired surrogates, U+2028/U+2029, non-BMP, non-ASCII.
const ADVERSARIAL = [
  '"',
  '\\',
  '\\"',
  '\u0000',
  '\u0008',
  '\t',
  '\n',
  '\r',
  '\u001f',
  ' ',
  '\u007f',
  '\u0080',
  'é',
  '\u2028',
  '\u2029',
  '\ud800',
  '\udbff',
  '\udc00',
  '\udfff',
  '\udc00\ud800',
  '😀',
  '\u{10ffff}',
  '\ufeff',
  '\uffff',
  '</script>',
  "'",
  '/',
];
const plain = fc.string({ unit: fc.constantFrom(...'abcxyzABC019-_.:/?=&%@+~ '.split('')), maxLength: 40 });
const realisticText = fc.oneof(
  { weight: 3, arbitrary: plain },
  { weight: 2, arbitrary: fc.tuple(plain, fc.constantFrom(...ADVERSARIAL), plain).map(([a, b, c]) => `${a}${b}${c}`) },
);
const realisticRow: fc.Arbitrary<Unhashed> = fc
  .record({
    id: realisticText,
    at: date,
    caller: realisticText,
    user: realisticText,
    provider: realisticText,
    account: realisticText,
    method: realisticText,
    url: realisticText,
    status: fc.option(fc.oneof(fc.integer({ min: 100, max: 599 }), number), { nil: null }),
    durationMs: number,
    tool: fc.option(realisticText, { nil: null }),
    parentTool: fc.option(realisticText, { nil: null }),
    chain: fc.array(realisticText, { maxLength: 4 }).chain((c) => fc.constantFrom(c, Object.freeze([...c]))),
    callId: fc.option(realisticText, { nil: null }),
    reason: fc.option(realisticText, { nil: null }),
    errorCode: fc.option(realisticText, { nil: null }),
    decision: optional(fc.constantFrom('allow' as const, 'deny' as const)),
    policyRule: optional(realisticText),
    approval: optional(fc.constantFrom('approved' as const, 'declined' as const)),
    approvalBy: optional(realisticText),
    approvalVia: optional(realisticText),
    approvalAt: optional(date),
  })
  .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== ABSENT)) as unknown as Unhashed);

describe('audit hash against the reference implementation', () => {
  it('gives byte-identical canonical JSON and the same hash for any row', () => {
    fc.assert(
      fc.property(row, prevHash, (r, prev) => {
        const expectedJson = referenceCanonicalAuditJson(r, prev);
        const expectedHash = referenceAuditHash(r, prev);
        expect(canonicalAuditPrefix(r)).toBe(referenceCanonicalAuditPrefix(r));
        expect(canonicalAuditJson({ ...r, prevHash: prev })).toBe(expectedJson);
        expect(auditHashOfPrefix(canonicalAuditPrefix(r), prev)).toBe(expectedHash);
        expect(auditHashWith(r, prev)).toBe(expectedHash);
        expect(auditHash({ ...r, prevHash: prev })).toBe(expectedHash);
      }),
      { numRuns: 2_000 },
    );
  });

  it('gives byte-identical canonical JSON for rows like real ones, with adversarial characters spliced in', () => {
    fc.assert(
      fc.property(realisticRow, prevHash, (r, prev) => {
        expect(canonicalAuditPrefix(r)).toBe(referenceCanonicalAuditPrefix(r));
        expect(canonicalAuditJson({ ...r, prevHash: prev })).toBe(referenceCanonicalAuditJson(r, prev));
        expect(auditHashOfPrefix(canonicalAuditPrefix(r), prev)).toBe(referenceAuditHash(r, prev));
      }),
      { numRuns: 5_000 },
    );
  });

  it('gives byte-identical canonical JSON for each adversarial character in each string field', () => {
    const base = fc.sample(realisticRow, { numRuns: 1, seed: 7 })[0]!;
    const clean: Unhashed = {
      ...base,
      id: 'id',
      caller: 'c',
      user: 'u',
      provider: 'p',
      account: 'a',
      method: 'GET',
      url: 'https://x/y',
      tool: 't',
      parentTool: 'pt',
      chain: ['t'],
      callId: 'ci',
      reason: 'r',
      errorCode: 'e',
      decision: 'allow',
      policyRule: 'rule',
      approval: 'approved',
      approvalBy: 'by',
      approvalVia: 'via',
      approvalAt: new Date(1_700_000_000_000),
    };
    const fields = ['id', 'caller', 'user', 'provider', 'account', 'method', 'url', 'tool', 'parentTool', 'callId', 'reason', 'errorCode'];
    for (const char of ADVERSARIAL) {
      const variants: Unhashed[] = [
        ...fields.map((field) => ({ ...clean, [field]: `x${char}y` })),
        ...['policyRule', 'approvalBy', 'approvalVia'].map((field) => ({ ...clean, [field]: char })),
        { ...clean, chain: ['t', `${char}`] },
      ];
      for (const v of variants) {
        expect(canonicalAuditPrefix(v)).toBe(referenceCanonicalAuditPrefix(v));
        expect(auditHashWith(v, GENESIS_HASH)).toBe(referenceAuditHash(v, GENESIS_HASH));
      }
    }
    expect(canonicalAuditPrefix(clean)).toBe(referenceCanonicalAuditPrefix(clean));
    expect(auditHashOfPrefix(canonicalAuditPrefix(clean), `a"b\\c`)).toBe(referenceAuditHash(clean, `a"b\\c`));
  });

  it('gives byte-identical canonical JSON for values of unexpected types (JavaScript callers)', () => {
    const base = fc.sample(realisticRow, { numRuns: 1, seed: 3 })[0]!;
    const odd: unknown[] = [1, 1.5, true, {}, { toJSON: () => 'x' }, [1], Number.NaN, Number.POSITIVE_INFINITY, undefined, null, -0];
    const withToJson = Object.assign(['t'], { toJSON: () => 'chain' });
    const fields = ['id', 'caller', 'user', 'status', 'durationMs', 'tool', 'callId', 'errorCode', 'decision', 'policyRule', 'approvalBy'];
    for (const value of odd) {
      for (const field of fields) {
        const v = { ...base, approval: 'approved', [field]: value } as unknown as Unhashed;
        expect(canonicalAuditPrefix(v)).toBe(referenceCanonicalAuditPrefix(v));
      }
      const chained = { ...base, chain: ['a', value] } as unknown as Unhashed;
      expect(canonicalAuditPrefix(chained)).toBe(referenceCanonicalAuditPrefix(chained));
    }
    const custom = { ...base, chain: withToJson } as unknown as Unhashed;
    expect(canonicalAuditPrefix(custom)).toBe(referenceCanonicalAuditPrefix(custom));
  });

  it('stores a chain as the same JSON as before (jsonStringList against toJsonList)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(realisticText, text), { maxLength: 5 }), (list) => {
        expect(jsonStringList(list)).toBe(toJsonList(list));
        expect(jsonStringList(Object.freeze([...list]))).toBe(toJsonList(Object.freeze([...list])));
      }),
      { numRuns: 2_000 },
    );
    const odd: unknown[] = [['a', 1], ['a', undefined], ['a', null], Object.assign(['a'], { toJSON: () => 'x' }), new Set(['a', 'b'])];
    for (const list of odd) expect(jsonStringList(list as string[])).toBe(toJsonList(list as string[]));
  });

  it('formats the dates of a batch like toISOString, whichever second came before', () => {
    // The ISO second is reused between rows: interleave dates of the same and of other seconds.
    fc.assert(
      fc.property(fc.array(fc.tuple(row, date), { minLength: 1, maxLength: 20 }), (rows) => {
        for (const [r, at] of rows) {
          const dated = { ...r, at };
          expect(canonicalAuditPrefix(dated)).toBe(referenceCanonicalAuditPrefix(dated));
        }
      }),
    );
  });

  it('refuses an invalid date as toISOString does, also right after a valid one', () => {
    const valid = { ...fc.sample(row, { numRuns: 1, seed: 1 })[0]!, at: new Date(1_700_000_000_123) };
    canonicalAuditPrefix(valid);
    expect(() => canonicalAuditPrefix({ ...valid, at: new Date(Number.NaN) })).toThrow(RangeError);
    expect(() => referenceCanonicalAuditPrefix({ ...valid, at: new Date(Number.NaN) })).toThrow(RangeError);
  });

  it('links a batch into the chain like the reference, and the stored rows verify', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 8 }), prevHash, (batch, tail) => {
        const linked = linkAuditRows(
          batch,
          batch.map((r) => canonicalAuditPrefix(r)),
          tail,
        );
        let prev = tail;
        linked.forEach((input, i) => {
          const expected = referenceAuditHash(batch[i]!, prev);
          expect(input).toEqual({ ...batch[i], prevHash: prev, hash: expected });
          // The same own properties, in the same order, as `{ ...row, prevHash, hash }` (a store may
          // serialize the object as it is).
          expect(Object.keys(input)).toEqual(Object.keys({ ...batch[i], prevHash: prev, hash: expected }));
          expect(recomputeHash({ ...input, seq: i + 1 })).toBe(expected);
          prev = expected;
        });
      }),
      { numRuns: 300 },
    );
  });

  it('serializes a batch as it is stored: every string well-formed, each prefix the reference of the stored row', () => {
    // The reference of "as stored": SQLite and PostgreSQL keep UTF-8, so a lone surrogate becomes
    // U+FFFD; PostgreSQL refuses U+0000, which every store keeps as U+FFFD too.
    const wellFormed = (v: unknown): unknown =>
      typeof v === 'string'
        ? (v as string & { toWellFormed(): string }).toWellFormed().replaceAll('\u0000', '\ufffd')
        : Array.isArray(v)
          ? v.map(wellFormed)
          : v;
    const stored = (r: Unhashed): Unhashed =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, wellFormed(v)])) as unknown as Unhashed;
    fc.assert(
      fc.property(fc.array(fc.oneof(row, realisticRow), { minLength: 1, maxLength: 8 }), (batch) => {
        const { rows, prefixes } = hashableAuditBatch(batch);
        expect(rows).toHaveLength(batch.length);
        rows.forEach((r, i) => {
          expect(r).toEqual(stored(batch[i]!));
          // A row already as stored is passed on as it is (no copy).
          if (JSON.stringify(stored(batch[i]!)) === JSON.stringify(batch[i])) expect(r).toBe(batch[i]);
          expect(prefixes[i]).toBe(referenceCanonicalAuditPrefix(stored(batch[i]!)));
        });
      }),
      { numRuns: 500 },
    );
  });

  it('makes stored-only fields well-formed too: approvalBy and approvalVia without an approval', () => {
    // Hashed only with an approval, but stored whatever: a plain-looking prefix must not skip them.
    const base: Unhashed = {
      id: 'row-1',
      at: new Date(1_700_000_000_000),
      caller: 'svc',
      user: 'alice',
      provider: 'acme',
      account: '',
      method: 'GET',
      url: 'https://api.acme.test/items/1',
      status: 200,
      durationMs: 1.5,
      tool: null,
      parentTool: null,
      chain: [],
      callId: null,
      reason: null,
      errorCode: null,
    };
    for (const field of ['approvalBy', 'approvalVia'] as const) {
      const r = { ...base, [field]: 'by \ud800 someone' };
      const { rows, prefixes } = hashableAuditBatch([r]);
      expect(rows[0]?.[field]).toBe('by \ufffd someone');
      expect(prefixes[0]).toBe(referenceCanonicalAuditPrefix(rows[0]!));
    }
  });
});
