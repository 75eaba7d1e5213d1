#!/usr/bin/env node
// vault.request() vs plain axios, same loopback server, same process.
//
// 20,000 requests through vault.request (cached token, audit ON, SQLite store) and 20,000 plain
// axios GETs with a hard-coded Bearer header, in interleaved rounds (A B B A …) to spread noise
// (GC, CPU frequency, neighbours) over both sides. Prints requests/s of each and the ratio of
// total time (vault / axios); the goal is ≤ 1.05×. Never asserts.
//
// Run on built output: `pnpm bench` (builds first) or `node bench/run.mjs vault-request`.
import { performance } from 'node:perf_hooks';
import axios from 'axios';
import { createBenchVault, interleaved, median, perSecond, startLoopbackApi, timeConcurrently } from './_support.mjs';

const TOTAL = Number(process.env.BENCH_REQUESTS ?? 20_000);
const ROUNDS = 20;
const PER_ROUND = Math.ceil(TOTAL / ROUNDS);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

const api = await startLoopbackApi();
const origin = api.origin;
const { vault, token, grantAlice, dispose } = createBenchVault({ caller: 'bench', tempPrefix: 'alter-bench-' });
await grantAlice();

const plain = axios.create();
const viaAxios = async (i) => {
  const res = await plain.get(`${origin}/gmail/v1/users/me/messages/${i}`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200 || res.data.id !== 'msg-1') throw new Error('bad axios response');
};
const viaVault = async (i) => {
  const res = await vault.request('bench', 'GET', `${origin}/gmail/v1/users/me/messages/{id}`, { user: 'alice', pathParams: { id: String(i) } });
  if (res.status !== 200 || res.json().id !== 'msg-1') throw new Error('bad vault response');
};

const round = (fn, n) => timeConcurrently(fn, n, CONCURRENCY);

// Warm-up: JIT, sockets, SQLite pages.
await round(viaAxios, 1000);
await round(viaVault, 1000);
await vault.audit.flush();

const { totals, ratios } = await interleaved(
  ROUNDS,
  () => round(viaVault, PER_ROUND),
  () => round(viaAxios, PER_ROUND),
);
const times = { vault: totals.a, axios: totals.b };
const tClose0 = performance.now();
await vault.close();
const closeMs = performance.now() - tClose0;

const n = PER_ROUND * ROUNDS;
const rps = (ms) => perSecond(n, ms);
console.log(`requests per side: ${n} in ${ROUNDS} interleaved rounds, concurrency ${CONCURRENCY}, loopback, Node ${process.version}`);
console.log(`plain axios      : ${rps(times.axios)} req/s`);
console.log(`vault.request    : ${rps(times.vault)} req/s (cached token, audit on, SQLite)`);
console.log(`ratio (vault/axios total time): ${(times.vault / times.axios).toFixed(3)}x   median round ratio: ${median(ratios).toFixed(3)}x   goal <= 1.05x`);
console.log(`vault.close() (final audit flush): ${closeMs.toFixed(1)} ms`);

await api.close();
dispose();
