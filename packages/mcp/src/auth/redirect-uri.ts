/**
 * Which redirect URIs a client may register (RFC 7591 / OAuth 2.1 §2.3.1, MCP authorization):
 * `https:` anywhere, or `http:` on a loopback host (native apps, RFC 8252 §7.3). No fragment, no
 * credentials. Matching at the authorize and token endpoints is exact string equality.
 */
import { isLoopbackHost } from '@alter/vault';

/** Why a redirect URI is refused, or undefined when it is acceptable. */
export function redirectUriProblem(uri: string): string | undefined {
  if (typeof uri !== 'string' || !URL.canParse(uri)) return `"${String(uri)}" is not an absolute URL`;
  const url = new URL(uri);
  if (url.hash !== '' || uri.includes('#')) return `"${uri}" has a fragment`;
  if (url.username !== '' || url.password !== '') return `"${uri}" contains credentials`;
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return undefined;
  return `"${uri}" must use https, or http on a loopback host (localhost, 127.0.0.1, [::1])`;
}

/** True when `requested` exactly equals one of the registered URIs (no port or path relaxation). */
export function redirectUriRegistered(requested: string, registered: readonly string[]): boolean {
  return registered.includes(requested);
}
