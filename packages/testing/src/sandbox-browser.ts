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

  /** The `Cookie` header this browser would send to `url` ('' when none). */
  cookieHeader(url: string | URL): string {
    return this.#jar.header(new URL(url)) ?? '';
  }

  /** Drops every cookie named `name` (e.g. to simulate a cleared cookie). */
  forget(name: string): void {
    this.#jar.forget(name);
  }
}
