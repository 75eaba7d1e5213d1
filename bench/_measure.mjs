// Measurement helpers shared by the benchmarks (bench/run.mjs skips files starting with `_`):
// A/B sides interleaved in rounds in ONE process, each round timed in wall time AND process CPU
// time (process.cpuUsage: user + system, all threads), reported as median and min–max over the
// rounds. Results are printed and, when BENCH_RESULTS_FILE is set (bench/run.mjs --json sets it),
// appended to it as JSON lines. Nothing here asserts on time.
import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** True with `--quick` (bench/run.mjs passes BENCH_QUICK=1): fewer rounds and calls. */
export const QUICK = process.env.BENCH_QUICK === '1';

/** Runs `fn()` once; returns its wall and CPU milliseconds. */
export async function sample(fn) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

/**
 * Times the sides of `sides` ({ name: async () => void }) in `rounds` rounds, rotating the order
 * each round so noise (GC, CPU frequency, neighbours) spreads over all sides. Returns per side
 * the arrays of wall and CPU ms, plus per-round ratios of every side against `baseline`.
 */
export async function rounds(count, sides, baseline) {
  const names = Object.keys(sides);
  const out = Object.fromEntries(names.map((n) => [n, { wall: [], cpu: [] }]));
  const ratios = Object.fromEntries(names.filter((n) => n !== baseline).map((n) => [n, { wall: [], cpu: [] }]));
  for (let r = 0; r < count; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    const got = {};
    for (const n of order) got[n] = await sample(sides[n]);
    for (const n of names) {
      out[n].wall.push(got[n].wall);
      out[n].cpu.push(got[n].cpu);
      if (n !== baseline && baseline !== undefined) {
        ratios[n].wall.push(got[n].wall / got[baseline].wall);
        ratios[n].cpu.push(got[n].cpu / got[baseline].cpu);
      }
    }
  }
  return { sides: out, ratios };
}

/** The median of some numbers. */
export function median(values) {
  const s = [...values].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** { median, min, max } of some numbers. */
export function stats(values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

const fmt = (x, digits) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(digits));
/** "median (min–max)". */
export function show(values, digits = 2, unit = '') {
  const s = stats(values);
  return `${fmt(s.median, digits)}${unit} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}

/**
 * Prints and records one comparison: per-operation wall and CPU µs of each side (median and
 * min–max over rounds) and the per-round ratios against the baseline.
 */
export function report(name, result, opsPerRound, extra = {}) {
  const perOp = (ms) => ms.map((x) => (x * 1000) / opsPerRound);
  const record = { name, opsPerRound, rounds: Object.values(result.sides)[0].wall.length, sides: {}, ratios: {}, ...extra };
  console.log(`${name}  (${record.rounds} rounds × ${opsPerRound} ops)`);
  for (const [side, m] of Object.entries(result.sides)) {
    record.sides[side] = { wallUsPerOp: stats(perOp(m.wall)), cpuUsPerOp: stats(perOp(m.cpu)) };
    console.log(`  ${side.padEnd(28)} wall ${show(perOp(m.wall), 1, ' µs')}  cpu ${show(perOp(m.cpu), 1, ' µs')}  per op`);
  }
  for (const [side, r] of Object.entries(result.ratios)) {
    record.ratios[side] = { wall: stats(r.wall), cpu: stats(r.cpu) };
    console.log(`  ratio ${side.padEnd(22)} wall ${show(r.wall, 3, '×')}  cpu ${show(r.cpu, 3, '×')}`);
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
