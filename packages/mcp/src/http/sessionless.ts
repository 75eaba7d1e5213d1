/**
 * What a request WITHOUT an `Mcp-Session-Id` is, and the answer when it cannot be served.
 *
 * 2025-11-25 (and earlier) clients open a session with `initialize`; anything else without a
 * session id is answered 400 with a JSON-RPC error telling the client to initialize first.
 *
 * The 2026-07-28 revision drops sessions: every request carries its protocol version (the
 * `Mcp-Protocol-Version` header and `_meta`) and is served on its own. When SDK v2 is installed,
 * serveHttp routes such requests to its 2026 leg before asking this module (sdk/modern-era.ts).
 * Without SDK v2 they reach here, are classified `stateless` and answered 400 naming the versions
 * this server speaks, so the client can fall back to `initialize`.
 *
 * "Which versions" and "is this an initialize" are the serving SDK's own answers (its session kit),
 * so this module imports no SDK and agrees with the transport that serves the session.
 */
import type express from 'express';
import type { HttpSessionKit } from './http-session-kit.js';

/** What this module asks of the SDK that serves the sessions. */
type SessionFacts = Pick<HttpSessionKit, 'supportedProtocolVersions' | 'isInitializeRequest'>;

/** How a request without a session id is handled. */
export type SessionlessKind = 'initialize' | 'stateless' | 'needs-session';

/** Classifies a request that carries no `Mcp-Session-Id`. */
export function classifySessionless(req: express.Request, sdk: SessionFacts): SessionlessKind {
  if (req.method === 'POST' && sdk.isInitializeRequest(req.body)) return 'initialize';
  const versions = sdk.supportedProtocolVersions;
  const version = req.headers['mcp-protocol-version'];
  // A version newer than every session-era one this SDK knows: a stateless (2026+) request.
  if (typeof version === 'string' && !versions.includes(version) && version > versions[0]!) return 'stateless';
  return 'needs-session';
}

/** The 400 answer for a request that cannot be served without a session. */
export function answerSessionless(
  kind: Exclude<SessionlessKind, 'initialize'>,
  req: express.Request,
  res: express.Response,
  sdk: SessionFacts,
): void {
  const id = typeof req.body === 'object' && req.body !== null && 'id' in req.body ? (req.body as { id: unknown }).id : null;
  const message =
    kind === 'stateless'
      ? `Bad Request: protocol version ${String(req.headers['mcp-protocol-version'])} (stateless requests) is not supported by this server; it speaks ${sdk.supportedProtocolVersions.join(', ')}. Send an initialize request to open a session.`
      : 'Bad Request: no valid Mcp-Session-Id header. Send an initialize request first to open a session, then send its Mcp-Session-Id with every request.';
  res
    .status(400)
    .json({ jsonrpc: '2.0', error: { code: -32000, message }, id: typeof id === 'string' || typeof id === 'number' ? id : null });
}
