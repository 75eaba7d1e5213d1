#!/usr/bin/env node
// Runs tests alone (`jest <file> -t '^<full name>$'`), so a test that only passes after another
// one (shared state, order) is found. Each run starts Jest, so checking every test this way takes
// too long for every CI run (the 28 tests of in-memory.test.ts: ~11 min on a loaded machine): the
// test suite checks a sample (ALONE_SAMPLE, tests that once needed an earlier test), and a
// contributor checks a whole file after changing it.
//   node scripts/test-alone.mjs                       the sample
//   node scripts/test-alone.mjs packages/x/test/y.test.ts …   every test of these files
// Prints one line per test and ends with `N passed alone, N failed alone`; exit 1 if any failed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/**
 * Tests from suites that share a server, a vault or a sandbox across tests (where order bugs
 * hide), each of which once passed only after an earlier test had connected its user.
 */
export const ALONE_SAMPLE = [
  {
    file: 'packages/mcp/test/e2e/in-memory.test.ts',
    name: 'AlterMCP over the in-memory transport (SDK v1) names the missing scopes and offers a re-authorize URL (ScopeReauthRequiredError)',
  },
  {
    file: 'packages/mcp/test/e2e/in-memory.test.ts',
    name: 'AlterMCP over the in-memory transport (SDK v2) runs nested tools in a child audit context: the inner row has parentTool and the chain',
  },
];

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function jest(args, outputFile) {
  return spawnSync(
    process.execPath,
    [
      '--experimental-vm-modules',
      '--no-warnings=ExperimentalWarning',
      path.join(root, 'node_modules/jest/bin/jest.js'),
      '--json',
      `--outputFile=${outputFile}`,
      ...args,
    ],
    { cwd: root, encoding: 'utf8', env: process.env },
  );
}

/** The full names of the tests of `file` (one run of the whole file). */
export function testNames(file) {
  const scratch = mkdtempSync(path.join(tmpdir(), 'alter-alone-'));
  try {
    const listing = path.join(scratch, 'list.json');
    jest([file, '--runTestsByPath'], listing);
    const suites = JSON.parse(readFileSync(listing, 'utf8')).testResults;
    return suites.flatMap((s) => s.assertionResults.filter((t) => t.status !== 'pending').map((t) => t.fullName));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** `{ file, name, status, message }` for each named test of `file`, each run alone. */
export function runAlone(file, names) {
  const scratch = mkdtempSync(path.join(tmpdir(), 'alter-alone-'));
  try {
    const results = [];
    for (const name of names) {
      const out = path.join(scratch, 'one.json');
      jest([file, '--runTestsByPath', '-t', `^${escapeRegExp(name)}$`], out);
      const tests = JSON.parse(readFileSync(out, 'utf8')).testResults.flatMap((s) => s.assertionResults);
      const ran = tests.filter((t) => t.status !== 'pending');
      const status = ran.length === 1 && ran[0].status === 'passed' ? 'passed' : 'failed';
      const message = ran.length === 1 ? (ran[0].failureMessages ?? []).join('\n').split('\n')[0] : `${ran.length} tests matched the name`;
      results.push({ file, name, status, message });
    }
    return results;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = process.argv.slice(2);
  const plan =
    files.length > 0
      ? files.map((file) => ({ file, names: testNames(file) }))
      : ALONE_SAMPLE.map(({ file, name }) => ({ file, names: [name] }));
  let passed = 0;
  let failed = 0;
  for (const { file, names } of plan) {
    for (const r of runAlone(file, names)) {
      if (r.status === 'passed') passed++;
      else failed++;
      console.log(
        `${r.status === 'passed' ? 'ok    ' : 'FAILED'} ${path.relative(root, path.resolve(root, r.file))} › ${r.name}${r.status === 'passed' ? '' : `\n       ${r.message}`}`,
      );
    }
  }
  console.log(`${passed} passed alone, ${failed} failed alone`);
  process.exit(failed === 0 ? 0 : 1);
}
