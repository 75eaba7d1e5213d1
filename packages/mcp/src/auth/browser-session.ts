/**
 * What the auth server remembers about a browser, all in cookies it signs itself:
 * - the browser id (`alter_auth_browser`, random, 1 hour): consent, Connect and completion of one
 *   sign-in must happen in the browser that started it; the consent form's CSRF token is bound to it;
 * - remembered consent (`alter_auth_consent`): which (client, redirect URI) pairs this browser
 *   approved for which user, checked against the stored consent record too (which holds the scopes
 *   that user approved: a request asking for more shows the page);
 * - the signed-in user (`alter_auth_user`, `signedInSec`): set by a completed sign-in; Connect
 *   asks for it before a tool's Connect link may attach anything to that user.
 * Every cookie is HttpOnly, SameSite=Lax, and `__Host-`/Secure on https.
 */
import type { IncomingMessage } from 'node:http';
import type { Request, Response } from 'express';
import { AuthRecords, type ConsentRecord } from './auth-records.js';
import type { ResolvedAuthProviderOptions, ResolvedUrls } from './auth-provider-options.js';
import { cookieName, readCookie, setCookie } from './consent-page.js';
import { hmac, randomToken, sha256, sign, unsign } from './internal/crypto.js';
import type { SigningKey } from './signing-key.js';

const BROWSER_COOKIE_SEC = 60 * 60;
/** Most (client, redirect URI) approvals one browser's consent cookie lists (newest kept). */
const MAX_REMEMBERED = 20;

export interface BrowserSessionDeps {
  readonly records: AuthRecords;
  readonly options: ResolvedAuthProviderOptions;
  urls(): ResolvedUrls;
  signingKey(): Promise<SigningKey>;
}

/** The auth server's browser cookies. */
export class BrowserSession {
  readonly #deps: BrowserSessionDeps;

  constructor(deps: BrowserSessionDeps) {
    this.#deps = deps;
  }

  /** This browser's id, set as a cookie on `res` when it has none yet. */
  ensureBrowserId(req: Request, res: Response): string {
    const current = readCookie(req, this.#cookie('browser'));
    if (current && current.length >= 32) return current;
    const browser = randomToken('', 24);
    setCookie(res, this.#cookie('browser'), browser, { secure: this.#deps.urls().secure, maxAgeSec: BROWSER_COOKIE_SEC });
    return browser;
  }

  /** The hash of this browser's id as stored with a pending request, or undefined without the cookie. */
  browserHash(req: Pick<Request, 'headers'>): string | undefined {
    const browser = readCookie(req, this.#cookie('browser'));
    return browser ? sha256(browser) : undefined;
  }

  /** The consent form's CSRF token: bound to the request and to this browser. */
  async csrfToken(requestId: string, browser: string): Promise<string> {
    return hmac((await this.#deps.signingKey()).cookieKey, `csrf.${requestId}.${browser}`);
  }

  /** The CSRF token this browser should have posted for `requestId`, or undefined without a browser cookie. */
  async expectedCsrf(req: Request, requestId: string): Promise<string | undefined> {
    const browser = readCookie(req, this.#cookie('browser'));
    return browser ? this.csrfToken(requestId, browser) : undefined;
  }

  /**
   * The user whose remembered approval covers this request, or undefined (show the consent page):
   * this browser approved `clientId` at `redirectUri` for that user, the stored consent is still
   * there, and it covers every scope asked for — a scope the user never approved is never granted
   * without the page. The caller binds the request to the returned user: the approval is theirs,
   * not that of whoever signs in at the provider next (see authorize-flow.ts `complete`).
   */
  async rememberedConsentUser(req: Request, clientId: string, redirectUri: string, scopes: readonly string[]): Promise<string | undefined> {
    if (this.#deps.options.rememberConsentSec === 0) return undefined;
    const remembered = this.#readConsent(req, await this.#deps.signingKey());
    if (!remembered?.c.includes(consentTag(clientId, redirectUri))) return undefined;
    const stored = await this.#deps.records.consents.get(AuthRecords.consentKey(remembered.u, clientId));
    if (!stored || stored.value.user !== remembered.u || stored.value.redirectUri !== redirectUri) return undefined;
    return consentCovers(stored.value, scopes) ? remembered.u : undefined;
  }

  /** Adds (client, redirect URI) to the approvals this browser remembers for `user`. */
  async rememberConsent(req: Request, res: Response, user: string, clientId: string, redirectUri: string): Promise<void> {
    const key = await this.#deps.signingKey();
    const current = this.#readConsent(req, key);
    const tag = consentTag(clientId, redirectUri);
    const others = current && current.u === user ? current.c.filter((t) => t !== tag) : [];
    const value = { u: user, c: [tag, ...others].slice(0, MAX_REMEMBERED) };
    setCookie(res, this.#cookie('consent'), sign(key.cookieKey, Buffer.from(JSON.stringify(value)).toString('base64url')), {
      secure: this.#deps.urls().secure,
      maxAgeSec: this.#deps.options.rememberConsentSec,
    });
  }

  /** Marks this browser as signed in as `user` (a signed, expiring cookie; see {@link signedInUser}). */
  async signIn(res: Response, user: string): Promise<void> {
    const key = await this.#deps.signingKey();
    const value = Buffer.from(JSON.stringify({ u: user, e: Date.now() + this.#deps.options.signedInSec * 1000 })).toString('base64url');
    setCookie(res, this.#cookie('user'), sign(key.cookieKey, value), {
      secure: this.#deps.urls().secure,
      maxAgeSec: this.#deps.options.signedInSec,
    });
  }

  /** The user this browser is signed in as, or undefined (no cookie, a bad signature, expired). */
  async signedInUser(req: Pick<IncomingMessage, 'headers'>): Promise<string | undefined> {
    const raw = readCookie(req, this.#cookie('user'));
    if (!raw) return undefined;
    const value = unsign((await this.#deps.signingKey()).cookieKey, raw);
    const parsed = value ? parseJson(value) : undefined;
    if (typeof parsed?.u !== 'string' || typeof parsed.e !== 'number' || parsed.e < Date.now()) return undefined;
    return parsed.u;
  }

  #readConsent(req: Request, key: SigningKey): { u: string; c: string[] } | undefined {
    const raw = readCookie(req, this.#cookie('consent'));
    const value = raw ? unsign(key.cookieKey, raw) : undefined;
    const parsed = value ? parseJson(value) : undefined;
    if (typeof parsed?.u !== 'string' || !Array.isArray(parsed.c)) return undefined;
    return { u: parsed.u, c: parsed.c.filter((t): t is string => typeof t === 'string') };
  }

  #cookie(name: 'browser' | 'consent' | 'user'): string {
    return cookieName(`alter_auth_${name}`, this.#deps.urls().secure);
  }
}

function parseJson(base64url: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(base64url, 'base64url').toString('utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** True when the user approved every one of `scopes` in `consent`. */
function consentCovers(consent: Pick<ConsentRecord, 'scopes'>, scopes: readonly string[]): boolean {
  return scopes.every((s) => consent.scopes.includes(s));
}

function consentTag(clientId: string, redirectUri: string): string {
  return sha256(`${clientId}\n${redirectUri}`).slice(0, 22);
}
