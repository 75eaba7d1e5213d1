/** The host allowlist: the token goes only to a provider's hosts, over https (loopback http opt-in). */
import { HostNotAllowedError, VaultConfigError } from './errors.js';
import type { ProviderConfig } from './provider-config.js';

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost') || h === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** True when `hostname` matches an allowlist entry (exact, or `*.suffix` for any subdomain). */
export function hostMatches(hostname: string, port: string, allowed: readonly string[]): boolean {
  const host = hostname.toLowerCase();
  const hostPort = port ? `${host}:${port}` : host;
  for (const raw of allowed) {
    const entry = raw.toLowerCase();
    if (entry.startsWith('*.')) {
      const suffix = entry.slice(1); // ".googleapis.com"
      if (host.endsWith(suffix) && host.length > suffix.length) return true;
    } else if (entry === host || entry === hostPort) {
      return true;
    }
  }
  return false;
}

/**
 * Checks scheme and host. @throws HostNotAllowedError (nothing is sent).
 */
export function checkHostAllowed(provider: ProviderConfig, url: URL): void {
  const hostname = url.hostname;
  if (url.username !== '' || url.password !== '') {
    throw new HostNotAllowedError({ provider: provider.id, host: hostname, reason: 'URLs with embedded credentials (user:pass@) are refused' });
  }
  if (url.protocol === 'http:') {
    if (!(provider.allowInsecureLoopback && isLoopbackHost(hostname))) {
      throw new HostNotAllowedError({
        provider: provider.id,
        host: hostname,
        reason: `Plain http to "${hostname}" is refused (https only; loopback http needs allowInsecureLoopback)`,
      });
    }
  } else if (url.protocol !== 'https:') {
    throw new HostNotAllowedError({ provider: provider.id, host: hostname, reason: `Scheme "${url.protocol}" is refused (https only)` });
  }
  if (!hostMatches(hostname, url.port, provider.allowedHosts)) {
    throw new HostNotAllowedError({ provider: provider.id, host: hostname });
  }
}

/**
 * Applies `provider.hostRewrites` (a test seam) AFTER the allowlist check: the request goes to the
 * loopback target, keeping path and query. Returns the URL to send to.
 * @throws VaultConfigError when a rewrite target is not loopback.
 */
export function applyHostRewrite(provider: ProviderConfig, url: URL): URL {
  const rewrites = provider.hostRewrites;
  if (!rewrites) return url;
  const target = rewrites[url.host.toLowerCase()] ?? rewrites[url.hostname.toLowerCase()];
  if (target === undefined) return url;
  let base: URL;
  try {
    base = new URL(target);
  } catch {
    throw new VaultConfigError(`providers[${provider.id}].hostRewrites["${url.host}"] is not a URL.`);
  }
  if (!isLoopbackHost(base.hostname) || (base.protocol !== 'http:' && base.protocol !== 'https:')) {
    throw new VaultConfigError(`providers[${provider.id}].hostRewrites["${url.host}"] must point at a loopback http(s) URL (it is a test seam).`);
  }
  const basePath = base.pathname.replace(/\/+$/, '');
  return new URL(`${base.protocol}//${base.host}${basePath}${url.pathname}${url.search}`);
}
