/**
 * `SandboxBrowser`: a simulated browser for tests — `fetch` with a cookie jar (host-only cookies
 * shared across ports, paths, expiry) and no automatic redirects. Pass one to
 * `sandbox.approve(url, { login, browser })` so the approval runs in the same browser that, say,
 * consented on an auth server's page: Connect sessions bound to that browser only complete there.
 */
import { CookieJar } from './internal/cookie-jar.js';

export class SandboxBrowser {
  readonly #jar = new CookieJar();

  /**
   * Requests `url` with this browser's cookies (plus `init.headers`), stores the cookies the
   * response sets, and returns it without following redirects.
   * @example
   * const browser = new SandboxBrowser();
   * const consent = await browser.fetch(authorizationUrl);
   */
  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const headers = new Headers(init.headers);
    const cookie = this.#jar.header(target);
    if (cookie) headers.set('cookie', cookie);
    const res = await fetch(target, { ...init, headers, redirect: 'manual' });
    this.#jar.store(target, res.headers.getSetCookie());
    return res;
  }

  /**
   * Opens a Connect link as a user would: GETs it and, when it shows the interstitial of a
   * tool-triggered link, confirms it (posts its form). Returns the last response — normally the
   * redirect to the provider's authorization endpoint, or a refusal page.
   * @example
   * const res = await new SandboxBrowser().openConnect(connectUrl);
   * const authorize = new URL(res.headers.get('location')!); // the provider, with scope, state, PKCE
   */
  async openConnect(url: string | URL, options: { readonly switchAccount?: boolean } = {}): Promise<Response> {
    const res = await this.fetch(url);
    if (res.status !== 200) return res;
    const html = await res.text();
    const form = /<form\b[^>]*data-alter-connect-form="confirm"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
    if (!form) return new Response(html, { status: res.status, headers: res.headers });
    const csrf = /name="csrf" value="([^"]*)"/.exec(form[1] ?? '')?.[1] ?? '';
    const body = new URLSearchParams({ csrf, decision: 'continue', ...(options.switchAccount ? { switch_account: '1' } : {}) });
    return this.fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
  }

  /**
   * Stores a `Set-Cookie` header value as if a response from `url` had set it — e.g. the
   * `bindingCookie` of a Connect session your app would send to the user's browser.
   */
  acceptSetCookie(url: string | URL, setCookie: string): void {
    this.#jar.store(new URL(url), [setCookie]);
  }

  /** The `Cookie` header this browser would send to `url` ('' when none). */
  cookieHeader(url: string | URL): string {
    return this.#jar.header(new URL(url)) ?? '';
  }

  /** Drops every cookie named `name` (e.g. to simulate a cleared cookie). */
  forget(name: string): void {
    this.#jar.forget(name);
  }
}
