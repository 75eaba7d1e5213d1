#!/usr/bin/env node
// CPU instructions per call, counted by valgrind (callgrind): a second measure of our overhead
// next to the CPU-time ratios of hotpath.mjs, independent of the machine's load (instruction
// counts do not change when neighbours steal the CPU, where CPU time does).
//
// Each side (bench/_instructions-side.mjs: alter_tool vs raw_tool, a tool call in memory on SQLite
// with the audit on against a raw SDK tool doing the matched axios call; vault_request vs
// matched_axios) runs in its own process under `valgrind --tool=callgrind` twice, with N1 and N2
// measured calls after the same setup and warm-up; instructions per call = (I(N2) − I(N1)) /
// (N2 − N1), so startup and warm-up cancel. Repeated BENCH_INSTR_REPEATS times (median, min–max).
// BENCH_INSTR_COMPARE=/other/checkout measures another build (e.g. main before a change) in the
// same run, interleaved. Slow (valgrind runs Node ~50× slower): minutes, not seconds.
//
// Knobs: BENCH_INSTR_CALLS="N1,N2" (default 50,200; --quick 20,80), BENCH_INSTR_REPEATS
// (default 3; --quick 1), BENCH_INSTR_SIDES (comma-separated), BENCH_INSTR_WARMUP (100).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { emit, QUICK, show, stats } from './_measure.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const [N1, N2] = (process.env.BENCH_INSTR_CALLS ?? (QUICK ? '20,80' : '50,200')).split(',').map(Number);
const REPEATS = Number(process.env.BENCH_INSTR_REPEATS ?? (QUICK ? 1 : 3));
const SIDES = (process.env.BENCH_INSTR_SIDES ?? 'alter_tool,raw_tool,vault_request,matched_axios').split(',');
const PAIRS = [
  ['alter_tool', 'raw_tool', 'tool call in memory SQLite, concurrency 8'],
  ['vault_request', 'matched_axios', 'vault.request SQLite, concurrency 8'],
];
const checkouts = [{ label: 'this', root }];
if (process.env.BENCH_INSTR_COMPARE) checkouts.push({ label: 'compare', root: path.resolve(process.env.BENCH_INSTR_COMPARE) });

if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.log('instructions: skipped (valgrind is not installed)');
  process.exit(0);
}

/** Instructions valgrind counted for one run of `side` with `calls` measured calls. */
function instructions(checkout, side, calls) {
  const r = spawnSync(
    'valgrind',
    [
      '--tool=callgrind',
      '--callgrind-out-file=/dev/null',
      process.execPath,
      path.join(here, '_instructions-side.mjs'),
      checkout,
      side,
      String(calls),
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const m = /Collected : (\d+)/.exec(r.stderr);
  if (r.status !== 0 || m === null) throw new Error(`${side} (${checkout}) failed: ${r.stderr.slice(-2000)}`);
  return Number(m[1]);
}

console.log(
  `instructions per call (callgrind), (I(${N2}) − I(${N1})) / ${N2 - N1}, ${REPEATS} repeat(s); checkouts: ${checkouts.map((c) => `${c.label}=${c.root}`).join(', ')}`,
);
const perCall = {}; // `${label}:${side}` -> number[]
for (let r = 0; r < REPEATS; r++) {
  // Interleaved: every side of every checkout once per repeat, N1 and N2 back to back.
  for (const c of r % 2 === 0 ? checkouts : [...checkouts].reverse()) {
    for (const side of SIDES) {
      const lo = instructions(c.root, side, N1);
      const hi = instructions(c.root, side, N2);
      const key = `${c.label}:${side}`;
      perCall[key] ??= [];
      perCall[key].push((hi - lo) / (N2 - N1));
      console.log(`  ${key.padEnd(24)} repeat ${r + 1}: ${((hi - lo) / (N2 - N1) / 1000).toFixed(1)} k instructions/call`);
    }
  }
}
for (const c of checkouts) {
  for (const [ours, base, name] of PAIRS) {
    const a = perCall[`${c.label}:${ours}`];
    const b = perCall[`${c.label}:${base}`];
    if (a === undefined || b === undefined) continue;
    const ratios = a.map((x, i) => x / b[i]);
    const overhead = a.map((x, i) => x - b[i]);
    console.log(`${name} (${c.label})`);
    console.log(
      `  ${ours.padEnd(16)} ${show(
        a.map((x) => x / 1000),
        1,
        ' k instr/call',
      )}`,
    );
    console.log(
      `  ${base.padEnd(16)} ${show(
        b.map((x) => x / 1000),
        1,
        ' k instr/call',
      )}`,
    );
    console.log(
      `  ratio ${show(ratios, 3, '×')}  overhead ${show(
        overhead.map((x) => x / 1000),
        1,
        ' k instr/call',
      )}`,
    );
    emit({
      name: `${name}, instructions (callgrind)`,
      case: 'instructions',
      checkout: c.label,
      root: c.root,
      calls: [N1, N2],
      repeats: REPEATS,
      instructionsPerCall: { [ours]: stats(a), [base]: stats(b) },
      ratio: stats(ratios),
      overheadPerCall: stats(overhead),
    });
  }
}
