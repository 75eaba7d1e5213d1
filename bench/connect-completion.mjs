#!/usr/bin/env node
// How late a Connect completion in one process is noticed by a wait in another: vault A handles
// the callback (a state that does not match, so the session fails at once — the same
// settle-and-announce path as a completion, without an OAuth server), vault B on the same store
// has `vault.connect.waitFor()` pending. Measured: from sending the callback to A until B's wait
// resolves. Sides, interleaved sample by sample: PostgreSQL (B hears A's NOTIFY on its LISTEN
// connection) and, as the baseline doing the same work, one SQLite file shared by A and B (B reads
// the store every 250 ms). Median and min–max; never asserts.
//
// ALTER_BENCH_PG_URL or ALTER_TEST_PG_URL (schema alter_bench_cc_<hex>, dropped at the end);
// skipped with a note when neither is set. Run on built output: `pnpm bench connect-completion`.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { AlterVault, silentLogger } from '../packages/vault/dist/index.js';
import { emit, QUICK, show, stats } from './_measure.mjs';

const PG_URL = process.env.ALTER_BENCH_PG_URL || process.env.ALTER_TEST_PG_URL || '';
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? (QUICK ? 8 : 30));
const pg = createRequire(new URL('../packages/vault/package.json', import.meta.url))('pg');

const provider = {
  id: 'bench',
  displayName: 'Bench',
  clientId: 'bench',
  tokenEndpointAuthMethod: 'none',
  authorizationEndpoint: 'https://auth.bench.test/authorize',
  tokenEndpoint: 'https://auth.bench.test/token',
  defaultScopes: [],
  scopeSeparator: ' ',
  allowedHosts: ['api.bench.test'],
};

async function pair(store, encryptionKey) {
  const a = new AlterVault({ caller: 'completer', store, encryptionKey, providers: [provider], logger: silentLogger });
  const b = new AlterVault({ caller: 'waiter', store, encryptionKey, providers: [provider], logger: silentLogger });
  const { url } = await a.connect.listen();
  await b.ready();
  return {
    /** Milliseconds from sending the callback to A until B's wait resolved. */
    async once() {
      const s = await a.connect.createSession({ user: 'u', providers: { bench: [] } });
      const noticed = b.connect.waitFor(s.id, { timeoutMs: 30_000 }).then(() => performance.now());
      // B is waiting (its first read is done); a random phase, so the baseline samples its 250 ms
      // poll cycle evenly instead of always the same point of it.
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 250));
      const t0 = performance.now();
      const res = await fetch(`${url}/connect/callback?state=${s.id}.bench`);
      await res.arrayBuffer();
      return (await noticed) - t0;
    },
    async close() {
      await b.close();
      await a.close();
    },
  };
}

if (!PG_URL) {
  console.log('connect-completion: skipped — set ALTER_BENCH_PG_URL or ALTER_TEST_PG_URL (a PostgreSQL server) to run it.');
  process.exit(0);
}
const schema = `alter_bench_cc_${randomBytes(4).toString('hex')}`;
const dir = mkdtempSync(path.join(tmpdir(), 'alter-bench-cc-'));
const key = randomBytes(32).toString('base64');
const sides = {
  'postgres LISTEN/NOTIFY': await pair(`${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`, key),
  'sqlite, 250 ms reads': await pair(path.join(dir, 'vault.db'), key),
};
try {
  // Warm-up: the first wait on PostgreSQL opens the LISTEN connection.
  for (const side of Object.values(sides)) await side.once();
  const ms = Object.fromEntries(Object.keys(sides).map((n) => [n, []]));
  for (let i = 0; i < SAMPLES; i++) for (const [n, side] of Object.entries(sides)) ms[n].push(await side.once());
  console.log(
    `connect completion noticed in another vault (${SAMPLES} samples per side; ms from the callback request to the other wait resolving)`,
  );
  for (const [n, values] of Object.entries(ms)) console.log(`  ${n.padEnd(24)} ${show(values, 1, ' ms')}`);
  const base = stats(ms['sqlite, 250 ms reads']).median;
  const notified = stats(ms['postgres LISTEN/NOTIFY']).median;
  console.log(`  ratio of medians (postgres / sqlite baseline): ${(notified / base).toFixed(3)}×`);
  emit({
    name: 'connect completion noticed in another vault',
    case: 'connect-completion',
    samples: SAMPLES,
    ms: Object.fromEntries(Object.entries(ms).map(([n, v]) => [n, stats(v)])),
  });
} finally {
  for (const side of Object.values(sides)) await side.close();
  rmSync(dir, { recursive: true, force: true });
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await c.end();
}
