#!/usr/bin/env node
// Where the CPU time of a tool call goes, side by side IN ONE PROCESS: the sides of
// bench/_side-profile-world.mjs (an Alter tool, a raw SDK tool calling vault.request() itself, the
// raw SDK tool with matched axios) run interleaved in rounds, as in hotpath.mjs, while
// `perf record -e cpu-clock` samples every thread of the process; each sample goes to the side whose
// measured run was going on when it was taken (the world records its runs as CLOCK_MONOTONIC
// windows; perf records with the same clock). Why not one process per side (bench/cpu-profile.mjs):
// the per-call CPU of one build moves by ±15–30 % from process to process on this machine (round 6
// measured the same code at 1.11× and 1.48×), which swamps every difference a profile should show;
// here both sides share the process, its JIT, its heap and its machine state.
//
// JavaScript frames are named from Node's jitdump (`--perf-prof`, merged by `perf inject --jit`):
// with the plain perf map (--perf-basic-prof) an address that V8 reuses for new code keeps the name
// of the function that was there first, and long runs credited hot code to module top levels.
//
// Prints µs of CPU per call for each side (sampled; perf's own overhead inflates every side alike),
// then, for each pair (alter_tool − vault_in_raw_tool: the MCP layer; vault_in_raw_tool − raw_tool:
// vault.request() and its audit row), the differences by kind and the largest by the nearest
// JavaScript function (the innermost JS frame of the sample, so native work such as an inline-cache
// miss or a string flattening is billed to the function that caused it).
//
// Knobs: BENCH_PROFILE_ROUNDS (default 21; --quick 7), BENCH_CALLS_PER_ROUND (default 600),
// BENCH_PROFILE_SIDES (default alter_tool,vault_in_raw_tool,raw_tool), BENCH_PROFILE_TOP (default 25),
// BENCH_PROFILE_FREQ (default 4,999 Hz), BENCH_WARMUP_CALLS. Skipped with a note when `perf` cannot
// sample here. Needs a few hundred MB of temp space, removed at the end.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { emit, QUICK, WARMUP_CALLS } from './_measure.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const ROUNDS = Number(process.env.BENCH_PROFILE_ROUNDS ?? (QUICK ? 7 : 21));
const CALLS = Number(process.env.BENCH_CALLS_PER_ROUND ?? 600);
const SIDES = (process.env.BENCH_PROFILE_SIDES ?? 'alter_tool,vault_in_raw_tool,raw_tool').split(',');
const TOP = Number(process.env.BENCH_PROFILE_TOP ?? 25);
const FREQ = Number(process.env.BENCH_PROFILE_FREQ ?? 4_999);

const probe = spawnSync('perf', ['record', '-k', 'mono', '-e', 'cpu-clock', '-o', '/dev/null', '--', 'true'], { encoding: 'utf8' });
if (probe.error !== undefined || probe.status !== 0) {
  console.log(`side-profile: skipped (perf cannot sample here: ${probe.error?.message ?? probe.stderr.trim().split('\n').pop()})`);
  process.exit(0);
}

/** What a sample's stack (innermost frame first) is spent on, for the table by kind. */
function kindOf(stack) {
  const js = stack.findIndex((f) => f.startsWith('JS:'));
  const top = stack[0] ?? '';
  if (js !== -1) {
    const f = stack[js];
    const owner =
      /\/packages\/(vault|mcp)\/dist\//.test(f) && !f.includes('node_modules')
        ? '@alter'
        : f.includes('@modelcontextprotocol')
          ? 'MCP SDK'
          : f.includes('/axios')
            ? 'axios'
            : f.includes('/zod')
              ? 'zod'
              : / node:/.test(f)
                ? 'node core'
                : f.includes('/bench/')
                  ? 'bench harness'
                  : 'other packages';
    return js === 0 ? `js: ${owner}` : `native under js: ${owner}`;
  }
  if (/Scaveng|MarkCompact|Marking|Sweeper|Heap::|Evacuat/.test(top)) return 'gc (no js frame)';
  if (stack.slice(0, 8).some((f) => /compiler::|Turbofan|Maglev/.test(f))) return 'compiler';
  if (stack.slice(0, 12).some((f) => /sqlite3|better_sqlite3/.test(f))) return 'sqlite (no js frame)';
  return 'other native (no js frame)';
}

/** The innermost JavaScript frame of a stack, shortened, or the top native symbol. */
function nearestJs(stack) {
  const f = stack.find((s) => s.startsWith('JS:'));
  if (f === undefined) return `[native] ${stack[0] ?? '?'}`;
  return f
    .replace(/^JS:[*~^+]?/, '')
    .replaceAll(`file://${root}/`, '')
    .replace(/node_modules\/\.pnpm\/[^/]+\/node_modules\//, '');
}

const dir = mkdtempSync(path.join(tmpdir(), 'alter-bench-side-profile-'));
try {
  const data = path.join(dir, 'perf.data');
  const jitted = path.join(dir, 'perf.jit.data');
  const windowsFile = path.join(dir, 'windows.json');
  const buildIds = path.join(dir, 'buildid');
  mkdirSync(buildIds);
  // perf's build-id cache (normally ~/.debug) and the jitdump with its one .so per JIT function go
  // to the temp folder (the world runs there), so nothing is left behind.
  const recorded = spawnSync(
    'perf',
    [
      '--buildid-dir',
      buildIds,
      'record',
      '-k',
      'mono',
      '-e',
      'cpu-clock',
      '-F',
      String(FREQ),
      '-g',
      '-o',
      data,
      '--',
      process.execPath,
      '--perf-prof',
      '--interpreted-frames-native-stack',
      path.join(here, '_side-profile-world.mjs'),
      windowsFile,
      String(ROUNDS),
      String(CALLS),
      SIDES.join(','),
    ],
    { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'], env: { ...process.env, BENCH_WARMUP_CALLS: String(WARMUP_CALLS) } },
  );
  if (recorded.status !== 0) throw new Error(`perf record failed: ${recorded.stderr.slice(-2000)}`);
  const injected = spawnSync('perf', ['--buildid-dir', buildIds, 'inject', '--jit', '-i', data, '-o', jitted], { encoding: 'utf8' });
  if (injected.status !== 0) throw new Error(`perf inject failed: ${injected.stderr.slice(-2000)}`);

  const { calls, windows } = JSON.parse(readFileSync(windowsFile, 'utf8'));
  const spans = windows.map(([side, a, b]) => ({ side, start: Number(BigInt(a)) / 1e9, end: Number(BigInt(b)) / 1e9 }));
  spans.sort((x, y) => x.start - y.start);
  const runs = Object.fromEntries(SIDES.map((s) => [s, spans.filter((w) => w.side === s).length]));
  /** The side running at `t` (seconds, CLOCK_MONOTONIC), or undefined between runs. */
  const sideAt = (t) => {
    let lo = 0;
    let hi = spans.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (spans[mid].start > t) hi = mid - 1;
      else if (spans[mid].end < t) lo = mid + 1;
      else return spans[mid].side;
    }
    return undefined;
  };
  const byKind = Object.fromEntries(SIDES.map((s) => [s, new Map()]));
  const byFunction = Object.fromEntries(SIDES.map((s) => [s, new Map()]));
  const add = (map, key) => map.set(key, (map.get(key) ?? 0) + 1);
  const script = spawn('perf', ['--buildid-dir', buildIds, 'script', '-i', jitted, '-F', 'time,ip,sym', '--max-stack', '96'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let side;
  let stack = [];
  const finish = () => {
    if (side !== undefined) {
      add(byKind[side], kindOf(stack));
      add(byFunction[side], nearestJs(stack));
    }
    side = undefined;
    stack = [];
  };
  // `perf script` prints a header line per sample (" <seconds>:") and then one frame per line
  // ("\t<address> <symbol>"), innermost first; a blank line ends the sample.
  for await (const line of createInterface({ input: script.stdout, crlfDelay: Infinity })) {
    if (line.startsWith('\t')) {
      const frame = /^\t\s*[0-9a-f]+\s+(.*)$/.exec(line);
      if (frame !== null) stack.push(frame[1]);
    } else if (line.trim() === '') finish();
    else {
      finish();
      const t = /^\s*([\d.]+):/.exec(line);
      side = t === null ? undefined : sideAt(Number(t[1]));
    }
  }
  finish();

  const usPerSample = 1e6 / FREQ;
  const perCall = (s, n) => (n * usPerSample) / (runs[s] * calls);
  const total = (s) =>
    perCall(
      s,
      [...byKind[s].values()].reduce((a, b) => a + b, 0),
    );
  console.log(
    `CPU per call by side, one process (perf record -e cpu-clock, ${FREQ} Hz, every thread), ${ROUNDS} rounds × ${calls} calls per side ` +
      `after ${WARMUP_CALLS} warm-up calls, concurrency 8, audit on (SQLite); sampled: perf's overhead inflates every side alike`,
  );
  console.log(`  ${SIDES.map((s) => `${s} ${total(s).toFixed(1)} µs`).join('  ')}`);
  const pairs = [];
  for (let i = 0; i + 1 < SIDES.length; i++) pairs.push([SIDES[i], SIDES[i + 1]]);
  const record = {
    name: 'CPU per call by side, one process (perf cpu-clock)',
    case: 'side-profile',
    rounds: ROUNDS,
    calls,
    sides: {},
    pairs: [],
  };
  for (const s of SIDES) record.sides[s] = { totalUs: total(s) };
  for (const [a, b] of pairs) {
    const diff = (maps, key) => perCall(a, maps[a].get(key) ?? 0) - perCall(b, maps[b].get(key) ?? 0);
    console.log(`\n  ${a} − ${b}: ${(total(a) - total(b)).toFixed(1)} µs per call (${(total(a) / total(b)).toFixed(3)}×)`);
    const kinds = [...new Set([...byKind[a].keys(), ...byKind[b].keys()])].map((k) => [k, diff(byKind, k)]).sort((x, y) => y[1] - x[1]);
    console.log('  by kind:');
    for (const [k, d] of kinds) console.log(`    ${d.toFixed(2).padStart(8)}  ${k}`);
    const fns = [...new Set([...byFunction[a].keys(), ...byFunction[b].keys()])]
      .map((k) => [k, diff(byFunction, k)])
      .sort((x, y) => y[1] - x[1]);
    console.log(`  largest differences by nearest JavaScript function (µs per call, ${a} − ${b}):`);
    for (const [k, d] of fns.slice(0, TOP)) console.log(`    ${d.toFixed(2).padStart(8)}  ${k.slice(0, 150)}`);
    console.log(`  where ${b} spends more:`);
    for (const [k, d] of fns.slice(-Math.ceil(TOP / 3)).reverse()) console.log(`    ${d.toFixed(2).padStart(8)}  ${k.slice(0, 150)}`);
    record.pairs.push({ a, b, diffUs: total(a) - total(b), kinds: Object.fromEntries(kinds), top: fns.slice(0, TOP) });
  }
  emit(record);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
