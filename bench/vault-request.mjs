#!/usr/bin/env node
// vault.request() vs plain axios, same loopback server, same process.
//
// 20,000 requests through vault.request (cached token, audit ON, SQLite store) and 20,000 plain
// axios GETs with a hard-coded Bearer header, in interleaved rounds (A B B A …) to spread noise
// (GC, CPU frequency, neighbours) over both sides. Prints requests/s of each and the ratio of
// total time (vault / axios); the goal is ≤ 1.05×. Never asserts.
//
// Run on built output: `pnpm bench` (builds first) or `node bench/run.mjs vault-request`.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import axios from 'axios';
import { AlterVault, silentLogger } from '../packages/vault/dist/index.js';

const TOTAL = Number(process.env.BENCH_REQUESTS ?? 20_000);
const ROUNDS = 20;
const PER_ROUND = Math.ceil(TOTAL / ROUNDS);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

const body = JSON.stringify({ id: 'msg-1', snippet: 'hello world', labels: ['INBOX', 'UNREAD'] });
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

const dir = mkdtempSync(path.join(tmpdir(), 'alter-bench-'));
const token = `at-${randomBytes(24).toString('base64url')}`;
const vault = new AlterVault({
  caller: 'bench',
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
      allowedHosts: ['127.0.0.1'],
      allowInsecureLoopback: true,
    },
  ],
  store: path.join(dir, 'vault.db'),
  encryptionKey: randomBytes(32).toString('base64'),
  logger: silentLogger,
});
await vault.grants.put({ user: 'alice', provider: 'bench', accessToken: token, expiresAt: new Date(Date.now() + 3600_000), scopes: ['read'] });

const plain = axios.create();
const viaAxios = async (i) => {
  const res = await plain.get(`${origin}/gmail/v1/users/me/messages/${i}`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200 || res.data.id !== 'msg-1') throw new Error('bad axios response');
};
const viaVault = async (i) => {
  const res = await vault.request('bench', 'GET', `${origin}/gmail/v1/users/me/messages/{id}`, { user: 'alice', pathParams: { id: String(i) } });
  if (res.status !== 200 || res.json().id !== 'msg-1') throw new Error('bad vault response');
};

async function round(fn, n) {
  let next = 0;
  const worker = async () => {
    while (next < n) await fn(next++);
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return performance.now() - t0;
}

// Warm-up: JIT, sockets, SQLite pages.
await round(viaAxios, 1000);
await round(viaVault, 1000);
await vault.audit.flush();

const times = { axios: 0, vault: 0 };
const ratios = [];
for (let r = 0; r < ROUNDS; r++) {
  // A B B A: alternate which side goes first.
  const order = r % 2 === 0 ? ['axios', 'vault'] : ['vault', 'axios'];
  const t = {};
  for (const side of order) t[side] = await round(side === 'axios' ? viaAxios : viaVault, PER_ROUND);
  times.axios += t.axios;
  times.vault += t.vault;
  ratios.push(t.vault / t.axios);
}
const tClose0 = performance.now();
await vault.close();
const closeMs = performance.now() - tClose0;

const n = PER_ROUND * ROUNDS;
const rps = (ms) => Math.round((n / ms) * 1000);
ratios.sort((a, b) => a - b);
const median = ratios[Math.floor(ratios.length / 2)];
console.log(`requests per side: ${n} in ${ROUNDS} interleaved rounds, concurrency ${CONCURRENCY}, loopback, Node ${process.version}`);
console.log(`plain axios      : ${rps(times.axios)} req/s`);
console.log(`vault.request    : ${rps(times.vault)} req/s (cached token, audit on, SQLite)`);
console.log(`ratio (vault/axios total time): ${(times.vault / times.axios).toFixed(3)}x   median round ratio: ${median.toFixed(3)}x   goal <= 1.05x`);
console.log(`vault.close() (final audit flush): ${closeMs.toFixed(1)} ms`);

server.close();
rmSync(dir, { recursive: true, force: true });
