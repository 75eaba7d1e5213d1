/**
 * Origin checks and CORS for the MCP endpoint.
 *
 * The spec (2025-11-25, transports) requires servers to validate `Origin` on every request and to
 * answer 403 when it is present and not allowed: a page a victim visits must not drive their local
 * MCP server (DNS rebinding, drive-by requests). Allowed: this server's own origin and the origins
 * in `cors.allowedOrigins` (exact match, an allowlist — no wildcards, no prefixes). Requests
 * without `Origin` (non-browser clients) pass; the Host check of the SDK's DNS-rebinding
 * protection still applies to them.
 *
 * CORS is off by default: no `Access-Control-*` header is sent, so browsers on other origins cannot
 * read responses. With `allowedOrigins`, allowed origins get the headers a browser MCP client needs:
 * it may send `Authorization`, `Content-Type`, `Mcp-Session-Id`, `Mcp-Protocol-Version` and
 * `Last-Event-ID`, and read `Mcp-Session-Id`, `Mcp-Protocol-Version` and `WWW-Authenticate`
 * (the 401 that starts OAuth discovery).
 */
import { InvalidArgumentError } from '@alter/vault';
import type express from 'express';

/** CORS on the MCP endpoint for browser clients (off unless given). */
export interface CorsOptions {
  /** Origins allowed to call the endpoint from a browser, exactly as browsers send them, e.g. `https://app.example.com`. */
  readonly allowedOrigins: readonly string[];
  /** How long browsers may cache a preflight answer, in seconds (default 600). */
  readonly maxAgeSeconds?: number | undefined;
}

const ALLOW_HEADERS = 'Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID';
const EXPOSE_HEADERS = 'Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate';
const ALLOW_METHODS = 'GET, POST, DELETE, OPTIONS';

/** Normalizes `cors` (frozen) or throws naming the bad field. @throws InvalidArgumentError */
export function checkCorsOptions(cors: CorsOptions | undefined): Readonly<{ origins: ReadonlySet<string>; maxAge: number }> | undefined {
  if (cors === undefined) return undefined;
  if (cors === null || typeof cors !== 'object' || !Array.isArray(cors.allowedOrigins)) {
    throw new InvalidArgumentError('options.cors', 'must be { allowedOrigins: string[] }');
  }
  const origins = new Set<string>();
  for (const o of cors.allowedOrigins) {
    let parsed: URL | undefined;
    try {
      parsed = typeof o === 'string' ? new URL(o) : undefined;
    } catch {
      parsed = undefined;
    }
    // An origin is scheme://host[:port] and nothing else; '*' or a path would not match what browsers send.
    if (!parsed || parsed.origin !== o) {
      throw new InvalidArgumentError(
        'options.cors.allowedOrigins',
        `${JSON.stringify(o)} is not an origin; write it as browsers send it, e.g. "https://app.example.com" (no path, no trailing slash, no wildcard).`,
      );
    }
    origins.add(o);
  }
  const maxAge = cors.maxAgeSeconds ?? 600;
  if (!Number.isInteger(maxAge) || maxAge < 0) throw new InvalidArgumentError('options.cors.maxAgeSeconds', 'must be an integer ≥ 0');
  return Object.freeze({ origins, maxAge });
}

/**
 * Middleware for the MCP path: 403 for a disallowed `Origin`, CORS headers for allowed ones, and
 * preflight (`OPTIONS`) answered with 204 before auth (browsers send preflights without credentials).
 */
export function originGuard(ownOrigin: string, cors: ReturnType<typeof checkCorsOptions>): express.RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin === undefined) {
      next();
      return;
    }
    const listed = cors?.origins.has(origin) ?? false;
    if (origin !== ownOrigin && !listed) {
      res.status(403).json({
        jsonrpc: '2.0',
        error: {
          code: -32000,
          message: `Forbidden: origin ${JSON.stringify(origin)} is not allowed to call this MCP server; add it to serveHttp's cors.allowedOrigins.`,
        },
        id: null,
      });
      return;
    }
    if (listed) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Expose-Headers', EXPOSE_HEADERS);
      res.vary('Origin');
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Methods', ALLOW_METHODS);
        res.setHeader('Access-Control-Allow-Headers', ALLOW_HEADERS);
        res.setHeader('Access-Control-Max-Age', String(cors!.maxAge));
        res.status(204).end();
        return;
      }
    }
    next();
  };
}
