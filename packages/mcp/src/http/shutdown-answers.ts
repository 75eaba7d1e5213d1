/**
 * What serveHttp answers while it shuts down: a request that arrives after `close()` began (on a
 * connection kept alive from before) gets 503, and a request still in flight when the shutdown
 * grace period runs out gets a JSON-RPC error for each of its requests before its socket is
 * destroyed, so a client learns at once that its call failed instead of waiting for its own
 * timeout (60 s by default in the SDKs).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** JSON-RPC "server error" (the implementation-defined range), as the other 503 answers of serveHttp. */
const SHUTTING_DOWN_CODE = -32000;
/** How long an abandoned answer may take to reach the socket before the socket is destroyed anyway. */
const FLUSH_BOUND_MS = 200;

function jsonRpcError(id: string | number | null, message: string): string {
  return JSON.stringify({ jsonrpc: '2.0', error: { code: SHUTTING_DOWN_CODE, message }, id });
}

/** The ids of the JSON-RPC requests (not notifications or responses) in a parsed body. */
function requestIds(body: unknown): Array<string | number> {
  const messages = Array.isArray(body) ? body : [body];
  const ids: Array<string | number> = [];
  for (const m of messages) {
    if (typeof m !== 'object' || m === null || typeof (m as { method?: unknown }).method !== 'string') continue;
    const id = (m as { id?: unknown }).id;
    if (typeof id === 'string' || typeof id === 'number') ids.push(id);
  }
  return ids;
}

/** Answers a request that arrived after the shutdown began: 503, and the connection closes after it. */
export function refuseWhileShuttingDown(res: ServerResponse): void {
  answer503(res, jsonRpcError(null, 'Service Unavailable: server shutting down; retry on a new connection (or another instance).'));
}

/**
 * Answers a request the shutdown grace period did not let finish, then destroys its connection.
 * - Nothing sent yet: 503 with a JSON-RPC error (the first request's id).
 * - An SSE stream under way (a 2025 session's POST, a 2026 streamed answer): one `message` event
 *   with a JSON-RPC error per request of the POST, which the client's SDK matches by id.
 * - A JSON answer under way: nothing can be added; the client sees the connection close.
 * The SDK may still try to write the real answer later: the response is destroyed by then, and
 * such writes fail quietly (an `error` listener keeps a late write from crashing the process).
 */
export async function answerAbandoned(req: IncomingMessage & { body?: unknown }, res: ServerResponse, graceMs: number): Promise<void> {
  res.on('error', () => {});
  const message = `Server shutting down: the request did not finish within the shutdown grace period (${graceMs} ms, serveHttp option shutdownGraceMs); it may or may not have taken effect.`;
  const ids = requestIds(req.body);
  if (!res.headersSent) {
    answer503(res, jsonRpcError(ids[0] ?? null, message));
  } else if (!res.writableEnded && String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) {
    for (const id of ids) res.write(`event: message\ndata: ${jsonRpcError(id, message)}\n\n`);
    res.end();
  }
  await flushed(res);
  res.destroy();
}

function answer503(res: ServerResponse, body: string): void {
  res.writeHead(503, {
    'content-type': 'application/json',
    connection: 'close',
    'retry-after': '1',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Resolves when `res` has handed its last bytes to the OS (or was closed), at most {@link FLUSH_BOUND_MS} later. */
function flushed(res: ServerResponse): Promise<void> {
  if (res.writableFinished || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, FLUSH_BOUND_MS);
    res.once('finish', done);
    res.once('close', done);
  });
}
