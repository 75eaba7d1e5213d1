#!/usr/bin/env node
// The project's one test command (`pnpm test`). Runs the whole Jest suite (unit, e2e,
// conformance) and ends with the plain summary line CI reads: `N passed, N failed, N skipped`
// (or, when Jest wrote no results, a line saying that nothing was counted).
// Extra arguments go to Jest (e.g. `pnpm test packages/vault`).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const resultsFile = path.join(root, '.jest-results.json');
rmSync(resultsFile, { force: true });
rmSync(path.join(root, '.test-summary'), { force: true });

if (!process.env.ALTER_TEST_PG_URL) {
  console.log('note: ALTER_TEST_PG_URL is unset, so the PostgreSQL tests will be skipped (each says so).');
}

const jest = spawnSync(
  process.execPath,
  [
    '--experimental-vm-modules',
    '--no-warnings=ExperimentalWarning',
    path.join(root, 'node_modules/jest/bin/jest.js'),
    '--json',
    `--outputFile=${resultsFile}`,
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: 'inherit', env: process.env },
);

if (!existsSync(resultsFile)) {
  // Nothing was counted, so no count is printed: the line says so instead.
  const line = `no tests were counted: jest exited ${jest.status ?? jest.signal} without writing results`;
  writeFileSync(path.join(root, '.test-summary'), `${line}\n`);
  console.log(line);
  process.exit(1);
}
const r = JSON.parse(readFileSync(resultsFile, 'utf8'));
const failedSuites = r.numFailedTestSuites ?? 0;
const failed = r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
const skipped = r.numPendingTests + (r.numTodoTests ?? 0);
if (failedSuites > 0) {
  for (const s of r.testResults) {
    if (s.status === 'failed') console.log(`failed: ${path.relative(root, s.name)}`);
  }
}
// Skips are never silent: name each skipped test (its title carries the reason).
for (const suite of r.testResults) {
  for (const t of suite.assertionResults ?? []) {
    if (t.status === 'pending' || t.status === 'todo') {
      console.log(`skipped: ${path.relative(root, suite.name)} › ${[...t.ancestorTitles, t.title].join(' › ')}`);
    }
  }
}
const summary = `${r.numPassedTests} passed, ${failed} failed, ${skipped} skipped`;
// Also kept in a file so CI can repeat it as its very last line (pnpm prints after a failure).
writeFileSync(path.join(root, '.test-summary'), `${summary}\n`);
console.log(summary);
process.exit(jest.status === 0 && failed === 0 && failedSuites === 0 ? 0 : 1);
