#!/usr/bin/env node
// Writes tsconfig.test.json's `paths` from the workspace (scripts/workspace.mjs): every entry of
// every workspace package's `exports` map resolves to its source file, so the test type check sees
// a new package or subpath without anyone editing the list by hand.
//   node scripts/sync-test-tsconfig.mjs          rewrite tsconfig.test.json
//   node scripts/sync-test-tsconfig.mjs --check  exit 1 naming the fix when it is out of date
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceEntryPoints } from './workspace.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const file = path.join(root, 'tsconfig.test.json');
const current = readFileSync(file, 'utf8');
const config = JSON.parse(current);
const paths = {};
for (const { specifier, source } of sourceEntryPoints(root).sort((a, b) => a.specifier.localeCompare(b.specifier))) {
  paths[specifier] = [`./${source}`];
}
config.compilerOptions.paths = paths;
const wanted = `${JSON.stringify(config, null, 2)}\n`;
// Compared as data, not text: `pnpm format` may lay the file out differently.
const upToDate = JSON.stringify(JSON.parse(current)) === JSON.stringify(config);

if (process.argv.includes('--check')) {
  if (!upToDate) {
    console.error('tsconfig.test.json is out of date with the workspace packages: run `node scripts/sync-test-tsconfig.mjs`.');
    process.exit(1);
  }
} else if (!upToDate) {
  writeFileSync(file, wanted);
  console.log('tsconfig.test.json: paths updated from the workspace');
}
