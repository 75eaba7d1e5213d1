/**
 * DNS-rebinding protection for serveHttp: the `Host` header must name this server. A page on an
 * attacker's domain that re-resolves to 127.0.0.1 reaches a local server with its own host name
 * in `Host`; refusing unknown names keeps it out.
 *
 * Our own (not SDK v1's `createMcpExpressApp`), so serving needs no SDK v1 module; the rules and
 * answers are the same as the SDK's: with `allowedHosts`, exactly those host names; bound to a
 * loopback address, the loopback names; bound to every interface without `allowedHosts`, no check
 * (and a warning).
 */
import type { Logger } from '@alter/vault';
import type { RequestHandler } from 'express';

/** Host names a server bound to loopback answers to. */
const LOOPBACK_HOSTNAMES: readonly string[] = Object.freeze(['localhost', '127.0.0.1', '[::1]']);
const LOOPBACK_BINDS: readonly string[] = Object.freeze(['127.0.0.1', 'localhost', '::1']);
const WILDCARD_BINDS: readonly string[] = Object.freeze(['0.0.0.0', '::']);

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
 * The guard serveHttp mounts for a server bound to `host`, or `undefined` when there is none to
 * mount (bound to another interface without `allowedHosts`: a proxy or the auth plug-in protects it).
 */
export function hostGuardFor(host: string, allowedHosts: readonly string[] | undefined, logger: Logger): RequestHandler | undefined {
  if (allowedHosts) return hostHeaderGuard(allowedHosts);
  if (LOOPBACK_BINDS.includes(host)) return hostHeaderGuard(LOOPBACK_HOSTNAMES);
  if (WILDCARD_BINDS.includes(host)) {
    logger.warn(
      `serveHttp: bound to ${host} without DNS rebinding protection; pass allowedHosts with the host names clients use, or an auth plug-in.`,
    );
  }
  return undefined;
}
