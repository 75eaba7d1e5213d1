#!/usr/bin/env node
// The goal lines of hotpath.mjs, measured in several fresh processes: the per-call CPU of the same
// build moves by ±15–30 % from one process to the next on this kind of machine (docs/performance.md,
// round 6: 1.11× and 1.48× for the same code in two processes of bench/cpu-profile.mjs), so one
// process's median over rounds — however narrow its interval — is one draw. This runs hotpath.mjs
// BENCH_HOTPATH_PROCESSES times, one process after another (never two at once: they would share the
// two cores), and prints for each comparison every process's CPU-ratio median and the median of
// those medians with its min–max: the figure a goal is judged by.
//
// Knobs: BENCH_HOTPATH_PROCESSES (default 3; --quick 2); BENCH_CASES (default memory,http,pg: the
// goal lines of #15), BENCH_CONCURRENCY (default 8), BENCH_ROUNDS (default 11; --quick 5),
// BENCH_CALLS_PER_ROUND (default 600; --quick 300) and every other knob of hotpath.mjs are passed on.
// (Named so that `node bench/run.mjs hotpath` does not pick it up too: run.mjs matches names by substring.)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { emit, QUICK, show, stats } from './_measure.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const PROCESSES = Number(process.env.BENCH_HOTPATH_PROCESSES ?? (QUICK ? 2 : 3));
const env = {
  ...process.env,
  BENCH_CASES: process.env.BENCH_CASES ?? 'memory,http,pg',
  BENCH_CONCURRENCY: process.env.BENCH_CONCURRENCY ?? '8',
  BENCH_ROUNDS: process.env.BENCH_ROUNDS ?? (QUICK ? '5' : '11'),
  BENCH_CALLS_PER_ROUND: process.env.BENCH_CALLS_PER_ROUND ?? (QUICK ? '300' : '600'),
};
console.log(
  `hotpath.mjs in ${PROCESSES} fresh processes, one after another: cases ${env.BENCH_CASES}, concurrency ${env.BENCH_CONCURRENCY}, ${env.BENCH_ROUNDS} rounds × ${env.BENCH_CALLS_PER_ROUND} calls per side`,
);

/** comparison name → side → CPU-ratio median of each process, in process order. */
const medians = new Map();
const dir = mkdtempSync(path.join(tmpdir(), 'alter-bench-processes-'));
try {
  for (let p = 0; p < PROCESSES; p++) {
    const lines = path.join(dir, `process-${p + 1}.jsonl`);
    const r = spawnSync(process.execPath, [path.join(here, 'hotpath.mjs')], {
      env: { ...env, BENCH_RESULTS_FILE: lines },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.status !== 0) throw new Error(`hotpath.mjs (process ${p + 1}) exited with ${r.status ?? r.signal}: ${r.stderr.slice(-2000)}`);
    let records = [];
    try {
      records = readFileSync(lines, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l));
    } catch {
      // No comparison ran (e.g. only PostgreSQL selected, without a server): nothing to add.
    }
    for (const record of records) {
      if (record.ratios === undefined) continue;
      const bySide = medians.get(record.name) ?? new Map();
      for (const [side, ratio] of Object.entries(record.ratios)) {
        const list = bySide.get(side) ?? [];
        list[p] = ratio.cpu.median;
        bySide.set(side, list);
      }
      medians.set(record.name, bySide);
    }
    console.log(`  process ${p + 1} of ${PROCESSES} done (${records.length} comparison(s))`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (medians.size === 0) console.log('  no comparison ran (see the cases and the PostgreSQL note of hotpath.mjs)');
for (const [name, bySide] of medians) {
  console.log(name);
  for (const [side, list] of bySide) {
    const ran = list.filter((x) => x !== undefined);
    console.log(`  ratio ${side.padEnd(22)} cpu, median per process: ${ran.map((x) => `${x.toFixed(3)}×`).join(', ')}`);
    console.log(`  ${''.padEnd(28)} median of the processes' medians ${show(ran, 3, '×')}`);
    emit({
      name: `${name}, CPU ratio over ${ran.length} processes`,
      case: 'across-processes',
      side,
      processMedians: ran,
      cpu: stats(ran),
    });
  }
}
