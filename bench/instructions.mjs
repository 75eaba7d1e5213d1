#!/usr/bin/env node
// CPU instructions per call, counted by valgrind (callgrind): a second measure of our overhead
// next to the CPU-time ratios of hotpath.mjs, independent of the machine's load (instruction
// counts do not change when neighbours steal the CPU, where CPU time does).
//
// Each side (bench/_instructions-side.mjs) runs in its own process under valgrind with callgrind's
// instrumentation OFF for startup and warm-up and ON (callgrind_control) for BENCH_INSTR_CALLS
// measured calls and the flush of their audit rows: instructions per call = counted / calls, on
// the MAIN THREAD (the measure: stable to about 2 % between runs in memory, less over HTTP) and
// on all threads (adds V8's optimizing-compiler and GC helper threads, whose share varies ±20 %
// between processes).
// Pairs (ours / baseline, audit on, concurrency 8):
// - alter_tool / raw_tool: a tool call in memory on SQLite against a raw SDK tool doing the
//   matched axios call;
// - alter_tool_pg / raw_tool: the same tool call with the vault on PostgreSQL (its own schema on
//   ALTER_BENCH_PG_URL or ALTER_TEST_PG_URL, dropped after each run; skipped with a note when
//   neither is set);
// - alter_tool_http / raw_tool_http: both tools over Streamable HTTP (the SDK's server transport on
//   127.0.0.1, its client transport in the same process), SQLite;
// - alter_tool / raw_tool_alone: the same, the raw tool measured in a process where no Alter call
//   ever ran (so no AsyncLocalStorage promise hook runs on its promises: a server without Alter);
// - vault_request / matched_axios: vault.request() against the matched axios call.
// Repeated BENCH_INSTR_REPEATS times (median, min–max). BENCH_INSTR_COMPARE=/other/checkout
// measures another build (e.g. main before a change) in the same run, interleaved; the side script
// loads that checkout's packages/*/dist and SDK. Slow (valgrind runs Node tens of times slower):
// minutes per side on a loaded machine.
//
// Knobs: BENCH_INSTR_CALLS (default 300; --quick 100), BENCH_INSTR_REPEATS (default 3; --quick 1),
// BENCH_INSTR_SIDES (comma-separated), BENCH_INSTR_WARMUP (warm-up calls, uninstrumented; default 6,000, --quick 2,000: TurboFan still
// optimizes functions after 1,500 calls, so a shorter warm-up counts compilation and unoptimized code), BENCH_INSTR_KEEP
// (a folder: the callgrind files of every run are kept there, one folder per run, for
// callgrind_annotate, e.g. to see which functions the helper threads ran).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { emit, QUICK, show, stats, WARMUP_CALLS } from './_measure.mjs';
import { createPgBenchSchema, PG_URL } from './_support.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const CALLS = Number(process.env.BENCH_INSTR_CALLS ?? (QUICK ? 100 : 300));
const REPEATS = Number(process.env.BENCH_INSTR_REPEATS ?? (QUICK ? 1 : 3));
const WARMUP = Number(process.env.BENCH_INSTR_WARMUP ?? WARMUP_CALLS);
const ALL_SIDES = [
  'alter_tool',
  'raw_tool',
  'raw_tool_alone',
  'alter_tool_pg',
  'alter_tool_http',
  'raw_tool_http',
  'vault_request',
  'matched_axios',
  'alter_noop',
  'raw_noop',
];
let SIDES = process.env.BENCH_INSTR_SIDES?.split(',') ?? ALL_SIDES;
const unknown = SIDES.filter((s) => !ALL_SIDES.includes(s));
if (unknown.length > 0) throw new Error(`BENCH_INSTR_SIDES: unknown side(s) ${unknown.join(', ')}; one of ${ALL_SIDES.join(', ')}`);
if (SIDES.includes('alter_tool_pg') && PG_URL === '') {
  console.log('instructions: alter_tool_pg skipped (set ALTER_TEST_PG_URL or ALTER_BENCH_PG_URL to include it)');
  SIDES = SIDES.filter((s) => s !== 'alter_tool_pg');
}
const PAIRS = [
  ['alter_tool', 'raw_tool', 'tool call in memory SQLite, concurrency 8'],
  ['alter_tool', 'raw_tool_alone', 'tool call in memory SQLite vs the raw tool in a process without Alter calls, concurrency 8'],
  ['alter_tool_pg', 'raw_tool', 'tool call in memory PostgreSQL, concurrency 8'],
  ['alter_tool_http', 'raw_tool_http', 'tool call over Streamable HTTP SQLite, concurrency 8'],
  ['vault_request', 'matched_axios', 'vault.request SQLite, concurrency 8'],
  ['alter_noop', 'raw_noop', 'tool without a provider request (the MCP layer alone), in memory, concurrency 8'],
];
const checkouts = [{ label: 'this', root }];
if (process.env.BENCH_INSTR_COMPARE) checkouts.push({ label: 'compare', root: path.resolve(process.env.BENCH_INSTR_COMPARE) });

if (spawnSync('valgrind', ['--version']).status !== 0 || spawnSync('callgrind_control', ['-h']).error !== undefined) {
  console.log('instructions: skipped (valgrind with callgrind_control is not installed)');
  process.exit(0);
}

/**
 * Instructions callgrind counted per call for `calls` measured calls of `side`, on the main thread
 * (`main`, the default measure) and on all threads (`all`: adds V8's compiler and GC helper
 * threads). The side runs under valgrind with instrumentation off until it says "ready", on
 * (callgrind_control -i on) for the calls, and off again once it says "done".
 */
// Extra flags for the measured Node (BENCH_INSTR_NODE_FLAGS, space-separated), e.g.
// `--single-threaded`: V8 compiles and collects on the main thread, so where TurboFan finishes
// does not depend on the machine's load (main thread = all threads then).
const NODE_FLAGS = (process.env.BENCH_INSTR_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
// BENCH_INSTR_CACHE_SIM=1: callgrind also simulates the caches and branch predictors
// (--cache-sim=yes --branch-sim=yes) and every run prints the main thread's misses per call, the
// part of CPU time that counting instructions does not see (slower still).
const CACHE_SIM = process.env.BENCH_INSTR_CACHE_SIM === '1';
async function instructions(checkout, side, calls) {
  const dir = mkdtempSync(path.join(tmpdir(), 'alter-bench-callgrind-'));
  // A fresh schema for every run of the PostgreSQL side, so no run sees another's rows.
  const pgSchema = side === 'alter_tool_pg' ? createPgBenchSchema('alter_bench_instr') : undefined;
  try {
    const args = ['--tool=callgrind', '--instr-atstart=no', '--separate-threads=yes', `--callgrind-out-file=${path.join(dir, 'out')}`];
    if (CACHE_SIM) args.push('--cache-sim=yes', '--branch-sim=yes');
    const child = spawn(
      'valgrind',
      [...args, process.execPath, ...NODE_FLAGS, '--expose-gc', path.join(here, '_instructions-side.mjs'), checkout, side, String(calls)],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: {
          ...process.env,
          BENCH_INSTR_WARMUP: String(WARMUP),
          ...(pgSchema === undefined ? {} : { BENCH_INSTR_PG_STORE_URL: pgSchema.url }),
        },
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    for await (const line of createInterface({ input: child.stdout })) {
      if (line !== 'ready' && line !== 'done') continue;
      const r = spawnSync('callgrind_control', ['-i', line === 'ready' ? 'on' : 'off', String(child.pid)], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`callgrind_control failed: ${r.stderr || r.stdout}`);
      child.stdin.write('go\n');
      if (line === 'done') child.stdin.end();
    }
    const code = await exited;
    if (code !== 0) throw new Error(`${side} (${checkout}) failed: ${stderr.slice(-2000)}`);
    // One file per thread (out-01 is the main thread); each ends with "totals: <instructions>"
    // (with BENCH_INSTR_CACHE_SIM, "totals: <Ir> <Dr> …" in the order of its "events:" line).
    const totals = {};
    let events;
    for (const name of readdirSync(dir)) {
      const text = readFileSync(path.join(dir, name), 'utf8');
      const m = /^totals: ([\d ]+)/m.exec(text);
      if (m === null) continue;
      const counts = m[1].trim().split(' ').map(Number);
      totals[name] = counts[0];
      if (name === 'out-01' && CACHE_SIM) {
        const names = /^events: (.+)$/m.exec(text)?.[1].trim().split(' ') ?? [];
        events = Object.fromEntries(names.map((e, i) => [e, (counts[i] ?? 0) / calls]));
      }
    }
    const main = totals['out-01'];
    if (main === undefined) throw new Error(`${side} (${checkout}): no main-thread totals in ${Object.keys(totals).join(', ')}`);
    const all = Object.values(totals).reduce((a, b) => a + b, 0);
    return { main: main / calls, all: all / calls, events };
  } finally {
    if (process.env.BENCH_INSTR_KEEP) {
      const kept = path.join(path.resolve(process.env.BENCH_INSTR_KEEP), `${path.basename(checkout)}-${side}-${Date.now()}`);
      mkdirSync(path.dirname(kept), { recursive: true });
      cpSync(dir, kept, { recursive: true });
      rmSync(dir, { recursive: true, force: true });
      console.log(`  callgrind files kept in ${kept}`);
    } else rmSync(dir, { recursive: true, force: true });
    await pgSchema?.drop();
  }
}

console.log(
  `instructions per call (callgrind), ${CALLS} measured calls per run after ${WARMUP} warm-up calls, ${REPEATS} repeat(s); checkouts: ${checkouts.map((c) => `${c.label}=${c.root}`).join(', ')}`,
);
const perCall = {}; // `${label}:${side}` -> { main: number[], all: number[] }
let failures = 0;
for (let r = 0; r < REPEATS; r++) {
  // Interleaved: every side of every checkout once per repeat, the checkouts' order alternating.
  for (const c of r % 2 === 0 ? checkouts : [...checkouts].reverse()) {
    for (const side of SIDES) {
      let n;
      try {
        n = await instructions(c.root, side, CALLS);
      } catch (err) {
        // One failed process (e.g. killed from outside) does not throw away the other sides'
        // minutes of measuring: it is reported, its pairs lose this repeat, and the run fails at the end.
        failures += 1;
        console.log(`  ${`${c.label}:${side}`.padEnd(24)} repeat ${r + 1}: FAILED ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      const key = `${c.label}:${side}`;
      perCall[key] ??= { main: [], all: [] };
      perCall[key].main[r] = n.main;
      perCall[key].all[r] = n.all;
      console.log(
        `  ${key.padEnd(24)} repeat ${r + 1}: main thread ${(n.main / 1000).toFixed(1)} k, all threads ${(n.all / 1000).toFixed(1)} k instructions/call`,
      );
      if (n.events !== undefined)
        console.log(
          `  ${''.padEnd(24)} main thread per call: ${Object.entries(n.events)
            .map(([e, v]) => `${e} ${v >= 1000 ? `${(v / 1000).toFixed(1)} k` : v.toFixed(0)}`)
            .join(', ')}`,
        );
    }
  }
}
for (const c of checkouts) {
  for (const [ours, base, name] of PAIRS) {
    // Only the repeats in which both sides ran (a failed run leaves a hole at its repeat).
    const both = Array.from({ length: REPEATS }, (_, r) => r).filter(
      (r) => perCall[`${c.label}:${ours}`]?.main[r] !== undefined && perCall[`${c.label}:${base}`]?.main[r] !== undefined,
    );
    if (both.length === 0) continue;
    const pick = (key) => ({ main: both.map((r) => perCall[key].main[r]), all: both.map((r) => perCall[key].all[r]) });
    const a = pick(`${c.label}:${ours}`);
    const b = pick(`${c.label}:${base}`);
    const record = {
      name: `${name}, instructions (callgrind)`,
      case: 'instructions',
      checkout: c.label,
      root: c.root,
      calls: CALLS,
      warmUpCalls: WARMUP,
      repeats: both.length,
    };
    console.log(`${name} (${c.label})`);
    for (const thread of ['main', 'all']) {
      const ratios = a[thread].map((x, i) => x / b[thread][i]);
      const overhead = a[thread].map((x, i) => x - b[thread][i]);
      console.log(
        `  ${thread.padEnd(4)} ${ours} ${show(
          a[thread].map((x) => x / 1000),
          1,
          ' k',
        )}  ${base} ${show(
          b[thread].map((x) => x / 1000),
          1,
          ' k',
        )}  ratio ${show(ratios, 3, '×')}  overhead ${show(
          overhead.map((x) => x / 1000),
          1,
          ' k instr/call',
        )}`,
      );
      record[thread] = {
        instructionsPerCall: { [ours]: stats(a[thread]), [base]: stats(b[thread]) },
        ratio: stats(ratios),
        overheadPerCall: stats(overhead),
      };
    }
    emit(record);
  }
}
if (failures > 0) {
  console.log(`instructions: ${failures} side run(s) failed`);
  process.exit(1);
}
