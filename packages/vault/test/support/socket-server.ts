/**
 * An HTTP/1.1 server on 127.0.0.1:0 that records each request with the id of the keep-alive
 * socket it came on: what request-smuggling tests need to see (which request arrived on which
 * socket, and whose token it carried).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  readonly socket: number;
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface SocketServer {
  readonly origin: string;
  readonly port: number;
  readonly seen: Seen[];
  close(): Promise<void>;
}

/** An HTTP/1.1 server that records each request with the id of the socket it came on. */
export async function startSocketServer(): Promise<SocketServer> {
  const seen: Seen[] = [];
  const ids = new WeakMap<object, number>();
  let next = 0;
  const server: Server = createServer((req, res) => {
    if (!ids.has(req.socket)) ids.set(req.socket, ++next);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        socket: ids.get(req.socket) ?? 0,
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('latin1'),
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path: req.url }));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    seen,
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
