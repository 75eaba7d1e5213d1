#!/usr/bin/env node
// Heap over 100,000 tool calls (issue #15, "heap flat over 100,000 calls"): runs the fixture of
// packages/mcp/test/e2e/heap-flat.test.ts (which makes 10,000 to stay fast) in a child process
// with --expose-gc and HEAP_CALLS (default 100,000; 20,000 with --quick): every call does
// ctx.request with the audit on (SQLite) through the SDK's real Client in memory. Prints heapUsed
// after a full GC at the end of the warm-up and after the calls, the delta and the delta per
// call; median and min–max over BENCH_HEAP_ROUNDS child processes (default 1). Never asserts.
// Run on built output: `pnpm bench heap`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { emit, QUICK, show, stats } from './_measure.mjs';

const CALLS = Number(process.env.HEAP_CALLS ?? (QUICK ? 20_000 : 100_000));
const ROUNDS = Number(process.env.BENCH_HEAP_ROUNDS ?? 1);
const fixture = fileURLToPath(new URL('../packages/mcp/test/fixtures/heap-calls.mjs', import.meta.url));

const MB = 1024 * 1024;
const deltas = [];
const perCall = [];
for (let r = 0; r < ROUNDS; r++) {
  const started = Date.now();
  const child = spawnSync(process.execPath, ['--expose-gc', fixture], {
    encoding: 'utf8',
    env: { ...process.env, HEAP_CALLS: String(CALLS) },
    maxBuffer: 1 << 20,
  });
  if (child.status !== 0) {
    console.error(`heap child failed (${child.status ?? child.signal}): ${child.stderr.slice(0, 2_000)}`);
    process.exit(1);
  }
  const { before, after, calls } = JSON.parse(child.stdout);
  deltas.push((after - before) / MB);
  perCall.push((after - before) / calls);
  console.log(
    `  round ${r + 1}: ${calls.toLocaleString('en-US')} calls in ${((Date.now() - started) / 1000).toFixed(0)} s; heapUsed after GC ${(before / MB).toFixed(2)} MB -> ${(after / MB).toFixed(2)} MB`,
  );
}
console.log(
  `heap over ${CALLS.toLocaleString('en-US')} tool calls (audit on, SQLite, in memory): delta ${show(deltas, 2, ' MB')}, ${show(perCall, 1, ' B/call')}`,
);
emit({ name: `heap delta over ${CALLS} tool calls`, case: 'heap', calls: CALLS, heapDeltaMB: stats(deltas), bytesPerCall: stats(perCall) });
