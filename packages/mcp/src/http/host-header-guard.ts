/**
 * DNS-rebinding protection for serveHttp: the `Host` header must name this server. A page on an
 * attacker's domain that re-resolves to 127.0.0.1 reaches a local server with its own host name
 * in `Host`; refusing unknown names keeps it out.
 *
 * Our own (not SDK v1's `createMcpExpressApp`), so serving needs no SDK v1 module. The 403
 * answers are the SDK's; the rules: with `allowedHosts`, exactly those host names; bound to a
 * loopback address — any of 127.0.0.0/8, any spelling of ::1, `localhost` — the loopback names and
 * the bind address itself; bound anywhere else (every interface, or one specific address) without
 * `allowedHosts`, no check and a warning. The SDK's rules differ on purpose: it knows only the
 * strings `127.0.0.1`, `::1` and `localhost` as loopback and warns only for `0.0.0.0` and `::`,
 * so a server on 127.0.0.2 or on a LAN address had no check and said nothing.
 */
import { isIPv6 } from 'node:net';
import type { Logger } from '@alter/vault';
import { isLoopbackHost } from '@alter/vault/internal';
import type { RequestHandler } from 'express';

/** Host names a server bound to loopback answers to, besides its own bind address. */
const LOOPBACK_HOSTNAMES: readonly string[] = Object.freeze(['localhost', '127.0.0.1', '[::1]']);

function refuse(message: string): { jsonrpc: '2.0'; error: { code: number; message: string }; id: null } {
  return { jsonrpc: '2.0', error: { code: -32000, message }, id: null };
}

/** A middleware answering 403 unless the request's `Host` names one of `allowed` (host names, no port). */
export function hostHeaderGuard(allowed: readonly string[]): RequestHandler {
  const names = new Set(allowed);
  return (req, res, next) => {
    const header = req.headers.host;
    if (!header) {
      res.status(403).json(refuse('Missing Host header'));
      return;
    }
    let hostname: string;
    try {
      // The URL parser handles IPv4, bracketed IPv6 and names, with or without a port.
      hostname = new URL(`http://${header}`).hostname;
    } catch {
      res.status(403).json(refuse(`Invalid Host header: ${header}`));
      return;
    }
    if (!names.has(hostname)) {
      res.status(403).json(refuse(`Invalid Host: ${hostname}`));
      return;
    }
    next();
  };
}

/**
 * `host` (a `listen()` address or name) as `URL` writes a host name — the form hostHeaderGuard
 * compares a `Host` header in: `0:0:0:0:0:0:0:1` → `[::1]`, `::ffff:127.0.0.2` → `[::ffff:7f00:2]`.
 * Undefined when `URL` refuses it (a zone id, an empty string).
 */
function urlHostnameOf(host: string): string | undefined {
  try {
    return new URL(`http://${isIPv6(host) ? `[${host}]` : host}`).hostname;
  } catch {
    return undefined;
  }
}

/**
 * The guard serveHttp mounts for a server bound to `host`, or `undefined` when there is none to
 * mount (bound to another interface without `allowedHosts`: a proxy or the auth plug-in must
 * protect it, and a warning says so).
 */
export function hostGuardFor(host: string, allowedHosts: readonly string[] | undefined, logger: Logger): RequestHandler | undefined {
  if (allowedHosts) return hostHeaderGuard(allowedHosts);
  const bound = urlHostnameOf(host);
  // Compared by value, not by spelling: 127.0.0.2 or 0:0:0:0:0:0:0:1 is as reachable by a rebound
  // name as 127.0.0.1. isLoopbackHost is the one loopback policy every Alter package shares.
  if (bound !== undefined && isLoopbackHost(bound)) return hostHeaderGuard([...LOOPBACK_HOSTNAMES, bound]);
  // Any other address, wildcard or specific (a LAN address, a container's interface): which names
  // reach it is known only to the deployment, so nothing is refused, but it is never silent.
  logger.warn(
    `serveHttp: bound to ${host} without DNS rebinding protection; pass allowedHosts with the host names clients use, or an auth plug-in.`,
  );
  return undefined;
}
