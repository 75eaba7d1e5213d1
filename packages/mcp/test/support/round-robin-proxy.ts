/**
 * A small HTTP load balancer on 127.0.0.1 for scale-out tests, configured the way one must be for
 * the 2025-11-25 (sessionful) protocol: a request carrying `Mcp-Session-Id` goes to the process
 * that issued that session (learned from its response header); every other request — initialize,
 * Connect pages, the provider's callback — goes to the next backend in turn. Streams responses
 * (SSE) as they come. Records which backend served each request, so a test can assert that a flow
 * really crossed processes.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedRequest {
  /** Index of the backend (in the order given to `setBackends`). */
  readonly backend: number;
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  /** True when routed by session affinity rather than in turn. */
  readonly sticky: boolean;
}

export interface RoundRobinProxy {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The backends' origins (`http://127.0.0.1:<port>`), in order. */
  setBackends(origins: readonly string[]): void;
  /** Every request forwarded so far, in arrival order. */
  readonly served: readonly ServedRequest[];
  close(): Promise<void>;
}

export async function startRoundRobinProxy(): Promise<RoundRobinProxy> {
  let backends: URL[] = [];
  let next = 0;
  const sessions = new Map<string, number>();
  const served: ServedRequest[] = [];

  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    if (backends.length === 0) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('no backends yet');
      return;
    }
    const sid = req.headers['mcp-session-id'];
    const pinned = typeof sid === 'string' ? sessions.get(sid) : undefined;
    const backend = pinned ?? next++ % backends.length;
    served.push({ backend, method: req.method ?? 'GET', path: req.url ?? '/', sticky: pinned !== undefined });
    const target = backends[backend]!;
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent: false },
      (answer) => {
        const issued = answer.headers['mcp-session-id'];
        if (typeof issued === 'string') sessions.set(issued, backend);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end('backend unreachable');
      else res.destroy();
    });
    // A client that goes away (a closed SSE stream) closes the backend request too.
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  };

  const server: Server = createServer(forward);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    setBackends(origins) {
      backends = origins.map((o) => new URL(o));
      next = 0;
    },
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
