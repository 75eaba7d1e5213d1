/**
 * The redirect-URI policy, in one place: which URIs a client may register (RFC 7591, OAuth 2.1
 * §2.3.1, RFC 8252 for native apps) and whether a requested URI matches a registered one. Used by
 * dynamic registration, Client ID Metadata Documents, the authorize step and the token step.
 *
 * Allowed (an allowlist; everything else is refused with a message naming the URI):
 * - `https://<host>/…` — any client.
 * - `http://` on a loopback host (`localhost`, `127.0.0.0/8`, `[::1]`) — RFC 8252 §7.3.
 * - a private-use scheme (RFC 8252 §7.1), native clients only: a reverse-domain scheme
 *   (`com.example.app:/callback`), or a one-word scheme with a domain-like authority
 *   (`cursor://anysphere.cursor-mcp/oauth/callback`, `vscode://vscode.github-authentication/…`)
 *   — the forms native MCP clients register. Never a scheme that a browser or the OS treats as its
 *   own (`javascript:`, `data:`, `file:`, `ftp:`, `ws:`, …): those cannot identify an app.
 * No fragment, no credentials.
 *
 * Matching is exact string equality, with one relaxation: for a client registered with
 * `application_type: "native"`, a loopback `http` URI matches on any port (RFC 8252 §7.3: the app
 * listens on whatever port the OS gives it). Host, path and query still match exactly, and
 * `localhost` never matches `127.0.0.1`.
 */
import { isLoopbackHost } from '@alter/vault/internal';

/** OpenID Connect Dynamic Client Registration `application_type`. */
export type ApplicationType = 'native' | 'web';

/** Schemes that run code in the browser: not even a URI a client could mean as a redirect. */
export const SCRIPT_SCHEMES: ReadonlySet<string> = new Set(['javascript:', 'data:', 'vbscript:']);
/** Standard (IANA permanent) schemes a browser or OS handles itself: not private-use, even though one word. */
const STANDARD_SCHEMES = new Set([
  'file:',
  'ftp:',
  'ws:',
  'wss:',
  'blob:',
  'about:',
  'mailto:',
  'tel:',
  'sms:',
  'urn:',
  'chrome:',
  'chrome-extension:',
  'moz-extension:',
  'view-source:',
  'intent:',
  'content:',
  'ldap:',
  'ssh:',
  'git:',
]);
const SCHEME_SYNTAX = /^[a-z][a-z0-9+.-]*:$/;
const DOMAIN_LIKE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i;

/**
 * Why `uri` may not be registered by a client of `applicationType` (undefined: not declared), or
 * undefined when it may. The message quotes the URI and says what is accepted.
 */
export function redirectUriProblem(uri: unknown, applicationType?: ApplicationType): string | undefined {
  if (typeof uri !== 'string' || !URL.canParse(uri)) return `"${String(uri)}" is not an absolute URI`;
  const url = new URL(uri);
  const scheme = url.protocol.toLowerCase();
  if (SCRIPT_SCHEMES.has(scheme)) return `"${uri}" uses the ${scheme} scheme, which can never be a redirect URI`;
  if (url.hash !== '' || uri.includes('#')) return `"${uri}" has a fragment`;
  if (url.username !== '' || url.password !== '') return `"${uri}" contains credentials`;
  if (scheme === 'https:') return url.hostname === '' ? `"${uri}" has no host` : undefined;
  if (scheme === 'http:') {
    if (isLoopbackHost(url.hostname)) return undefined;
    return `"${uri}" must use https, or http on a loopback host (localhost, 127.0.0.1, [::1]); a native app may also use a private-use scheme such as com.example.app:/callback`;
  }
  // A private-use scheme (RFC 8252 §7.1).
  if (!isPrivateUseRedirect(url, scheme)) {
    return `"${uri}" is neither https, loopback http, nor a private-use scheme of an app (a reverse-domain scheme such as com.example.app:/callback, or an app scheme with a domain-like host such as cursor://anysphere.cursor-mcp/oauth/callback)`;
  }
  if (applicationType === 'web')
    return `"${uri}" is a private-use scheme, which only a native app can receive; register with application_type "native"`;
  return undefined;
}

/** True when `requested` may be used for a client that registered `registered` (see the header). */
export function redirectUriMatches(
  requested: string,
  registered: readonly string[],
  applicationType: ApplicationType | undefined,
): boolean {
  if (registered.includes(requested)) return true;
  if (applicationType !== 'native' || !URL.canParse(requested)) return false;
  const req = new URL(requested);
  if (req.protocol !== 'http:' || !isLoopbackHost(req.hostname) || req.hash !== '' || req.username !== '' || req.password !== '')
    return false;
  return registered.some((candidate) => {
    if (!URL.canParse(candidate)) return false;
    const reg = new URL(candidate);
    return reg.protocol === 'http:' && reg.hostname === req.hostname && reg.pathname === req.pathname && reg.search === req.search;
  });
}

function isPrivateUseRedirect(url: URL, scheme: string): boolean {
  if (!SCHEME_SYNTAX.test(scheme) || STANDARD_SCHEMES.has(scheme)) return false;
  const name = scheme.slice(0, -1);
  // Reverse-domain scheme: `com.example.app:/cb` (one slash) or `com.example.app://cb`.
  if (name.includes('.')) return DOMAIN_LIKE.test(name.replace(/[+]/g, '-'));
  // One-word scheme: only with an authority that names the app as a domain would.
  return url.host !== '' && DOMAIN_LIKE.test(url.hostname);
}
