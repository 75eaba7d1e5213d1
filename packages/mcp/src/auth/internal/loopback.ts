/** Loopback checks for redirect URIs and client-id URLs. Internal. */

/** True for `localhost`, `127.0.0.0/8` and `[::1]` (URL.hostname form). */
export function isLoopbackHostname(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host === '[::1]' || host === '::1') return true;
  return /^127(?:\.\d{1,3}){3}$/.test(host);
}
