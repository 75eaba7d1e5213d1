/**
 * A real HTTP server on 127.0.0.1:0 that records every request it receives (method, raw path,
 * headers, body). Routes are tiny handlers; the default answers 200 with a JSON echo of the path.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  /** The raw request target as received (path + query), not normalized. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

export type Route = (req: IncomingMessage, res: ServerResponse, body: string) => void | Promise<void>;

export interface RecordingServer {
  readonly origin: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Handler for paths starting with `prefix` (longest prefix wins). */
  route(prefix: string, handler: Route): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startRecordingServer(): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const routes = new Map<string, Route>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers }, body });
      const path = req.url ?? '/';
      let best: Route | undefined;
      let bestLen = -1;
      for (const [prefix, handler] of routes) {
        if (path.startsWith(prefix) && prefix.length > bestLen) {
          best = handler;
          bestLen = prefix.length;
        }
      }
      const handler: Route =
        best ??
        ((_q, s) => {
          s.writeHead(200, { 'content-type': 'application/json' });
          s.end(JSON.stringify({ ok: true, path }));
        });
      Promise.resolve(handler(req, res, body)).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
  });
  // Longer than the client's idle-socket timeout (Node's global agent: keepAlive, 5 s): with
  // both at 5 s, the server could close an idle socket just as the client reused it → ECONNRESET
  // under load (seen in audit-e2e after a long verify()). The client now always closes first.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    route(prefix, handler) {
      routes.set(prefix, handler);
    },
    reset() {
      requests.length = 0;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
