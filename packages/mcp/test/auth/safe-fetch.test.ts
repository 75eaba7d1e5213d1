/**
 * safeFetch against real loopback servers: the byte cap (declared and streamed), the deadline, no
 * redirects followed, one resolution per fetch, and refusal before connect.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { SafeFetchError, safeFetch } from '../../src/auth/safe-fetch.js';
import { closeServer } from './support/auth-harness.js';

describe('safeFetch', () => {
  let server: Server;
  let origin: string;
  let port: number;
  let requests = 0;
  const stalled: Array<() => void> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      if (req.url === '/big-declared') return void res.writeHead(200, { 'content-length': String(70_000) }).end('x'.repeat(70_000));
      if (req.url === '/big-chunked') {
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < 70; i++) res.write('y'.repeat(1000));
        return void res.end();
      }
      if (req.url === '/redirect') return void res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
      if (req.url === '/stall') return void stalled.push(() => res.end('late'));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ host: req.headers.host }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    origin = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    for (const release of stalled) release();
    await closeServer(server);
  });

  const options = { allowLoopback: true, maxBytes: 64 * 1024, timeoutMs: 10_000, accept: 'application/json' };

  async function failure(promise: Promise<unknown>): Promise<SafeFetchError> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SafeFetchError);
    return err as SafeFetchError;
  }

  it('refuses a body over the cap, declared or streamed', async () => {
    expect((await failure(safeFetch(new URL(`${origin}/big-declared`), options))).code).toBe('too_large');
    expect((await failure(safeFetch(new URL(`${origin}/big-chunked`), options))).code).toBe('too_large');
  });

  it('gives up at the deadline', async () => {
    expect((await failure(safeFetch(new URL(`${origin}/stall`), { ...options, timeoutMs: 300 }))).code).toBe('timeout');
  });

  it('does not follow redirects', async () => {
    const before = requests;
    const res = await safeFetch(new URL(`${origin}/redirect`), options);
    expect(res.status).toBe(302);
    expect(requests - before).toBe(1);
  });

  it('asks the resolver once per fetch, keeps the hostname as Host, and refuses before connecting when any answer is refused', async () => {
    const asked: string[] = [];
    const res = await safeFetch(new URL(`http://docs.test:${port}/ok`), {
      ...options,
      resolve: async (hostname) => {
        asked.push(hostname);
        return [{ address: '127.0.0.1', family: 4 }];
      },
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString('utf8'))).toEqual({ host: `docs.test:${port}` });
    expect(asked).toEqual(['docs.test']);

    const before = requests;
    const err = await failure(
      safeFetch(new URL(`http://docs.test:${port}/ok`), {
        ...options,
        resolve: async () => [
          { address: '127.0.0.1', family: 4 },
          { address: '10.0.0.1', family: 4 },
        ],
      }),
    );
    expect(err.code).toBe('refused_address');
    expect(err.message).toMatch(/private/);
    expect((await failure(safeFetch(new URL(`http://[::ffff:7f00:1]:${port}/ok`), options))).code).toBe('refused_address');
    expect((await failure(safeFetch(new URL(`http://nowhere.test:${port}/ok`), { ...options, resolve: async () => [] }))).code).toBe(
      'unresolvable',
    );
    expect(requests).toBe(before);
  });
});

describe('safeFetch over https', () => {
  it('connects TLS to the checked address only, keeping the hostname for SNI', async () => {
    const names: string[] = [];
    // No certificate: the handshake fails after the ClientHello, which is all this test needs.
    const server = tls.createServer({
      SNICallback: (servername, callback) => {
        names.push(servername);
        callback(new Error('no certificate here'));
      },
    });
    server.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
    const { port } = server.address() as AddressInfo;
    const asked: string[] = [];
    try {
      const err = await safeFetch(new URL(`https://cimd.test:${port}/client.json`), {
        allowLoopback: true,
        maxBytes: 1024,
        timeoutMs: 10_000,
        accept: 'application/json',
        resolve: async (hostname) => {
          asked.push(hostname);
          return [{ address: '127.0.0.2', family: 4 }];
        },
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SafeFetchError);
      expect((err as SafeFetchError).code).toBe('network');
      expect(asked).toEqual(['cimd.test']);
      expect(names).toEqual(['cimd.test']);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
