/**
 * Binding a Connect session to ONE browser — the single place that decides whether a request
 * comes from the browser a session belongs to.
 *
 * A session is bound by a random secret the browser holds in an HttpOnly, SameSite=Lax cookie
 * (`alter_connect_<id prefix>`, path `<base>/connect/`); the session record keeps only its
 * SHA-256. The secret reaches the browser in one of two ways:
 *
 *   - `bind: 'cookie'`: the app that created the session (the auth server, at consent) sends the
 *     cookie on the response that redirects the consenting browser to the link. A forwarded link
 *     (or a forwarded provider URL) lacks it in any other browser.
 *   - `bind: 'confirm'`: opening the link shows an interstitial; its GET gives the browser a fresh
 *     secret, and the confirming POST (CSRF token derived from that secret) binds the session to it.
 *
 * The cookie is checked constant-time at `GET /connect/:id` and at the provider callback, so a
 * code that comes back to another browser is never exchanged. A token in the URL would not do: a
 * phisher forwards the URL, never the cookie.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BrowserUserCheck } from './connect-http-handler.js';
import type { ConnectSessionRecord } from './connect-session-record.js';

const SECRET_BYTES = 32;
/** Enough of the (random) session id to keep concurrent sessions' cookies apart. */
const NAME_ID_CHARS = 16;

/** The cookie that carries a session's browser secret. */
export function bindingCookieName(sessionId: string): string {
  return `alter_connect_${sessionId.slice(0, NAME_ID_CHARS)}`;
}

/** A fresh browser secret (256 bits, base64url). */
export function newBrowserSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

/** What the record stores: the secret's SHA-256 (hex). */
export function bindingHash(secret: string): string {
  return createHash('sha256').update(`alter-connect-binding\n${secret}`).digest('hex');
}

/**
 * The `Set-Cookie` value for a session's secret: HttpOnly, SameSite=Lax (sent on the provider's
 * top-level redirect back, never on a cross-site POST), scoped to Connect's paths, living as long
 * as the session. `Secure` when the base URL is https.
 */
export function bindingSetCookie(sessionId: string, secret: string, baseUrl: string, maxAgeSec: number): string {
  const base = new URL(baseUrl);
  const path = `${base.pathname.replace(/\/+$/, '')}/connect/`;
  const parts = [
    `${bindingCookieName(sessionId)}=${secret}`,
    `Path=${path}`,
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${Math.max(1, Math.ceil(maxAgeSec))}`,
  ];
  if (base.protocol === 'https:') parts.push('Secure');
  return parts.join('; ');
}

/** The browser secret for `sessionId` that this request carries, if any. */
export function readBrowserSecret(req: Pick<IncomingMessage, 'headers'>, sessionId: string): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string' || header === '') return undefined;
  const name = bindingCookieName(sessionId);
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    // Only a well-formed secret counts; anything else is as good as no cookie.
    if (/^[A-Za-z0-9_-]{43}$/.test(value)) return value;
  }
  return undefined;
}

/**
 * The secret an interstitial binds with: the one this browser already holds for `sessionId`, or a
 * fresh one sent as the cookie on `res` (living `maxAgeSec`, as long as the link's record, so the
 * bound browser still sees "expired" later).
 */
export function ensureBrowserSecret(
  res: Pick<ServerResponse, 'setHeader'>,
  sessionId: string,
  existing: string | undefined,
  baseUrl: string,
  maxAgeSec: number,
): string {
  if (existing !== undefined) return existing;
  const secret = newBrowserSecret();
  res.setHeader('set-cookie', bindingSetCookie(sessionId, secret, baseUrl, maxAgeSec));
  return secret;
}

/**
 * With a signed-in-user hook installed (`vault.connect.useBrowserUser`) that vouches for `user`,
 * a link for `user` opens only in a browser signed in as `user`. Undefined when the request may
 * go on; otherwise whether the browser was signed in at all (as someone else), for the log.
 */
export async function browserUserRefusal(
  check: BrowserUserCheck | undefined,
  req: IncomingMessage,
  user: string,
): Promise<{ readonly signedIn: boolean } | undefined> {
  if (check === undefined || !check.appliesTo(user)) return undefined;
  const signedIn = await check.hook(req);
  if (typeof signedIn === 'string' && sameText(signedIn, user)) return undefined;
  return { signedIn: signedIn !== undefined };
}

/** True when `secret` is the one the session is bound to (constant-time on the hashes). */
export function isBoundBrowser(record: Pick<ConnectSessionRecord, 'binding'>, secret: string | undefined): boolean {
  if (record.binding === undefined || secret === undefined) return false;
  return sameText(record.binding, bindingHash(secret));
}

/**
 * The interstitial's CSRF token: derived from the session and this browser's secret, so only a
 * page served to this browser can produce it (the secret is HttpOnly; a cross-site form cannot
 * read it, and SameSite=Lax keeps the cookie off a cross-site POST anyway).
 */
export function confirmToken(sessionId: string, secret: string): string {
  return createHash('sha256').update(`alter-connect-confirm\n${sessionId}\n${secret}`).digest('base64url');
}

/** Constant-time check of a submitted interstitial token. */
export function isValidConfirmToken(sessionId: string, secret: string | undefined, token: unknown): boolean {
  if (secret === undefined || typeof token !== 'string') return false;
  const expected = Buffer.from(confirmToken(sessionId, secret));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Constant-time equality of two strings (hashes, or user ids). */
function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
