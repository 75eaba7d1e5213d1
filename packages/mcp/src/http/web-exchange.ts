/**
 * Node HTTP ⇄ web `Request`/`Response`: SDK v2 serves MCP with web-standard objects (its
 * `WebStandardStreamableHTTPServerTransport` and `createMcpHandler`), while serveHttp runs on
 * Node's HTTP server (express). No SDK import: both the 2025-11-25 sessions of a v2 server and the
 * 2026-07-28 leg go through here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

/** A web `Request` carrying `req`'s method, URL and headers (the body travels as `parsedBody`). */
export function toWebRequest(req: IncomingMessage, origin: string, signal?: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  return new Request(new URL(req.url ?? '/', origin), { method: req.method ?? 'GET', headers, ...(signal ? { signal } : {}) });
}

/** Writes a web `Response` (JSON or an SSE stream) onto a Node response, streaming as it comes. */
export async function writeWebResponse(response: Response, res: ServerResponse): Promise<void> {
  if (res.headersSent || res.destroyed) {
    // Already answered for it (serveHttp's shutdown grace ran out, http/shutdown-answers.ts): drop this answer.
    await response.body?.cancel().catch(() => {});
    return;
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
  // SSE: the head must reach the client before the first event.
  res.flushHeaders();
  await new Promise<void>((resolve) => {
    const body = Readable.fromWeb(response.body as unknown as NodeReadableStream<Uint8Array>);
    body.once('error', () => {
      res.destroy();
      resolve();
    });
    res.once('close', () => {
      body.destroy();
      resolve();
    });
    body.pipe(res);
  });
}
