#!/usr/bin/env node
// Runs every benchmark: each `*.mjs` file in bench/ and its subfolders (except this file and
// files starting with `_`), one after another, each in its own Node process so they do not
// disturb each other. Benchmarks run on BUILT output (`pnpm bench` builds first) and print
// ratios against a baseline measured in the same run; nothing here asserts on wall-clock time.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const self = fileURLToPath(import.meta.url);
const only = process.argv.slice(2);

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

const files = collect(here).filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
let failed = 0;
for (const file of files) {
  const rel = path.relative(path.dirname(here), file);
  console.log(`\n=== ${rel}`);
  const r = spawnSync(process.execPath, [file], { stdio: 'inherit', env: process.env });
  if (r.status !== 0) {
    failed += 1;
    console.log(`!!! ${rel} exited with ${r.status ?? r.signal}`);
  }
}
console.log(`\n${files.length - failed} benchmark(s) ran, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
