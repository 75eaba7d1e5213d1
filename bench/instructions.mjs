#!/usr/bin/env node
// CPU instructions per call, counted by valgrind (callgrind): a second measure of our overhead
// next to the CPU-time ratios of hotpath.mjs, independent of the machine's load (instruction
// counts do not change when neighbours steal the CPU, where CPU time does).
//
// Each side (bench/_instructions-side.mjs: alter_tool vs raw_tool, a tool call in memory on SQLite
// with the audit on against a raw SDK tool doing the matched axios call; vault_request vs
// matched_axios) runs in its own process under valgrind with callgrind's instrumentation OFF for
// startup and warm-up and ON (callgrind_control) for BENCH_INSTR_CALLS measured calls and the
// flush of their audit rows: instructions per call = collected / calls. Repeated
// BENCH_INSTR_REPEATS times (median, min–max). BENCH_INSTR_COMPARE=/other/checkout measures another
// build (e.g. main before a change) in the same run, interleaved. Slow (valgrind runs Node tens of
// times slower): minutes per side on a loaded machine.
//
// Knobs: BENCH_INSTR_CALLS (default 300; --quick 100), BENCH_INSTR_REPEATS (default 3; --quick 1),
// BENCH_INSTR_SIDES (comma-separated), BENCH_INSTR_WARMUP (warm-up calls, 1,500).
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { emit, QUICK, show, stats } from './_measure.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const CALLS = Number(process.env.BENCH_INSTR_CALLS ?? (QUICK ? 100 : 300));
const REPEATS = Number(process.env.BENCH_INSTR_REPEATS ?? (QUICK ? 1 : 3));
const SIDES = (process.env.BENCH_INSTR_SIDES ?? 'alter_tool,raw_tool,vault_request,matched_axios').split(',');
const PAIRS = [
  ['alter_tool', 'raw_tool', 'tool call in memory SQLite, concurrency 8'],
  ['vault_request', 'matched_axios', 'vault.request SQLite, concurrency 8'],
];
const checkouts = [{ label: 'this', root }];
if (process.env.BENCH_INSTR_COMPARE) checkouts.push({ label: 'compare', root: path.resolve(process.env.BENCH_INSTR_COMPARE) });

if (spawnSync('valgrind', ['--version']).status !== 0 || spawnSync('callgrind_control', ['-h']).error !== undefined) {
  console.log('instructions: skipped (valgrind with callgrind_control is not installed)');
  process.exit(0);
}

/**
 * Instructions callgrind counted per call for `calls` measured calls of `side`: the side runs
 * under valgrind with instrumentation off until it says "ready", on (callgrind_control -i on)
 * for the calls, and off again once it says "done".
 */
async function instructions(checkout, side, calls) {
  const args = ['--tool=callgrind', '--instr-atstart=no', '--callgrind-out-file=/dev/null'];
  const child = spawn(
    'valgrind',
    [...args, process.execPath, '--expose-gc', path.join(here, '_instructions-side.mjs'), checkout, side, String(calls)],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
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
  const m = /Collected : (\d+)/.exec(stderr);
  if (code !== 0 || m === null) throw new Error(`${side} (${checkout}) failed: ${stderr.slice(-2000)}`);
  return Number(m[1]) / calls;
}

console.log(
  `instructions per call (callgrind), ${CALLS} measured calls per run, ${REPEATS} repeat(s); checkouts: ${checkouts.map((c) => `${c.label}=${c.root}`).join(', ')}`,
);
const perCall = {}; // `${label}:${side}` -> number[]
for (let r = 0; r < REPEATS; r++) {
  // Interleaved: every side of every checkout once per repeat, the checkouts' order alternating.
  for (const c of r % 2 === 0 ? checkouts : [...checkouts].reverse()) {
    for (const side of SIDES) {
      const n = await instructions(c.root, side, CALLS);
      const key = `${c.label}:${side}`;
      perCall[key] ??= [];
      perCall[key].push(n);
      console.log(`  ${key.padEnd(24)} repeat ${r + 1}: ${(n / 1000).toFixed(1)} k instructions/call`);
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
      calls: CALLS,
      repeats: REPEATS,
      instructionsPerCall: { [ours]: stats(a), [base]: stats(b) },
      ratio: stats(ratios),
      overheadPerCall: stats(overhead),
    });
  }
}
