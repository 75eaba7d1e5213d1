/**
 * A loopback TCP proxy that injects network faults between a client and a server (written for
 * PostgreSQL, works for any TCP protocol). Listens on 127.0.0.1, port 0, and forwards to one
 * target. Three modes:
 *
 *   forward ──drop()──▶ refusing ──resume()──▶ forward
 *      │                                          ▲
 *      └──blackhole()──▶ blackholed ──resume()────┘
 *
 * - `drop()`: every open connection is reset (both sides destroyed) and new connections are
 *   accepted then closed at once — what a client sees when the database restarts or a
 *   middlebox drops its state.
 * - `blackhole()`: connections stay open and new ones are accepted, but no byte is forwarded in
 *   either direction (buffered instead) — a partition or a silently dropping firewall: nothing
 *   fails, everything waits.
 * - `resume()`: back to forwarding; bytes buffered while blackholed are delivered (as TCP
 *   retransmission would), so connections that survived the blackhole keep working.
 *
 * Every buffer is bounded; a connection whose buffer passes 8 MiB is reset.
 *
 * @example
 * const proxy = await startPgFaultProxy({ host: '127.0.0.1', port: 5432 });
 * const store = new PostgresGrantStore({ connectionString: proxy.rewrite(process.env.ALTER_TEST_PG_URL!) });
 * await proxy.dropFor(2000);
 * await proxy.close();
 */
import net from 'node:net';

/** The proxy's mode (see the header). */
export type PgFaultProxyMode = 'forward' | 'refusing' | 'blackholed';

/** A running fault proxy. */
export interface PgFaultProxy {
  /** The local port (on 127.0.0.1). */
  readonly port: number;
  readonly mode: PgFaultProxyMode;
  /** Connections currently open through the proxy. */
  readonly openConnections: number;
  /** Connections accepted since start (including refused ones). */
  readonly acceptedConnections: number;
  /** `url` with its host and port replaced by the proxy's (query string kept). */
  rewrite(url: string): string;
  /** Resets every open connection and refuses new ones until {@link resume}. */
  drop(): void;
  /** `drop()`, waits `ms`, then `resume()`. */
  dropFor(ms: number): Promise<void>;
  /** Holds every byte in both directions until {@link resume}. */
  blackhole(): void;
  /** Forwards again (and delivers what a blackhole held). */
  resume(): void;
  /** Resets every connection and stops listening. */
  close(): Promise<void>;
}

const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

interface Pair {
  readonly client: net.Socket;
  readonly server: net.Socket;
  /** Bytes held while blackholed, per direction. */
  readonly toServer: Buffer[];
  readonly toClient: Buffer[];
  buffered: number;
}

/**
 * Starts a fault proxy in front of `target`.
 * @throws Error when the target is not a loopback address (tests never contact anything else).
 */
export async function startPgFaultProxy(target: { readonly host: string; readonly port: number }): Promise<PgFaultProxy> {
  if (target.host !== '127.0.0.1' && target.host !== 'localhost' && target.host !== '::1') {
    throw new Error(`startPgFaultProxy: target host must be loopback, got "${target.host}".`);
  }
  let mode: PgFaultProxyMode = 'forward';
  let accepted = 0;
  const pairs = new Set<Pair>();

  const reset = (pair: Pair): void => {
    pairs.delete(pair);
    pair.client.resetAndDestroy();
    // The upstream side may still be connecting; destroy() is safe in every state.
    pair.server.destroy();
  };

  const relay = (pair: Pair, from: net.Socket, to: net.Socket, held: Buffer[]): void => {
    from.on('data', (chunk: Buffer) => {
      if (mode === 'blackholed' || held.length > 0) {
        held.push(chunk);
        pair.buffered += chunk.length;
        if (pair.buffered > MAX_BUFFERED_BYTES) reset(pair);
        return;
      }
      to.write(chunk);
    });
    from.on('end', () => {
      // A half-close while blackholed is held too: deliver it after the data, on resume.
      if (mode === 'blackholed') held.push(Buffer.alloc(0));
      else to.end();
    });
  };

  const server = net.createServer((client) => {
    accepted += 1;
    client.on('error', () => {});
    if (mode === 'refusing') {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ host: target.host, port: target.port });
    upstream.on('error', () => {});
    const pair: Pair = { client, server: upstream, toServer: [], toClient: [], buffered: 0 };
    pairs.add(pair);
    relay(pair, client, upstream, pair.toServer);
    relay(pair, upstream, client, pair.toClient);
    const gone = () => {
      if (!pairs.has(pair)) return;
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', gone);
    upstream.on('close', gone);
  });
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('startPgFaultProxy: the server has no TCP address.');
  const port = address.port;

  const flush = (pair: Pair): void => {
    for (const [held, to] of [
      [pair.toServer, pair.server],
      [pair.toClient, pair.client],
    ] as const) {
      for (const chunk of held.splice(0)) {
        if (chunk.length === 0) to.end();
        else to.write(chunk);
      }
    }
    pair.buffered = 0;
  };

  const proxy: PgFaultProxy = {
    port,
    get mode() {
      return mode;
    },
    get openConnections() {
      return pairs.size;
    },
    get acceptedConnections() {
      return accepted;
    },
    rewrite(url: string): string {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.href;
    },
    drop() {
      mode = 'refusing';
      for (const pair of [...pairs]) reset(pair);
    },
    async dropFor(ms: number) {
      proxy.drop();
      await new Promise((resolve) => setTimeout(resolve, ms));
      proxy.resume();
    },
    blackhole() {
      mode = 'blackholed';
    },
    resume() {
      mode = 'forward';
      for (const pair of [...pairs]) flush(pair);
    },
    async close() {
      mode = 'refusing';
      for (const pair of [...pairs]) reset(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
