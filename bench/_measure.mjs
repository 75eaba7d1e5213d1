// Measurement helpers shared by the benchmarks (bench/run.mjs skips files starting with `_`):
// A/B sides interleaved in rounds in ONE process, each round timed in wall time AND process CPU
// time (process.cpuUsage: user + system, all threads; also printed apart), reported as median,
// interquartile range (p25–p75) and min–max over the rounds. Results are printed and, when
// BENCH_RESULTS_FILE is set (bench/run.mjs --json sets it), appended to it as JSON lines. Nothing
// here asserts on time.
//
// Attribution: process CPU time counts every thread, whenever the work happens. A side's sample
// therefore ends only when the work it caused is done (its `settle`, e.g. flushing the audit rows
// it queued: written later by a timer they would land in the NEXT sample, often the other side's),
// and, with `gcBetween`, a young-generation GC runs before every sample, outside the timing, so a
// sample starts with an empty young generation and never pays for the other side's garbage.
//
// Why a young-generation GC, not a full one: V8 holds a function's optimized code weakly (from its
// feedback vector), so a full GC while no closure of a per-call function is alive (between two
// samples, always) drops that code, and the next sample re-runs TurboFan before it runs at speed.
// Counted with --trace-opt on one side alone, 600 calls per sample: 55–87 functions re-optimized
// in EVERY sample after a full GC, ≈ 0 after a few samples with a young-generation GC or none; the
// CPU per call of the sample doubled (≈ 1,050 µs against ≈ 510 µs). The full GC therefore measured
// re-compilation, which grows with the amount of code a side runs, not the steady state a loaded
// server is in. BENCH_GC_BETWEEN=full brings it back, to compare. A long warm-up ({@link warmUp})
// matters for the same reason: TurboFan is still busy after the first few thousand calls.
import { appendFileSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** True with `--quick` (bench/run.mjs passes BENCH_QUICK=1): fewer rounds and calls. */
export const QUICK = process.env.BENCH_QUICK === '1';

let gcFunction;
/**
 * A garbage collection, callable without `node --expose-gc` (bench/run.mjs starts every benchmark
 * without flags): on first use the flag is set at run time and `gc` read from a fresh context,
 * where V8 installs it once the flag is on. `kind`: 'full' (default: the whole heap, e.g. before
 * measuring what is retained) or 'minor' (the young generation only; see the header for why the
 * samples use it).
 */
export function collectGarbage(kind = 'full') {
  if (gcFunction === undefined) {
    if (typeof globalThis.gc === 'function') gcFunction = globalThis.gc;
    else {
      setFlagsFromString('--expose-gc');
      gcFunction = runInNewContext('gc');
    }
  }
  if (kind === 'minor') gcFunction({ type: 'minor' });
  else gcFunction();
}

/**
 * How samples are separated (BENCH_GC_BETWEEN): 'minor' (default; also '1'): a young-generation
 * GC before every sample; 'full': a full GC (the method before round 5, which re-optimized code in
 * every sample, see the header); '0': none.
 */
export const GC_BETWEEN = (() => {
  const v = process.env.BENCH_GC_BETWEEN ?? 'minor';
  if (v === '0') return false;
  if (v === 'full') return 'full';
  if (v === 'minor' || v === '1') return 'minor';
  throw new Error(`BENCH_GC_BETWEEN: expected minor, full or 0, got ${v}`);
})();

/**
 * Outside any timing: a GC of `kind` ('minor' by default, see {@link collectGarbage}), then a
 * pause so V8's concurrent GC threads (which process.cpuUsage counts) finish before the next
 * sample starts.
 */
export async function quiesce(kind = 'minor') {
  collectGarbage(kind);
  await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Calls per side a comparison runs before its first timed round (BENCH_WARMUP_CALLS; --quick 2,000). */
export const WARMUP_CALLS = Number(process.env.BENCH_WARMUP_CALLS ?? (QUICK ? 2_000 : 6_000));

/**
 * Runs the sides of a comparison, interleaved, untimed, until each has made `calls` calls
 * (`callsPerRun`: how many calls one run of a side makes), then its deferred work (`settle`).
 * Measured with --trace-opt (one side alone, 600 calls at a time after 3,000): TurboFan still
 * optimized 77, 36, 24, 10, 12, then 0–5 functions per 600 calls, so steady state starts after
 * about 6,000 calls; fewer leave the first rounds measuring compilation.
 */
export async function warmUp(sides, callsPerRun, { calls = WARMUP_CALLS, settle = {} } = {}) {
  const runs = Math.max(1, Math.ceil(calls / callsPerRun));
  for (let r = 0; r < runs; r++) {
    for (const [name, fn] of Object.entries(sides)) {
      await fn();
      await settle[name]?.();
    }
  }
}

const MAIN_THREAD_SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;
/**
 * CPU ns the main thread has run (Linux: the kernel's schedstat of the thread), or undefined
 * elsewhere. process.cpuUsage() adds V8's compiler and GC helper threads, whose work varies more
 * between samples than the main thread's; Node 20 has no process.threadCpuUsage().
 */
function mainThreadNs() {
  try {
    return Number(readFileSync(MAIN_THREAD_SCHEDSTAT, 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}

/**
 * Runs `fn()` once, then `settle()` (the side's deferred work, e.g. `vault.audit.flush()`) inside
 * the same timing; returns its wall, CPU, user CPU and system CPU milliseconds, and the main
 * thread's CPU milliseconds (`main`, NaN where the kernel does not tell).
 */
export async function sample(fn, settle) {
  const m0 = mainThreadNs();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  if (settle !== undefined) await settle();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const m1 = mainThreadNs();
  const main = m0 === undefined || m1 === undefined ? Number.NaN : (m1 - m0) / 1e6;
  return { wall, cpu: (c.user + c.system) / 1000, user: c.user / 1000, system: c.system / 1000, main };
}

/**
 * Times the sides of `sides` ({ name: async () => void }) in `rounds` rounds, rotating the order
 * each round so noise (GC, CPU frequency, neighbours) spreads over all sides. Returns per side
 * the arrays of wall, CPU, user, system and main-thread CPU ms, plus per-round ratios of every side against
 * `baseline`. Options: `settle` ({ name: async () => void }): a side's deferred work, timed in its
 * sample (see the header); `gcBetween` (default false, so the benchmarks that do not ask keep their method;
 * 'minor' / true or 'full', see {@link GC_BETWEEN}): {@link quiesce} before every sample.
 */
export async function rounds(count, sides, baseline, { settle = {}, gcBetween = false } = {}) {
  const names = Object.keys(sides);
  const out = Object.fromEntries(names.map((n) => [n, { wall: [], cpu: [], user: [], system: [], main: [] }]));
  const ratios = Object.fromEntries(names.filter((n) => n !== baseline).map((n) => [n, { wall: [], cpu: [], user: [], main: [] }]));
  for (let r = 0; r < count; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    const got = {};
    for (const n of order) {
      if (gcBetween) await quiesce(gcBetween === 'full' ? 'full' : 'minor');
      got[n] = await sample(sides[n], settle[n]);
    }
    for (const n of names) {
      for (const k of ['wall', 'cpu', 'user', 'system', 'main']) out[n][k].push(got[n][k]);
      if (n !== baseline && baseline !== undefined) {
        ratios[n].wall.push(got[n].wall / got[baseline].wall);
        ratios[n].cpu.push(got[n].cpu / got[baseline].cpu);
        ratios[n].user.push(got[n].user / got[baseline].user);
        ratios[n].main.push(got[n].main / got[baseline].main);
      }
    }
  }
  return { sides: out, ratios, gcBetween, settled: Object.keys(settle) };
}

/** The median of some numbers. */
export function median(values) {
  const s = [...values].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The `q` quantile (0…1) of some numbers, linearly interpolated between the closest ranks. */
export function quantile(values, q) {
  const s = [...values].sort((x, y) => x - y);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return lo + 1 < s.length ? s[lo] + (s[lo + 1] - s[lo]) * (at - lo) : s[lo];
}

/** { median, min, max, p25, p75 } of some numbers. */
export function stats(values) {
  return {
    median: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
    p25: quantile(values, 0.25),
    p75: quantile(values, 0.75),
  };
}

const fmt = (x, digits) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(digits));
/** "median (min–max)". */
export function show(values, digits = 2, unit = '') {
  const s = stats(values);
  return `${fmt(s.median, digits)}${unit} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}

/** "median (p25–p75; min–max)": the interquartile range is what tells 1.10× from 1.20×. */
export function showSpread(values, digits = 2, unit = '') {
  const s = stats(values);
  return `${fmt(s.median, digits)}${unit} (p25–p75 ${fmt(s.p25, digits)}–${fmt(s.p75, digits)}; min–max ${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}

/**
 * The approximate 95 % confidence interval of the median of `values` (the notch of a box plot,
 * median ± 1.58 · IQR / √n, McGill et al. 1978): how well the rounds pin the median down, where
 * p25–p75 says how much single rounds spread.
 */
export function medianInterval(values) {
  const s = stats(values);
  const half = (1.58 * (s.p75 - s.p25)) / Math.sqrt(values.length);
  return { low: s.median - half, high: s.median + half };
}

/**
 * Prints and records one comparison: per-operation wall, CPU (user, system, main thread) µs of
 * each side (median and min–max over rounds) and the per-round ratios against the baseline
 * (median, p25–p75, min–max, and the median's 95 % interval). JSON: the fields of before, plus
 * `userUsPerOp`, `systemUsPerOp`, `mainThreadUsPerOp`, ratios `user` and `mainThread`,
 * `p25`/`p75` in every stats object, `cpuMedianInterval`, and `method` (what the sampling did).
 */
export function report(name, result, opsPerRound, extra = {}) {
  const perOp = (ms) => ms.map((x) => (x * 1000) / opsPerRound);
  const method = {
    gcBetween: result.gcBetween ?? false,
    settledInSample: result.settled ?? [],
  };
  const record = {
    name,
    opsPerRound,
    rounds: Object.values(result.sides)[0].wall.length,
    sides: {},
    ratios: {},
    method,
    ...extra,
  };
  console.log(`${name}  (${record.rounds} rounds × ${opsPerRound} ops)`);
  if (method.gcBetween || method.settledInSample.length > 0) {
    const what = [];
    if (method.gcBetween === 'full') what.push('a full GC (outside the timing) before every sample');
    else if (method.gcBetween) what.push('a young-generation GC (outside the timing) before every sample');
    if (method.settledInSample.length > 0)
      what.push(`deferred work (audit flush) timed in the sample of ${method.settledInSample.join(', ')}`);
    console.log(`  method: ${what.join('; ')}`);
  }
  const hasMain = (xs) => xs !== undefined && xs.length > 0 && xs.every((x) => Number.isFinite(x));
  for (const [side, m] of Object.entries(result.sides)) {
    record.sides[side] = { wallUsPerOp: stats(perOp(m.wall)), cpuUsPerOp: stats(perOp(m.cpu)) };
    let split = '';
    if (m.user !== undefined) {
      record.sides[side].userUsPerOp = stats(perOp(m.user));
      record.sides[side].systemUsPerOp = stats(perOp(m.system));
      split = `\n  ${''.padEnd(28)} user ${show(perOp(m.user), 1, ' µs')}  system ${show(perOp(m.system), 1, ' µs')}`;
    }
    if (hasMain(m.main)) {
      record.sides[side].mainThreadUsPerOp = stats(perOp(m.main));
      split += `  main thread ${show(perOp(m.main), 1, ' µs')}`;
    }
    console.log(`  ${side.padEnd(28)} wall ${show(perOp(m.wall), 1, ' µs')}  cpu ${show(perOp(m.cpu), 1, ' µs')}  per op${split}`);
  }
  for (const [side, r] of Object.entries(result.ratios)) {
    record.ratios[side] = { wall: stats(r.wall), cpu: stats(r.cpu) };
    const ci = medianInterval(r.cpu);
    record.ratios[side].cpuMedianInterval = ci;
    console.log(`  ratio ${side.padEnd(22)} wall ${showSpread(r.wall, 3, '×')}`);
    console.log(`  ${''.padEnd(28)} cpu  ${showSpread(r.cpu, 3, '×')}; median's 95 % interval ${ci.low.toFixed(3)}–${ci.high.toFixed(3)}×`);
    if (r.user !== undefined) {
      record.ratios[side].user = stats(r.user);
      console.log(`  ${''.padEnd(28)} user ${showSpread(r.user, 3, '×')}`);
    }
    if (hasMain(r.main)) {
      record.ratios[side].mainThread = stats(r.main);
      record.ratios[side].mainThreadMedianInterval = medianInterval(r.main);
      const mi = record.ratios[side].mainThreadMedianInterval;
      console.log(
        `  ${''.padEnd(28)} main thread ${showSpread(r.main, 3, '×')}; median's 95 % interval ${mi.low.toFixed(3)}–${mi.high.toFixed(3)}×`,
      );
    }
  }
  emit(record);
  return record;
}

/** Records a free-form result (prints it as JSON too). */
export function emit(record) {
  const file = process.env.BENCH_RESULTS_FILE;
  if (file) appendFileSync(file, `${JSON.stringify({ bench: process.env.BENCH_FILE ?? '', ...record })}\n`);
}

/** Runs `fn(0) … fn(n - 1)` with `concurrency` workers. */
export async function concurrently(fn, n, concurrency) {
  let next = 0;
  const worker = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}
