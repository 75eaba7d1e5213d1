#!/usr/bin/env node
// Audit rows/s across processes: P processes (default 4) append to ONE PostgreSQL audit chain at
// once (the advisory-locked append), each through the vault's own audit writer (AuditLog,
// 'batched') with as many rows queued as its window allows. Prints the aggregate rows/s (rows
// over the span from the first start to the last commit; median and min–max over rounds) for the
// default window (maxBatchRows 200) and a larger one (1,000), and checks the chain verifies.
// Goal: ≥ 10,000 rows/s in aggregate with 4 processes. Never asserts.
//
// BENCH_AUDIT_MP_COMPARE=/other/checkout (built) adds that tree's writer as a baseline: every
// round runs both trees one after the other (the order alternating by round), each on its own
// schema, and prints the per-round ratio. The load average is printed with the numbers.
//
// ALTER_BENCH_PG_URL or ALTER_TEST_PG_URL (schemas alter_bench_mp_<hex>, dropped at the end);
// skipped with a note when neither is set. Run on built output: `pnpm bench audit-multiprocess`.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { AlterVault, silentLogger } from '../packages/vault/dist/index.js';
import { emit, QUICK, show, stats } from './_measure.mjs';

const PG_URL = process.env.ALTER_BENCH_PG_URL || process.env.ALTER_TEST_PG_URL || '';
const PROCESSES = Number(process.env.BENCH_PROCESSES ?? 4);
const ROWS = Number(process.env.BENCH_ROWS_PER_PROCESS ?? (QUICK ? 3_000 : 10_000));
const ROUNDS = Number(process.env.BENCH_MP_ROUNDS ?? (QUICK ? 1 : 3));
const COMPARE = process.env.BENCH_AUDIT_MP_COMPARE || '';
const pg = createRequire(new URL('../packages/vault/package.json', import.meta.url))('pg');
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ');

const CHILD = `
const [dist, url, rows, maxBatchRows] = process.argv.slice(1);
const { PostgresGrantStore, silentLogger } = await import(dist + '/index.js');
const { AuditLog } = await import(dist + '/audit-log.js');
const { randomUUID } = await import('node:crypto');
const store = new PostgresGrantStore({ connectionString: url });
await store.open();
const log = new AuditLog(store, silentLogger, { maxBatchRows: Number(maxBatchRows) });
process.stdout.write('ready\\n');
// A parent that dies leaves stdin at its end: exit instead of waiting forever.
process.stdin.once('end', () => process.exit(1));
await new Promise((r) => process.stdin.once('data', r));
const start = Date.now();
for (let i = 0; i < Number(rows); i++) {
  const wait = log.record({ id: randomUUID(), at: new Date(), caller: 'mp-' + process.pid, user: 'alice', provider: 'bench', account: 'a', method: 'GET',
    url: 'https://api.example.com/items/' + i, status: 200, durationMs: 1.5, tool: 'get_item', parentTool: null, chain: ['get_item'], callId: randomUUID(), reason: null, errorCode: null });
  if (wait !== undefined) await wait; // the loss window is full: wait for a commit, as request() does
}
await log.flush();
const end = Date.now();
process.stdout.write(JSON.stringify({ start, end, rows: Number(rows) }) + '\\n');
await store.close();
process.exit(0);
`;

function child(dist, url, maxBatchRows) {
  const proc = spawn(process.execPath, ['--input-type=module', '-e', CHILD, dist, url, String(ROWS), String(maxBatchRows)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  const lines = [];
  const waiters = [];
  proc.stdout.on('data', (d) => {
    out += d;
    let nl = out.indexOf('\n');
    while (nl >= 0) {
      lines.push(out.slice(0, nl));
      out = out.slice(nl + 1);
      waiters.shift()?.();
      nl = out.indexOf('\n');
    }
  });
  const line = (n) =>
    new Promise((r) => (lines.length >= n ? r() : waiters.push(r))).then(() => (lines.length >= n ? lines[n - 1] : line(n)));
  return { proc, line, go: () => proc.stdin.write('go\n') };
}

if (PG_URL === '') {
  console.log('audit across processes: skipped (set ALTER_TEST_PG_URL or ALTER_BENCH_PG_URL to include it)');
  process.exit(0);
}
/** One tree's writer: its built dist and its own schema (so each tree's migrations and chain stay its own). */
const sides = [{ name: 'this tree', dist: new URL('../packages/vault/dist', import.meta.url).href }];
if (COMPARE !== '') {
  const dist = path.resolve(COMPARE, 'packages/vault/dist');
  if (!existsSync(path.join(dist, 'index.js')))
    throw new Error(`BENCH_AUDIT_MP_COMPARE: ${dist}/index.js is missing; build that checkout first.`);
  sides.push({ name: `baseline (${COMPARE})`, dist: pathToFileURL(dist).href });
}
for (const side of sides) {
  side.schema = `alter_bench_mp_${randomBytes(4).toString('hex')}`;
  side.url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${side.schema}`;
}

/** Rows/s of one round: P processes of `side` at once; rows over the span from the first start to the last commit. */
async function round(side, maxBatchRows) {
  const kids = Array.from({ length: PROCESSES }, () => child(side.dist, side.url, maxBatchRows));
  await Promise.all(kids.map((k) => k.line(1)));
  for (const k of kids) k.go();
  const results = await Promise.all(kids.map(async (k) => JSON.parse(await k.line(2))));
  const span = Math.max(...results.map((x) => x.end)) - Math.min(...results.map((x) => x.start));
  return (results.reduce((a, x) => a + x.rows, 0) / span) * 1000;
}

try {
  for (const side of sides) {
    // Creates the schema (with that tree's migrations) once, before the writers race.
    const { PostgresGrantStore: Store } = await import(`${side.dist}/index.js`);
    const setup = new Store({ connectionString: side.url });
    await setup.open();
    await setup.close();
  }
  console.log(`${PROCESSES} processes × ${ROWS} rows each, one PostgreSQL chain per tree, ${ROUNDS} rounds per window; load ${load()}`);
  for (const maxBatchRows of [200, 1_000]) {
    const rates = new Map(sides.map((s) => [s, []]));
    const ratios = [];
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) rates.get(side).push(await round(side, maxBatchRows));
      if (sides.length === 2) ratios.push(rates.get(sides[0]).at(-1) / rates.get(sides[1]).at(-1));
    }
    for (const side of sides) {
      console.log(
        `  maxBatchRows ${String(maxBatchRows).padEnd(5)} ${side.name}: ${show(rates.get(side), 0, ' rows/s')} aggregate (goal ≥ 10,000)`,
      );
    }
    if (ratios.length > 0) console.log(`  maxBatchRows ${String(maxBatchRows).padEnd(5)} ratio this / baseline: ${show(ratios, 2, '×')}`);
    console.log(`  load ${load()}`);
    emit({
      name: `audit rows/s, ${PROCESSES} processes on one PostgreSQL chain, maxBatchRows ${maxBatchRows}`,
      case: 'audit-multiprocess',
      processes: PROCESSES,
      maxBatchRows,
      rowsPerSecond: stats(rates.get(sides[0])),
      ...(sides.length === 2 ? { baselineRowsPerSecond: stats(rates.get(sides[1])), ratio: stats(ratios) } : {}),
      loadAverage: loadavg(),
    });
  }
  for (const side of sides) {
    const vault = new AlterVault({
      caller: 'mp-verify',
      providers: [],
      store: side.url,
      encryptionKey: randomBytes(32).toString('base64'),
      logger: silentLogger,
    });
    const verified = await vault.audit.verify();
    await vault.close();
    console.log(`  chain of ${side.name}: ${verified.ok ? 'verifies' : `BROKEN (${verified.problem})`} over ${verified.checked} rows`);
    emit({ name: `audit multiprocess chain, ${side.name}`, case: 'audit-multiprocess-verify', ok: verified.ok, checked: verified.checked });
  }
} finally {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  for (const side of sides) await c.query(`DROP SCHEMA IF EXISTS "${side.schema}" CASCADE`);
  await c.end();
}
