// The audit append alone: AuditLog on a real SQLite file (WAL, as the vault opens it), rows shaped
// like AlterVault.request's (a policy decision, no approval, no parent tool / reason / error), one
// append's worth recorded then flushed (BENCH_AUDIT_BATCH rows; default: each checkout's SQLite
// store's auditAppendLimit, so an A/B measures each build as it appends), repeated. The wall time
// of each flush is the event-loop stall one append causes; its median, p90 and max are printed.
//
// Two measures, both per row:
// - CPU time (process.cpuUsage: user + system, so SQLite's WAL writes and checkpoints count too),
//   this checkout against BENCH_AUDIT_COMPARE (another checkout's built packages/vault/dist),
//   interleaved in rounds in one process (each side its own file), median and min–max.
// - With BENCH_AUDIT_INSTR=1 (needs valgrind): instructions on the main thread counted by callgrind
//   for the measured rows only (instrumentation on after the warm-up), each side in its own
//   process, BENCH_AUDIT_REPEATS runs per side interleaved.
//
// Knobs: BENCH_AUDIT_ROWS (rows per round, default 3,200), BENCH_ROUNDS (default 15), BENCH_AUDIT_BATCH, BENCH_AUDIT_COMPARE,
// BENCH_AUDIT_INSTR, BENCH_AUDIT_REPEATS (default 3), BENCH_AUDIT_KEEP (a folder for the callgrind files).
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { emit, median, QUICK, quantile, rounds, show, stats } from './_measure.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const ROWS = Number(process.env.BENCH_AUDIT_ROWS ?? (QUICK ? 640 : 3200));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 5 : 15));
const REPEATS = Number(process.env.BENCH_AUDIT_REPEATS ?? 3);
const BATCH_OPTION = process.env.BENCH_AUDIT_BATCH === undefined ? undefined : Number(process.env.BENCH_AUDIT_BATCH);

async function load(checkout) {
  const dist = path.join(checkout, 'packages', 'vault', 'dist');
  const imp = (file) => import(pathToFileURL(path.join(dist, file)).href);
  const [{ AuditLog }, { SqliteGrantStore }, { silentLogger }] = await Promise.all([
    imp('audit-log.js'),
    imp('sqlite-grant-store.js'),
    imp('logger.js'),
  ]);
  return { AuditLog, SqliteGrantStore, silentLogger };
}

function row(n) {
  return {
    id: randomUUID(),
    at: new Date(),
    caller: 'bench',
    user: 'alice',
    provider: 'acme',
    account: 'default',
    method: 'GET',
    url: `http://127.0.0.1:4010/items/${n % 1000}`,
    status: 200,
    durationMs: 1.234,
    tool: 'get_item',
    parentTool: null,
    chain: ['get_item'],
    callId: `call-${n}`,
    reason: null,
    errorCode: null,
    decision: 'allow',
    policyRule: 'default',
    approval: null,
    approvalBy: null,
    approvalVia: null,
    approvalAt: null,
  };
}

/** An AuditLog on a fresh SQLite file in `dir`; `append(rows)` records and flushes 32 at a time. */
async function world(checkout, dir) {
  const { AuditLog, SqliteGrantStore, silentLogger } = await load(checkout);
  const store = new SqliteGrantStore({ filename: path.join(dir, 'audit.db') });
  await store.open();
  // Rows per flush: one append of this checkout's store (older builds appended 32 at a time).
  const batch = BATCH_OPTION ?? store.auditAppendLimit ?? 32;
  const log = new AuditLog(store, silentLogger, { maxBatchRows: Math.max(200, batch), maxDelayMs: 60_000 });
  let n = 0;
  const flushMs = [];
  return {
    batch,
    flushMs,
    async append(count) {
      for (let done = 0; done < count; done += batch) {
        for (let i = 0; i < batch; i++) log.record(row(n++));
        const t0 = performance.now();
        await log.flush();
        flushMs.push(performance.now() - t0);
      }
    },
    close: () => store.close(),
  };
}

if (process.argv[2] === 'child') {
  // Under callgrind: warm up with instrumentation off, say "ready", append, say "done".
  const [, , , checkout, count] = process.argv;
  const dir = mkdtempSync(path.join(tmpdir(), 'alter-bench-audit-'));
  const w = await world(checkout, dir);
  await w.append(3200);
  globalThis.gc?.();
  const rl = createInterface({ input: process.stdin });
  const lines = rl[Symbol.asyncIterator]();
  console.log('ready');
  await lines.next();
  await w.append(Number(count));
  console.log('done');
  await lines.next();
  await w.close();
  rl.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

const checkouts = [{ label: 'this', root }];
if (process.env.BENCH_AUDIT_COMPARE) checkouts.push({ label: 'compare', root: path.resolve(process.env.BENCH_AUDIT_COMPARE) });

if (process.env.BENCH_AUDIT_INSTR === '1') {
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    console.log('audit-append: instructions skipped (no valgrind)');
    process.exit(0);
  }
  const perRow = Object.fromEntries(checkouts.map((c) => [c.label, []]));
  for (let r = 0; r < REPEATS; r++) {
    for (const c of r % 2 === 0 ? checkouts : [...checkouts].reverse()) {
      const dir = mkdtempSync(path.join(process.env.BENCH_AUDIT_KEEP ?? tmpdir(), 'alter-bench-audit-cg-'));
      const args = ['--tool=callgrind', '--instr-atstart=no', '--separate-threads=yes', `--callgrind-out-file=${path.join(dir, 'out')}`];
      const child = spawn(
        'valgrind',
        [...args, process.execPath, '--expose-gc', fileURLToPath(import.meta.url), 'child', c.root, String(ROWS)],
        {
          stdio: ['pipe', 'pipe', 'inherit'],
        },
      );
      const exited = new Promise((resolve) => child.on('exit', resolve));
      for await (const line of createInterface({ input: child.stdout })) {
        if (line !== 'ready' && line !== 'done') continue;
        const res = spawnSync('callgrind_control', ['-i', line === 'ready' ? 'on' : 'off', String(child.pid)], { encoding: 'utf8' });
        if (res.status !== 0) throw new Error(`callgrind_control failed: ${res.stderr || res.stdout}`);
        child.stdin.write('go\n');
        if (line === 'done') child.stdin.end();
      }
      if ((await exited) !== 0) throw new Error(`child (${c.label}) failed`);
      const m = /^totals: (\d+)/m.exec(readFileSync(path.join(dir, 'out-01'), 'utf8'));
      // BENCH_AUDIT_KEEP=<dir>: keep the callgrind files there (for callgrind_annotate).
      if (process.env.BENCH_AUDIT_KEEP === undefined) rmSync(dir, { recursive: true, force: true });
      const v = Number(m[1]) / ROWS;
      perRow[c.label].push(v);
      console.log(`  ${c.label.padEnd(8)} repeat ${r + 1}: ${(v / 1000).toFixed(1)} k instructions/row (main thread)`);
    }
  }
  for (const c of checkouts)
    console.log(
      `${c.label}: ${show(
        perRow[c.label].map((x) => x / 1000),
        1,
        ' k',
      )} instructions/row`,
    );
  emit({
    name: 'audit append, instructions per row (callgrind, main thread)',
    rows: ROWS,
    perRow: Object.fromEntries(checkouts.map((c) => [c.label, stats(perRow[c.label])])),
  });
  process.exit(0);
}

const dirs = [];
const sides = {};
const worlds = [];
for (const c of checkouts) {
  const dir = mkdtempSync(path.join(tmpdir(), 'alter-bench-audit-'));
  dirs.push(dir);
  const w = await world(c.root, dir);
  worlds.push(w);
  await w.append(w.batch * 20); // warm-up
  w.flushMs.length = 0;
  sides[c.label] = () => w.append(ROWS);
}
const result = await rounds(ROUNDS, sides, checkouts.length > 1 ? 'compare' : undefined);
console.log(`audit append on SQLite, ${ROUNDS} rounds × ${ROWS} rows`);
for (const [i, [label, m]] of Object.entries(result.sides).entries()) {
  const us = m.cpu.map((ms) => (ms * 1000) / ROWS);
  const stall = worlds[i].flushMs;
  console.log(
    `  ${label.padEnd(8)} ${worlds[i].batch} rows per append: cpu ${show(us, 2, ' µs')}/row  wall ${show(
      m.wall.map((ms) => (ms * 1000) / ROWS),
      2,
      ' µs',
    )}/row  one append (wall, the stall): median ${median(stall).toFixed(2)} ms, p90 ${quantile(stall, 0.9).toFixed(2)} ms, max ${Math.max(...stall).toFixed(2)} ms`,
  );
}
// Only with BENCH_AUDIT_COMPARE (one checkout has nothing to divide by).
for (const [label, r] of checkouts.length > 1 ? Object.entries(result.ratios) : [])
  console.log(`  ratio ${label} / compare: cpu ${show(r.cpu, 3, '×')} (median ${median(r.cpu).toFixed(3)})`);
emit({
  name: 'audit append on SQLite, CPU per row',
  rows: ROWS,
  rounds: ROUNDS,
  sides: Object.fromEntries(Object.entries(result.sides).map(([k, m]) => [k, stats(m.cpu.map((ms) => (ms * 1000) / ROWS))])),
  rowsPerAppend: Object.fromEntries(checkouts.map((c, i) => [c.label, worlds[i].batch])),
  appendWallMs: Object.fromEntries(checkouts.map((c, i) => [c.label, stats(worlds[i].flushMs)])),
});
for (const w of worlds) await w.close();
for (const d of dirs) rmSync(d, { recursive: true, force: true });
