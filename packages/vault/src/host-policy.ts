/**
 * The host allowlist: the token goes only to a provider's hosts and ports, over https (loopback
 * http opt-in). An entry is `host`, `*.suffix`, `[ipv6]`, each optionally followed by `:port`:
 *
 *   'api.example.com'       https on 443 only (http, loopback only, on 80 only)
 *   'api.example.com:8443'  that port only
 *   '127.0.0.1:*'           any port; loopback hosts only (test servers on ephemeral ports)
 *
 * A port-less entry used to accept every port, so a URL such as `https://api.github.com:8080/`
 * sent the token to whatever listens there.
 */
import { HostNotAllowedError, VaultConfigError } from './errors.js';
import { isLoopbackHost } from './loopback-host.js';
import type { ProviderConfig } from './provider-config.js';

/** A parsed allowlist entry. `port` undefined = the scheme's default port; `'*'` = any (loopback only). */
export interface HostEntry {
  /** Lower-cased host name, `[v6]` literal, or `*.suffix`. */
  readonly host: string;
  readonly port: number | '*' | undefined;
}

const ENTRY = /^(\*\.[a-z0-9.-]+|\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::(\*|\d{1,5}))?$/;

/**
 * Parses one `allowedHosts` entry, or explains why it is not one (the caller names the provider).
 * @returns the entry, or a string saying what is wrong.
 */
export function parseHostEntry(raw: string): HostEntry | string {
  const entry = raw.toLowerCase();
  const m = ENTRY.exec(entry);
  if (!m) return `"${raw}" is not a host name, "*.suffix" or "[ipv6]", optionally with ":port" (no scheme, path or credentials)`;
  const host = m[1] as string;
  const portText = m[2];
  if (portText === undefined) return Object.freeze({ host, port: undefined });
  if (portText === '*') {
    if (!isLoopbackHost(host))
      return `"${raw}": ":*" (any port) is accepted only for loopback hosts (127.0.0.1, [::1], localhost); list the port instead`;
    return Object.freeze({ host, port: '*' as const });
  }
  const port = Number(portText);
  if (port < 1 || port > 65535) return `"${raw}": port ${portText} is not between 1 and 65535`;
  return Object.freeze({ host, port });
}

/** The port a URL connects to (its explicit port, else the scheme's default). */
export function effectivePort(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'http:' ? 80 : 443;
}

/**
 * True when `hostname` on `port` matches an allowlist entry: exact host or `*.suffix` (any
 * subdomain, not the bare suffix), and the entry's port (default 443 for https, 80 for http).
 */
export function hostMatches(hostname: string, port: number, defaultPort: number, allowed: readonly string[]): boolean {
  const host = hostname.toLowerCase();
  // A loop over the parsed entries, without collecting the matching ones: every request checks.
  for (const entry of parsedEntries(allowed)) {
    if (entryHostMatches(entry, host) && (entry.port === '*' || (entry.port ?? defaultPort) === port)) return true;
  }
  return false;
}

/**
 * Parsed entries of a frozen allowlist, parsed once (the request path checks every call). A
 * list that is not frozen is parsed each time, so a later change to it is never missed.
 */
const parsedLists = new WeakMap<readonly string[], readonly HostEntry[]>();
function parsedEntries(allowed: readonly string[]): readonly HostEntry[] {
  const hit = parsedLists.get(allowed);
  if (hit !== undefined) return hit;
  // Entries that do not parse are skipped: defineProvider refuses them; fail closed if one slips through.
  const entries = allowed.map(parseHostEntry).filter((e): e is HostEntry => typeof e !== 'string');
  if (Object.isFrozen(allowed)) parsedLists.set(allowed, Object.freeze(entries));
  return entries;
}

/** The entries whose host part matches `hostname` (ports not considered). */
function matchingEntries(hostname: string, allowed: readonly string[]): HostEntry[] {
  const host = hostname.toLowerCase();
  return parsedEntries(allowed).filter((entry) => entryHostMatches(entry, host));
}

/** True when `entry`'s host part matches the lower-cased `host`: the same name, or a subdomain of a `*.suffix` (not the bare suffix). */
function entryHostMatches(entry: HostEntry, host: string): boolean {
  if (!entry.host.startsWith('*.')) return entry.host === host;
  // '*.example.com' -> '.example.com': the host must end with it and have a label before it.
  return host.length > entry.host.length - 1 && host.endsWith(entry.host.slice(1));
}

/**
 * Checks scheme, host and port. @throws HostNotAllowedError (nothing is sent).
 */
export function checkHostAllowed(provider: ProviderConfig, url: URL): void {
  const hostname = url.hostname;
  if (url.username !== '' || url.password !== '') {
    throw new HostNotAllowedError({
      provider: provider.id,
      host: hostname,
      reason: 'URLs with embedded credentials (user:pass@) are refused',
    });
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
  const port = effectivePort(url);
  const defaultPort = url.protocol === 'http:' ? 80 : 443;
  if (hostMatches(hostname, port, defaultPort, provider.allowedHosts)) return;
  if (matchingEntries(hostname, provider.allowedHosts).length > 0) {
    // The host is listed, the port is not: say how to allow it.
    throw new HostNotAllowedError({
      provider: provider.id,
      host: url.host,
      reason: `Port ${port} of "${hostname}" is not in the ${provider.id} allowlist (an entry without a port allows only ${defaultPort} for ${url.protocol.slice(0, -1)}; list "${hostname}:${port}" to allow this one)`,
    });
  }
  throw new HostNotAllowedError({ provider: provider.id, host: hostname });
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
    throw new VaultConfigError(
      `providers[${provider.id}].hostRewrites["${url.host}"] must point at a loopback http(s) URL (it is a test seam).`,
    );
  }
  const basePath = base.pathname.replace(/\/+$/, '');
  return new URL(`${base.protocol}//${base.host}${basePath}${url.pathname}${url.search}`);
}
