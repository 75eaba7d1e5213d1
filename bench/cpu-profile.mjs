#!/usr/bin/env node
// Where the CPU time of a tool call goes, ours against the raw SDK tool: `perf record` with the
// kernel's software CPU clock (`-e cpu-clock`, no hardware counters needed) samples every thread of
// each side's process — V8's compiler and GC helpers and the kernel included, as process.cpuUsage()
// counts them — and names JavaScript frames through Node's perf map (--perf-basic-prof-only-functions).
// Samples per call become microseconds of CPU per call, grouped by kind (V8 runtime, builtins, IC
// handlers, GC, kernel, our JavaScript, the SDK's, axios', node's, SQLite, …) and by symbol, with the
// difference ours − raw: the CPU-time side of what bench/instructions.mjs counts in instructions
// (callgrind sees neither the kernel nor the cost of a cache miss).
//
// Each side (bench/_instructions-side.mjs, the same world as hotpath.mjs and instructions.mjs: audit
// on, concurrency 8) runs in its own process: warm-up unsampled, then perf attaches for
// BENCH_PROFILE_CALLS calls and the flush of their audit rows. Sampled, so the figures move by a few
// percent between runs; compare kinds and large symbols, not single microseconds.
//
// Knobs: BENCH_PROFILE_CALLS (default 8,000; --quick 3,000), BENCH_PROFILE_SIDES (default
// alter_tool,raw_tool; any side of _instructions-side.mjs in the same world), BENCH_PROFILE_TOP (symbols
// listed, default 25), BENCH_PROFILE_FREQ (samples per second, default 4,999), BENCH_INSTR_WARMUP (warm-up
// calls, default 6,000). Skipped with a note when `perf` is missing or may not sample (perf_event_paranoid).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { emit, QUICK, WARMUP_CALLS } from './_measure.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const CALLS = Number(process.env.BENCH_PROFILE_CALLS ?? (QUICK ? 3_000 : 8_000));
const SIDES = (process.env.BENCH_PROFILE_SIDES ?? 'alter_tool,raw_tool').split(',');
const TOP = Number(process.env.BENCH_PROFILE_TOP ?? 25);
const FREQ = Number(process.env.BENCH_PROFILE_FREQ ?? 4_999);
const WARMUP = Number(process.env.BENCH_INSTR_WARMUP ?? WARMUP_CALLS);

const probe = spawnSync('perf', ['record', '-e', 'cpu-clock', '-o', '/dev/null', '--', 'true'], { encoding: 'utf8' });
if (probe.error !== undefined || probe.status !== 0) {
  console.log(`cpu-profile: skipped (perf cannot sample here: ${probe.error?.message ?? probe.stderr.trim().split('\n').pop()})`);
  process.exit(0);
}

/** The kind of a `perf report` symbol line (`[k] name` for the kernel, `[.] name` for user space). */
function kindOf(symbol) {
  if (symbol.startsWith('[k]')) return 'kernel';
  const name = symbol.slice(4);
  if (name.startsWith('JS:')) {
    if (/\/packages\/(vault|mcp)\/dist\//.test(name) && !name.includes('node_modules')) return 'js: @alter';
    if (name.includes('@modelcontextprotocol')) return 'js: MCP SDK';
    if (name.includes('/axios')) return 'js: axios';
    if (name.includes('/zod')) return 'js: zod';
    if (name.includes(' node:')) return 'js: node core';
    return 'js: other';
  }
  if (/Scaveng|MarkCompact|Marking|Sweeper|Heap::|Evacuat|SemiSpace|NewSpace|PagedSpace|MemoryAllocator|SizeFromMap/.test(name))
    return 'gc';
  if (/^Builtins_\w*IC/.test(name)) return 'v8: inline-cache handlers';
  if (name.startsWith('Builtins_')) return 'v8: builtins';
  if (/compiler::|Turbofan|Maglev|Compile|Parser|Parse/.test(name)) return 'v8: compiler';
  if (/sqlite3|better_sqlite3|Statement::|Binder::/.test(name)) return 'sqlite';
  if (/malloc|free|memmove|memcpy|memset|operator new/.test(name)) return 'libc: memory';
  if (/node::|uv_|uv__|napi_/.test(name)) return 'node native';
  if (name.includes('v8::')) return 'v8: runtime';
  return 'other';
}

/** CPU µs per call of each symbol of `side`, sampled over CALLS calls. */
async function profile(side) {
  const dir = mkdtempSync(path.join(tmpdir(), 'alter-bench-perf-'));
  const data = path.join(dir, 'perf.data');
  let pid;
  try {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--perf-basic-prof-only-functions', path.join(here, '_instructions-side.mjs'), root, side, String(CALLS)],
      { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, BENCH_INSTR_WARMUP: String(WARMUP) } },
    );
    pid = child.pid;
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    let recorder;
    let recorded;
    for await (const line of createInterface({ input: child.stdout })) {
      if (line === 'ready') {
        recorder = spawn('perf', ['record', '-e', 'cpu-clock', '-F', String(FREQ), '-p', String(child.pid), '-o', data], {
          stdio: 'ignore',
        });
        recorded = new Promise((resolve) => recorder.on('exit', resolve));
        // perf needs a moment to attach to every thread before the calls start.
        await new Promise((resolve) => setTimeout(resolve, 500));
      } else if (line === 'done') {
        recorder?.kill('SIGINT');
        await recorded;
        child.stdin.end('go\n');
        continue;
      } else continue;
      child.stdin.write('go\n');
    }
    const code = await exited;
    if (code !== 0) throw new Error(`${side} failed: ${stderr.slice(-2000)}`);
    const report = spawnSync('perf', ['report', '-i', data, '--no-children', '--sort', 'sym', '-g', 'none', '-n', '-q', '--stdio'], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    if (report.status !== 0) throw new Error(`perf report failed: ${report.stderr}`);
    const usPerSample = 1e6 / FREQ;
    const bySymbol = new Map();
    for (const line of report.stdout.split('\n')) {
      const m = /^\s*[\d.]+%\s+(\d+)\s+(\[[k.]\]\s+.*?)\s*$/.exec(line);
      if (m === null) continue;
      bySymbol.set(m[2], (bySymbol.get(m[2]) ?? 0) + (Number(m[1]) * usPerSample) / CALLS);
    }
    return bySymbol;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    // The side's perf map (written by --perf-basic-prof-only-functions, read by perf report).
    if (pid !== undefined) rmSync(`/tmp/perf-${pid}.map`, { force: true });
  }
}

console.log(
  `CPU per call by kind (perf record -e cpu-clock, ${FREQ} Hz, all threads), ${CALLS} calls per side after ${WARMUP} warm-up calls, concurrency 8, audit on`,
);
const perSide = {};
for (const side of SIDES) perSide[side] = await profile(side);
const [ours, base] = SIDES;
const kinds = new Map();
for (const side of SIDES) {
  for (const [symbol, us] of perSide[side]) {
    const k = kindOf(symbol);
    const row = kinds.get(k) ?? Object.fromEntries(SIDES.map((s) => [s, 0]));
    row[side] += us;
    kinds.set(k, row);
  }
}
const total = (side) => [...perSide[side].values()].reduce((a, b) => a + b, 0);
const col = (v) => v.toFixed(1).padStart(9);
console.log(`  ${'kind'.padEnd(28)}${SIDES.map((s) => s.padStart(16)).join('')}${base ? '   ours − base'.padStart(16) : ''}`);
const rows = [...kinds].sort((a, b) => (base ? b[1][ours] - b[1][base] - (a[1][ours] - a[1][base]) : b[1][ours] - a[1][ours]));
for (const [k, row] of rows) {
  console.log(
    `  ${k.padEnd(28)}${SIDES.map((s) => `${col(row[s])} µs`.padStart(16)).join('')}${base ? `${col(row[ours] - row[base])} µs`.padStart(16) : ''}`,
  );
}
console.log(
  `  ${'total'.padEnd(28)}${SIDES.map((s) => `${col(total(s))} µs`.padStart(16)).join('')}${base ? `${col(total(ours) - total(base))} µs`.padStart(16) : ''}`,
);
if (base) {
  console.log(`  ratio ${ours} / ${base}: ${(total(ours) / total(base)).toFixed(3)}× (sampled CPU; hotpath.mjs measures it with spread)`);
  const symbols = new Set([...perSide[ours].keys(), ...perSide[base].keys()]);
  const diff = [...symbols].map((s) => [s, (perSide[ours].get(s) ?? 0) - (perSide[base].get(s) ?? 0)]).sort((a, b) => b[1] - a[1]);
  console.log(`  largest differences by symbol (µs per call, ${ours} − ${base}):`);
  for (const [symbol, d] of diff.slice(0, TOP))
    console.log(`  ${d.toFixed(2).padStart(8)}  ${symbol.replace(`file://${root}/`, '').slice(0, 150)}`);
}
emit({
  name: 'CPU per call by kind (perf cpu-clock)',
  case: 'cpu-profile',
  calls: CALLS,
  warmUpCalls: WARMUP,
  sides: SIDES,
  totals: Object.fromEntries(SIDES.map((s) => [s, total(s)])),
  kinds: Object.fromEntries(kinds),
});
