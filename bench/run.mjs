#!/usr/bin/env node
// Runs every benchmark: each `*.mjs` file in bench/ and its subfolders (except this file and
// files starting with `_`), one after another, each in its own Node process so they do not
// disturb each other. Benchmarks run on BUILT output (`pnpm bench` builds first) and print
// ratios against a baseline measured in the same run; nothing here asserts on wall-clock time.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const self = fileURLToPath(import.meta.url);
// `--quick`: fewer rounds and calls (each benchmark reads BENCH_QUICK). `--json [file]`: every
// benchmark's results (median and min–max of wall and CPU time per round) go to one JSON file,
// default bench/results/latest.json, to compare across commits.
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const jsonAt = argv.indexOf('--json');
const jsonArg = jsonAt >= 0 && argv[jsonAt + 1]?.endsWith('.json') ? jsonAt + 1 : -1;
const jsonFile = jsonAt < 0 ? undefined : jsonArg > 0 ? path.resolve(argv[jsonArg]) : path.join(here, 'results', 'latest.json');
const only = argv.filter((a, i) => !a.startsWith('--') && i !== jsonArg);
const linesFile = jsonFile === undefined ? undefined : `${jsonFile}.lines`;
if (jsonFile !== undefined) {
  mkdirSync(path.dirname(jsonFile), { recursive: true });
  rmSync(linesFile, { force: true });
}

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('_') || name === 'node_modules') continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...collect(full));
    else if (name.endsWith('.mjs') && full !== self) out.push(full);
  }
  return out;
}

// Names are matched against the path inside bench/ (not the checkout's folder name).
const files = collect(here).filter((f) => only.length === 0 || only.some((o) => path.relative(here, f).includes(o)));
let failed = 0;
for (const file of files) {
  const rel = path.relative(path.dirname(here), file);
  console.log(`\n=== ${rel}`);
  const env = {
    ...process.env,
    BENCH_FILE: rel,
    ...(quick ? { BENCH_QUICK: '1' } : {}),
    ...(linesFile ? { BENCH_RESULTS_FILE: linesFile } : {}),
  };
  const r = spawnSync(process.execPath, [file], { stdio: 'inherit', env });
  if (r.status !== 0) {
    failed += 1;
    console.log(`!!! ${rel} exited with ${r.status ?? r.signal}`);
  }
}
console.log(`\n${files.length - failed} benchmark(s) ran, ${failed} failed`);
if (jsonFile !== undefined) {
  let results = [];
  try {
    results = readFileSync(linesFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  } catch {}
  rmSync(linesFile, { force: true });
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  const meta = { at: new Date().toISOString(), commit, node: process.version, cpus: os.cpus().length, loadavg: os.loadavg(), quick };
  writeFileSync(jsonFile, `${JSON.stringify({ meta, results }, null, 2)}\n`);
  console.log(`results: ${path.relative(process.cwd(), jsonFile)} (${results.length} entries)`);
}
process.exit(failed === 0 ? 0 : 1);
