#!/usr/bin/env node
// Audit rows/s with `audit: { durability: 'sync' }` (request() returns after its row committed;
// group commit) against the default `'batched'`, in the same run, on SQLite and on PostgreSQL.
//
// Per store, two vaults (one per durability, each on its own SQLite file / PostgreSQL schema)
// send requests through vault.request() to a loopback API with CONCURRENCY workers, in
// interleaved rounds (A B, B A, …). A round's time includes audit.flush(), so every row counted
// is committed. Prints rows/s of each side (median and min–max over the rounds) and the median
// ratio sync/batched. Never asserts.
//
// PostgreSQL: ALTER_BENCH_PG_URL or ALTER_TEST_PG_URL (schemas alter_bench_<hex>_*, dropped at
// the end); skipped with the reason printed when neither is set.
// Run on built output: `pnpm bench audit-durability` or `node bench/run.mjs audit-durability`.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AlterVault, silentLogger } from '../packages/vault/dist/index.js';
import { median, perSecond, startLoopbackApi, timeConcurrently } from './_support.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const PER_ROUND = Number(process.env.BENCH_REQUESTS_PER_ROUND ?? 2_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
// pg is a dependency of @alter/vault, not of the workspace root.
const pg = createRequire(new URL('../packages/vault/package.json', import.meta.url))('pg');
const PG_URL = process.env.ALTER_BENCH_PG_URL || process.env.ALTER_TEST_PG_URL || '';

const provider = {
  id: 'bench',
  displayName: 'Bench',
  clientId: 'bench',
  tokenEndpointAuthMethod: 'none',
  authorizationEndpoint: 'https://auth.bench.test/authorize',
  tokenEndpoint: 'https://auth.bench.test/token',
  defaultScopes: [],
  scopeSeparator: ' ',
  // The loopback API listens on port 0 (any free port): allow every port of 127.0.0.1.
  allowedHosts: ['127.0.0.1:*'],
  allowInsecureLoopback: true,
};

const api = await startLoopbackApi();
const key = randomBytes(32).toString('base64');

async function openVault(store, durability) {
  const vault = new AlterVault({
    caller: `bench-${durability}`,
    providers: [provider],
    store,
    encryptionKey: key,
    logger: silentLogger,
    audit: { durability },
  });
  await vault.grants.put({
    user: 'alice',
    provider: 'bench',
    accessToken: `at-${randomBytes(24).toString('base64url')}`,
    expiresAt: new Date(Date.now() + 3600_000),
    scopes: [],
  });
  return vault;
}

function roundOf(vault) {
  const send = async (i) => {
    const res = await vault.request('bench', 'GET', `${api.origin}/items/{id}`, { user: 'alice', pathParams: { id: String(i) } });
    if (res.status !== 200) throw new Error(`status ${res.status}`);
  };
  return async () => {
    const t0 = performance.now();
    await timeConcurrently(send, PER_ROUND, CONCURRENCY);
    await vault.audit.flush();
    return performance.now() - t0;
  };
}

async function compare(label, storeOf) {
  const batched = await openVault(storeOf('batched'), 'batched');
  const sync = await openVault(storeOf('sync'), 'sync');
  const sides = { batched: roundOf(batched), sync: roundOf(sync) };
  // Warm-up: JIT, sockets, pages, pool connections.
  await sides.batched();
  await sides.sync();
  const rates = { batched: [], sync: [] };
  const ratios = [];
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? ['batched', 'sync'] : ['sync', 'batched'];
    const ms = {};
    for (const side of order) ms[side] = await sides[side]();
    rates.batched.push(perSecond(PER_ROUND, ms.batched));
    rates.sync.push(perSecond(PER_ROUND, ms.sync));
    ratios.push(ms.batched / ms.sync);
  }
  const verified = [await batched.audit.verify(), await sync.audit.verify()];
  await batched.close();
  await sync.close();
  const show = (xs) => `${median(xs)} rows/s (min ${Math.min(...xs)}, max ${Math.max(...xs)})`;
  console.log(`${label}: ${ROUNDS} interleaved rounds × ${PER_ROUND} requests, concurrency ${CONCURRENCY}`);
  console.log(`  batched (default): ${show(rates.batched)}`);
  console.log(`  sync             : ${show(rates.sync)}`);
  console.log(`  sync / batched throughput, median round: ${median(ratios).toFixed(3)}x   (chains verify: ${verified.every((v) => v.ok)})`);
}

const dir = mkdtempSync(path.join(tmpdir(), 'alter-bench-audit-'));
try {
  console.log(`Node ${process.version}, loopback API, audit rows per request: 1`);
  await compare('SQLite', (side) => path.join(dir, `${side}.db`));
  if (PG_URL === '') {
    console.log('PostgreSQL: skipped (set ALTER_BENCH_PG_URL or ALTER_TEST_PG_URL to include it)');
  } else {
    const base = `alter_bench_${randomBytes(4).toString('hex')}`;
    const sep = PG_URL.includes('?') ? '&' : '?';
    try {
      await compare('PostgreSQL', (side) => `${PG_URL}${sep}schema=${base}_${side}`);
    } finally {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      for (const side of ['batched', 'sync']) await client.query(`DROP SCHEMA IF EXISTS "${base}_${side}" CASCADE`);
      await client.end();
    }
  }
} finally {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
}
