interface StoredCookie {
  name: string;
  value: string;
  host: string;
  path: string;
  expiresAt: number;
}

/**
 * A small RFC 6265 cookie jar for `approve()`: host-only cookies (a `Domain` attribute is
 * honoured only when it equals the request host — loopback hosts have no parent domains), path
 * matching, `Max-Age`/`Expires`. Like browsers, cookies are shared across ports of one host.
 * `Secure` cookies are sent over http because every URL here is loopback, which browsers treat
 * as a secure context.
 */
export class CookieJar {
  readonly #cookies: StoredCookie[] = [];

  /** Stores the `Set-Cookie` headers of a response to `url`. */
  store(url: URL, setCookies: readonly string[]): void {
    for (const header of setCookies) {
      const [pair, ...attrs] = header.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (!pair || eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = defaultPath(url);
      let expiresAt = Number.POSITIVE_INFINITY;
      let domainOk = true;
      for (const attr of attrs) {
        const i = attr.indexOf('=');
        const key = (i < 0 ? attr : attr.slice(0, i)).trim().toLowerCase();
        const val = i < 0 ? '' : attr.slice(i + 1).trim();
        if (key === 'path' && val.startsWith('/')) path = val;
        else if (key === 'max-age' && /^-?\d+$/.test(val)) expiresAt = Date.now() + Number(val) * 1000;
        else if (key === 'expires' && expiresAt === Number.POSITIVE_INFINITY) {
          const t = Date.parse(val);
          if (!Number.isNaN(t)) expiresAt = t;
        } else if (key === 'domain' && val) domainOk = val.replace(/^\./, '').toLowerCase() === url.hostname.toLowerCase();
      }
      if (!domainOk) continue;
      const existing = this.#cookies.findIndex((c) => c.name === name && c.host === url.hostname && c.path === path);
      if (existing >= 0) this.#cookies.splice(existing, 1);
      if (expiresAt > Date.now()) this.#cookies.push({ name, value, host: url.hostname, path, expiresAt });
    }
  }

  /** Drops every cookie named `name`. */
  forget(name: string): void {
    for (let i = this.#cookies.length - 1; i >= 0; i--) if (this.#cookies[i]!.name === name) this.#cookies.splice(i, 1);
  }

  /** The `Cookie` header for a request to `url` (undefined when no cookie applies). */
  header(url: URL): string | undefined {
    const now = Date.now();
    const matching = this.#cookies
      .filter((c) => c.expiresAt > now && c.host === url.hostname && pathMatches(url.pathname, c.path))
      // Longer paths first, as RFC 6265 §5.4 asks.
      .sort((a, b) => b.path.length - a.path.length);
    return matching.length ? matching.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }
}

function defaultPath(url: URL): string {
  const p = url.pathname;
  if (!p.startsWith('/') || p.lastIndexOf('/') === 0) return '/';
  return p.slice(0, p.lastIndexOf('/'));
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath.charAt(cookiePath.length) === '/';
}
