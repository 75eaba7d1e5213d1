#!/usr/bin/env node
// Renders results written by `node bench/run.mjs --json` as a Markdown table (for
// docs/performance.md): `node bench/_table.mjs bench/results/latest.json` or, to compare two
// commits, `node bench/_table.mjs before.json after.json`. Ratios are per-round medians (min–max).
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2);
if (files.length === 0 || files.length > 2) {
  console.error('usage: node bench/_table.mjs <results.json> [<after.json>]');
  process.exit(2);
}
const runs = files.map((f) => JSON.parse(readFileSync(f, 'utf8')));
const f2 = (s, d = 2) => `${s.median.toFixed(d)} (${s.min.toFixed(d)}–${s.max.toFixed(d)})`;
const f0 = (s) => `${Math.round(s.median)} (${Math.round(s.min)}–${Math.round(s.max)})`;

function cells(r) {
  if (r.ratios && Object.keys(r.ratios).length > 0) {
    const [side, ratio] = Object.entries(r.ratios)[0];
    const us = r.sides[side].cpuUsPerOp;
    return { ratio: `wall ${f2(ratio.wall)}× · CPU ${f2(ratio.cpu)}×`, abs: `CPU ${f0(us)} µs/op` };
  }
  if (r.case === 'loop-delay')
    return { ratio: `p99 on−off ${f2(r.p99DiffMs)} ms`, abs: `p99 on ${f2(r.p99OnMs)} ms, off ${f2(r.p99OffMs)} ms @ ${r.rate}/s` };
  if (r.rowsPerSecond) return { ratio: '', abs: `${f0(r.rowsPerSecond)} rows/s` };
  if (r.case === 'audit-multiprocess-verify') return { ratio: '', abs: r.ok ? `chain verifies (${r.checked} rows)` : 'CHAIN BROKEN' };
  return { ratio: '', abs: JSON.stringify(r).slice(0, 80) };
}

const names = [];
for (const run of runs) for (const r of run.results) if (!names.includes(r.name)) names.push(r.name);
const header =
  runs.length === 1
    ? ['case', 'ratio vs baseline', 'ours']
    : ['case', `before (${runs[0].meta.commit})`, `after (${runs[1].meta.commit})`, 'after, ours'];
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const name of names) {
  const got = runs.map((run) => run.results.find((r) => r.name === name));
  const c = got.map((r) => (r ? cells(r) : { ratio: '—', abs: '—' }));
  if (runs.length === 1) console.log(`| ${name} | ${c[0].ratio} | ${c[0].abs} |`);
  else console.log(`| ${name} | ${c[0].ratio || c[0].abs} | ${c[1].ratio || c[1].abs} | ${c[1].abs} |`);
}
for (const [i, run] of runs.entries())
  console.log(
    `\n${files[i]}: ${run.meta.at}, Node ${run.meta.node}, ${run.meta.cpus} CPUs, load average ${run.meta.loadavg.map((x) => x.toFixed(1)).join(' / ')}${run.meta.quick ? ', --quick' : ''}`,
  );
