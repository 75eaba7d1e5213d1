/** Small crypto helpers of the auth server. Internal: never exported from the package. */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** SHA-256 of `value`, base64url. Store keys for codes and tokens are these hashes, never the raw values. */
export function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

/** A random opaque token with a readable prefix (`alt_rt_…`): 32 bytes of entropy. */
export function randomToken(prefix: string, bytes = 32): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}

/** The characters of base64url: every hash ({@link sha256}), token and id ({@link randomId}) these helpers make. */
export const BASE64URL_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A random id (not a secret): 16 bytes, base64url. */
export function randomId(): string {
  return randomBytes(16).toString('base64url');
}

/** Constant-time comparison of two strings (false when the lengths differ). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** HMAC-SHA256 of `value` under `key`, base64url (cookie and CSRF signatures). */
export function hmac(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('base64url');
}

/** `value.signature`, verifiable with {@link unsign}. */
export function sign(key: Buffer, value: string): string {
  return `${value}.${hmac(key, value)}`;
}

/** The value of a {@link sign}ed string, or undefined when the signature does not match. */
export function unsign(key: Buffer, signed: string): string | undefined {
  const dot = signed.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const value = signed.slice(0, dot);
  return safeEqual(hmac(key, value), signed.slice(dot + 1)) ? value : undefined;
}
