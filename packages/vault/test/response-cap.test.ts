/**
 * Response bodies are capped (Trust I, finding 4): default 10 MiB counted after decompression,
 * per provider (`maxResponseBytes`) and per request. Real HTTP on 127.0.0.1 (a plain body that
 * never ends, a gzip bomb), a real SQLite file, the leak check on every token.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createLeakCheck, type LeakCheck } from '@alter/testing';
import { AlterVault, InvalidArgumentError, ResponseTooLargeError, type VaultResponse } from '@alter/vault';
import { loopbackProvider, newKey, newToken, tempDir, type TempDir } from './support/fixtures.js';

const MiB = 1024 * 1024;
const DEFAULT_CAP = 10 * MiB;

/** Bytes the streaming routes wrote before the client went away (or the body ended). */
const written = new Map<string, number>();
/** A gzip bomb: 96 MiB of zeros, about 100 KB on the wire (built once, streamed, never held inflated). */
let bomb: Buffer;

let server: Server;
let origin: string;
let tmp: TempDir;
let leak: LeakCheck;
let vault: AlterVault;
let token: string;

/** Writes `total` bytes of 'a' in 64 KiB chunks, honouring backpressure; stops when the client closes. */
function stream(res: ServerResponse, total: number, key: string): void {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let sent = 0;
  written.set(key, 0);
  const pump = (): void => {
    while (sent < total && !res.destroyed) {
      const n = Math.min(chunk.length, total - sent);
      sent += n;
      written.set(key, sent);
      if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  pump();
}

async function buildBomb(inflated: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gz.on('data', (c: Buffer) => parts.push(c));
  const done = new Promise<void>((resolve, reject) => {
    gz.on('end', resolve);
    gz.on('error', reject);
  });
  const zeros = Buffer.alloc(MiB);
  for (let i = 0; i < inflated / MiB; i++) {
    if (!gz.write(zeros)) await new Promise<void>((resolve) => gz.once('drain', resolve));
  }
  gz.end();
  await done;
  return Buffer.concat(parts);
}

beforeAll(async () => {
  bomb = await buildBomb(96 * MiB);
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const size = Number(url.searchParams.get('size') ?? '0');
    if (url.pathname === '/bomb') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(bomb.length) });
      res.end(bomb);
    } else if (url.pathname === '/gzip') {
      const body = gzipSync(Buffer.alloc(size, 0x62));
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'content-length': String(body.length) });
      res.end(body);
    } else if (url.pathname === '/empty') {
      res.writeHead(204);
      res.end();
    } else if (url.pathname === '/stall') {
      // Headers and a first chunk, then nothing: only the timeout or the signal can end it.
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    } else if (url.pathname === '/stream') {
      // No content-length: chunked, so only counting what arrives can stop it.
      res.writeHead(200, { 'content-type': 'text/plain' });
      stream(res, size, url.searchParams.get('key') ?? 'stream');
    } else {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(size) });
      res.end(Buffer.alloc(size, 0x61));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(async () => {
  tmp = tempDir('alter-response-cap');
  leak = createLeakCheck();
  token = leak.secret(newToken('at'), 'access token');
  vault = new AlterVault({
    caller: 'cap',
    providers: [loopbackProvider('acme'), loopbackProvider('small', { maxResponseBytes: 1000 })],
    store: tmp.file('vault.db'),
    encryptionKey: leak.secret(newKey(), 'encryption key'),
    logger: leak.logger,
    http: { timeoutMs: 30_000 },
  });
  for (const provider of ['acme', 'small']) await vault.grants.put({ user: 'alice', provider, accessToken: token, scopes: [] });
});

afterEach(async () => {
  const rows = await vault.audit.query({ limit: 1000 });
  leak.inspect(rows, 'audit rows');
  await vault.close();
  tmp.remove();
  leak.assertClean();
});

/** Runs fn expecting a throw; returns the error, or what was received instead (status and body size). */
async function failure(fn: () => Promise<VaultResponse>): Promise<unknown> {
  try {
    const res = await fn();
    return { unexpectedlyReceived: { status: res.status, bodyBytes: res.bytes().length } };
  } catch (err) {
    leak.inspect(err, 'thrown error');
    return err;
  }
}

/** Largest growth of Buffer memory (`arrayBuffers`) seen while `fn` runs, sampled every turn. */
async function peakBufferGrowth<T>(fn: () => Promise<T>): Promise<{ result: T; peak: number }> {
  const base = process.memoryUsage().arrayBuffers;
  let peak = 0;
  let sampling = true;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
    if (sampling) setImmediate(sample);
  };
  sample();
  try {
    return { result: await fn(), peak };
  } finally {
    sampling = false;
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
  }
}

describe('response body cap', () => {
  it('stops a gzip bomb (100 KB on the wire, 96 MiB inflated) at the default 10 MiB, memory bounded', async () => {
    const { result: err, peak } = await peakBufferGrowth(() =>
      failure(() => vault.request('acme', 'GET', `${origin}/bomb`, { user: 'alice' })),
    );
    expect(err).toMatchObject({ code: 'ALTER_RESPONSE_TOO_LARGE', provider: 'acme', limitBytes: DEFAULT_CAP, status: 200 });
    expect(err).toBeInstanceOf(ResponseTooLargeError);
    expect((err as Error).message).toContain('maxResponseBytes');
    // At most the cap is held (plus zlib's and the socket's working buffers), never the 96 MiB.
    expect(peak).toBeLessThan(DEFAULT_CAP + 16 * MiB);
    const [row] = await vault.audit.query({ limit: 1 });
    expect(row).toMatchObject({ errorCode: 'ALTER_RESPONSE_TOO_LARGE', status: null });
  });

  it('stops a plain body that keeps coming at the default cap and closes the connection', async () => {
    const total = 128 * MiB;
    const err = await failure(() => vault.request('acme', 'GET', `${origin}/stream?size=${total}&key=plain`, { user: 'alice' }));
    expect(err).toMatchObject({ code: 'ALTER_RESPONSE_TOO_LARGE', limitBytes: DEFAULT_CAP });
    expect(err).toBeInstanceOf(ResponseTooLargeError);
    // The server saw the connection close long before its 128 MiB were written (socket buffers
    // on loopback hold a few MiB at most).
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(written.get('plain')).toBeLessThan(total / 2);
  });

  it('accepts a body of exactly the cap and refuses one byte more', async () => {
    const ok = await vault.request('small', 'GET', `${origin}/plain?size=1000`, { user: 'alice' });
    expect(ok.bytes().length).toBe(1000);
    const err = await failure(() => vault.request('small', 'GET', `${origin}/plain?size=1001`, { user: 'alice' }));
    expect(err).toBeInstanceOf(ResponseTooLargeError);
    expect(err).toMatchObject({ provider: 'small', limitBytes: 1000 });
  });

  it('applies a provider cap to the decompressed size (a small gzip body inflating past it)', async () => {
    const err = await failure(() => vault.request('small', 'GET', `${origin}/gzip?size=50000`, { user: 'alice' }));
    expect(err).toBeInstanceOf(ResponseTooLargeError);
    expect(err).toMatchObject({ limitBytes: 1000 });
    const ok = await vault.request('small', 'GET', `${origin}/gzip?size=900`, { user: 'alice' });
    expect(ok.text()).toBe('b'.repeat(900));
  });

  it('lets a request lower or raise the cap', async () => {
    const lowered = await failure(() =>
      vault.request('acme', 'GET', `${origin}/plain?size=2000`, { user: 'alice', maxResponseBytes: 100 }),
    );
    expect(lowered).toBeInstanceOf(ResponseTooLargeError);
    expect(lowered).toMatchObject({ limitBytes: 100 });

    const raised = await vault.request('small', 'GET', `${origin}/plain?size=5000`, { user: 'alice', maxResponseBytes: 5000 });
    expect(raised.bytes().length).toBe(5000);

    const stillRefused = await failure(() =>
      vault.request('small', 'GET', `${origin}/stream?size=${64 * MiB}&key=raised`, { user: 'alice', maxResponseBytes: 20 * MiB }),
    );
    expect(stillRefused).toMatchObject({ limitBytes: 20 * MiB });
  });

  it('reads empty bodies (HEAD, 204) without waiting', async () => {
    const head = await vault.request('acme', 'HEAD', `${origin}/plain?size=5000`, { user: 'alice' });
    expect([head.status, head.bytes().length, head.headers['content-length']]).toEqual([200, 0, '5000']);
    const empty = await vault.request('acme', 'DELETE', `${origin}/empty`, { user: 'alice' });
    expect([empty.status, empty.data]).toEqual([204, null]);
  });

  it('times out, or aborts on the signal, while the body is still arriving', async () => {
    const timedOut = await failure(() => vault.request('acme', 'GET', `${origin}/stall`, { user: 'alice', timeoutMs: 300 }));
    expect(timedOut).toMatchObject({ code: 'ALTER_REQUEST_TIMEOUT', timeoutMs: 300 });
    const controller = new AbortController();
    const pending = failure(() => vault.request('acme', 'GET', `${origin}/stall`, { user: 'alice', signal: controller.signal }));
    setTimeout(() => controller.abort(), 300);
    expect(await pending).toMatchObject({ code: 'ALTER_REQUEST_ABORTED' });
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '1000'])('refuses maxResponseBytes %p before sending', async (bad) => {
    const err = await failure(() =>
      vault.request('acme', 'GET', `${origin}/plain?size=1`, { user: 'alice', maxResponseBytes: bad as number }),
    );
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as Error).message).toContain('options.maxResponseBytes');
  });

  it('refuses a bad provider maxResponseBytes when the vault is created', () => {
    expect(
      () =>
        new AlterVault({
          caller: 'x',
          providers: [loopbackProvider('bad', { maxResponseBytes: 0 })],
          store: tmp.file('bad.db'),
          encryptionKey: newKey(),
        }),
    ).toThrow(/maxResponseBytes must be a positive integer/);
  });
});
