#!/usr/bin/env node
// The goal lines of hotpath.mjs, measured in several fresh processes: the per-call CPU of the same
// build moves by ±15–30 % from one process to the next on this kind of machine (docs/performance.md,
// round 6: 1.11× and 1.48× for the same code in two processes of bench/cpu-profile.mjs), so one
// process's median over rounds — however narrow its interval — is one draw. This runs hotpath.mjs
// BENCH_HOTPATH_PROCESSES times, one process after another (never two at once: they would share the
// two cores), and prints for each comparison every process's CPU-ratio median and the median of
// those medians with its min–max: the figure a goal is judged by.
//
// BENCH_COMPARE=<another checkout, installed and built>: an A/B of two builds at the level of the
// process. Each round runs one process of this checkout and one of the other, alternating which goes
// first, so what drifts on the machine falls on both; printed per checkout: every process's median
// and the median of those, then the median over rounds of the difference this − other (round by
// round) with its min–max. A difference the processes do not agree on is within what a process moves.
//
// Knobs: BENCH_HOTPATH_PROCESSES (default 3, or 9 with BENCH_COMPARE; --quick 2): processes per
// checkout; BENCH_CASES (default memory,http,pg: the goal lines of #15), BENCH_CONCURRENCY (default
// 8), BENCH_ROUNDS (default 11; --quick 5), BENCH_CALLS_PER_ROUND (default 600; --quick 300) and
// every other knob of hotpath.mjs are passed on.
// (Named so that `node bench/run.mjs hotpath` does not pick it up too: run.mjs matches names by substring.)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { emit, QUICK, show, stats } from './_measure.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const COMPARE = process.env.BENCH_COMPARE ? path.resolve(process.env.BENCH_COMPARE) : undefined;
const PROCESSES = Number(process.env.BENCH_HOTPATH_PROCESSES ?? (QUICK ? 2 : COMPARE ? 9 : 3));
const env = {
  ...process.env,
  BENCH_CASES: process.env.BENCH_CASES ?? 'memory,http,pg',
  BENCH_CONCURRENCY: process.env.BENCH_CONCURRENCY ?? '8',
  BENCH_ROUNDS: process.env.BENCH_ROUNDS ?? (QUICK ? '5' : '11'),
  BENCH_CALLS_PER_ROUND: process.env.BENCH_CALLS_PER_ROUND ?? (QUICK ? '300' : '600'),
};
/** The checkouts measured: this one, and the one to compare with. */
const checkouts = [{ label: 'this', hotpath: path.join(here, 'hotpath.mjs') }];
if (COMPARE !== undefined) {
  const hotpath = path.join(COMPARE, 'bench', 'hotpath.mjs');
  if (!existsSync(hotpath))
    throw new Error(`BENCH_COMPARE=${COMPARE}: no bench/hotpath.mjs there (a checkout of this repository, installed and built)`);
  checkouts.push({ label: 'compare', hotpath });
}
console.log(
  `hotpath.mjs in ${PROCESSES} fresh processes${COMPARE ? ` per checkout (this, and ${COMPARE}; alternating)` : ''}, one after another: cases ${env.BENCH_CASES}, concurrency ${env.BENCH_CONCURRENCY}, ${env.BENCH_ROUNDS} rounds × ${env.BENCH_CALLS_PER_ROUND} calls per side`,
);

/** checkout label → comparison name → side → CPU-ratio median of each process, in process order. */
const medians = new Map(checkouts.map((c) => [c.label, new Map()]));
const dir = mkdtempSync(path.join(tmpdir(), 'alter-bench-processes-'));
try {
  for (let p = 0; p < PROCESSES; p++) {
    // Alternating which checkout goes first: a drift of the machine falls on both.
    for (const checkout of p % 2 === 0 ? checkouts : [...checkouts].reverse()) {
      const records = runHotpath(checkout.hotpath, path.join(dir, `${checkout.label}-${p + 1}.jsonl`), p);
      const byName = medians.get(checkout.label);
      for (const record of records) {
        if (record.ratios === undefined) continue;
        const bySide = byName.get(record.name) ?? new Map();
        for (const [side, ratio] of Object.entries(record.ratios)) {
          const list = bySide.get(side) ?? [];
          list[p] = ratio.cpu.median;
          bySide.set(side, list);
        }
        byName.set(record.name, bySide);
      }
      console.log(`  process ${p + 1} of ${PROCESSES}${COMPARE ? ` (${checkout.label})` : ''} done (${records.length} comparison(s))`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** Runs one hotpath.mjs process and returns its JSON records. */
function runHotpath(hotpath, lines, p) {
  const r = spawnSync(process.execPath, [hotpath], {
    env: { ...env, BENCH_RESULTS_FILE: lines },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`${hotpath} (process ${p + 1}) exited with ${r.status ?? r.signal}: ${r.stderr.slice(-2000)}`);
  try {
    return readFileSync(lines, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l));
  } catch {
    // No comparison ran (e.g. only PostgreSQL selected, without a server): nothing to add.
    return [];
  }
}

const ours = medians.get('this');
if (ours.size === 0) console.log('  no comparison ran (see the cases and the PostgreSQL note of hotpath.mjs)');
for (const [name, bySide] of ours) {
  console.log(name);
  for (const [side, list] of bySide) {
    const ran = list.filter((x) => x !== undefined);
    console.log(`  ratio ${side.padEnd(22)} cpu, median per process: ${ran.map((x) => `${x.toFixed(3)}×`).join(', ')}`);
    console.log(`  ${''.padEnd(28)} median of the processes' medians ${show(ran, 3, '×')}`);
    const record = {
      name: `${name}, CPU ratio over ${ran.length} processes`,
      case: 'across-processes',
      side,
      processMedians: ran,
      cpu: stats(ran),
    };
    const other = medians.get('compare')?.get(name)?.get(side);
    if (other !== undefined) {
      const theirs = other.filter((x) => x !== undefined);
      // Round by round: this checkout's process against the other's of the same round.
      const differences = list.flatMap((x, i) => (x !== undefined && other[i] !== undefined ? [x - other[i]] : []));
      console.log(`  ${''.padEnd(28)} compare, median per process: ${theirs.map((x) => `${x.toFixed(3)}×`).join(', ')}`);
      console.log(`  ${''.padEnd(28)} compare, median of the processes' medians ${show(theirs, 3, '×')}`);
      console.log(`  ${''.padEnd(28)} this − compare, median over rounds ${show(differences, 3)}`);
      Object.assign(record, { compare: COMPARE, compareProcessMedians: theirs, compareCpu: stats(theirs), difference: stats(differences) });
    }
    emit(record);
  }
}
