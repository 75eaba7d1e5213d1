// What the benchmarks share (bench/run.mjs skips files starting with `_`): a loopback JSON API,
// a vault on a temp SQLite file holding alice's grant for it, and the timing loops that compare
// two sides measured in the same run. Runs on built output, like the benchmarks.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { AlterVault, silentLogger } from '../packages/vault/dist/index.js';

/** The fake provider API's answer to every request (a Gmail-like message). */
export const MESSAGE_BODY = JSON.stringify({ id: 'msg-1', snippet: 'hello world', labels: ['INBOX', 'UNREAD'] });

/** Starts an HTTP server on 127.0.0.1 (any port) answering every request with MESSAGE_BODY. */
export async function startLoopbackApi() {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(MESSAGE_BODY) });
      res.end(MESSAGE_BODY);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

/**
 * A vault on a SQLite file in a temp folder with one provider, `bench`, allowed to call
 * 127.0.0.1. `grantAlice()` stores alice's grant (a random access token valid for an hour) and
 * returns the token, for the plain side to send itself. `dispose()` removes the folder (close the
 * vault first).
 */
export function createBenchVault({ caller, tempPrefix }) {
  const dir = mkdtempSync(path.join(tmpdir(), tempPrefix));
  const vault = new AlterVault({
    caller,
    providers: [
      {
        id: 'bench',
        displayName: 'Bench',
        clientId: 'bench',
        tokenEndpointAuthMethod: 'none',
        authorizationEndpoint: 'https://auth.bench.test/authorize',
        tokenEndpoint: 'https://auth.bench.test/token',
        defaultScopes: [],
        scopeSeparator: ' ',
        allowedHosts: ['127.0.0.1:*'],
        allowInsecureLoopback: true,
      },
    ],
    store: path.join(dir, 'vault.db'),
    encryptionKey: randomBytes(32).toString('base64'),
    logger: silentLogger,
  });
  const token = `at-${randomBytes(24).toString('base64url')}`;
  return {
    vault,
    token,
    grantAlice: () =>
      vault.grants.put({
        user: 'alice',
        provider: 'bench',
        accessToken: token,
        expiresAt: new Date(Date.now() + 3600_000),
        scopes: ['read'],
      }),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs `fn(0) … fn(n - 1)` with `concurrency` workers; returns the elapsed ms. */
export async function timeConcurrently(fn, n, concurrency) {
  let next = 0;
  const worker = async () => {
    while (next < n) await fn(next++);
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return performance.now() - t0;
}

/**
 * Times two sides in `rounds` interleaved rounds (A B, B A, …) so that noise (GC, CPU frequency,
 * neighbours) spreads over both. Each side is `() => Promise<ms>`. Returns the total ms of each
 * side and each round's ratio `a / b`.
 */
export async function interleaved(rounds, a, b) {
  const totals = { a: 0, b: 0 };
  const ratios = [];
  for (let r = 0; r < rounds; r++) {
    let ta;
    let tb;
    if (r % 2 === 0) {
      tb = await b();
      ta = await a();
    } else {
      ta = await a();
      tb = await b();
    }
    totals.a += ta;
    totals.b += tb;
    ratios.push(ta / tb);
  }
  return { totals, ratios };
}

/** The median of some numbers. */
export function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Operations per second for `n` operations in `ms`. */
export const perSecond = (n, ms) => Math.round((n / ms) * 1000);
