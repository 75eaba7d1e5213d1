/**
 * The digest a sealed request state binds a call's arguments with: SHA-256 over a canonical JSON
 * form, so the same arguments give the same digest whatever order the client wrote the keys in
 * (clients rebuild the retried request; they need not keep key order), and any changed value,
 * added or removed field gives another.
 */
import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth (arrays keep their order). Arguments arrive as
 * parsed JSON, so JSON's own rules (undefined fields dropped, no functions) are the right ones.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value ?? {}, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      // defineProperty, not assignment: a "__proto__" key stays an ordinary (hashed) field.
      Object.defineProperty(sorted, k, { value: (v as Record<string, unknown>)[k], enumerable: true, writable: true, configurable: true });
    }
    return sorted;
  });
}

/** base64url SHA-256 of the canonical JSON of `args`. */
export function argumentsDigest(args: unknown): string {
  return createHash('sha256').update(canonicalJson(args), 'utf8').digest('base64url');
}
