#!/usr/bin/env node
// Runs tests alone (`jest <file> -t '^<full name>$'`), so a test that only passes after another
// one (shared state, order) is found, and runs suites in a shuffled order (`jest --randomize`).
// Checking every test alone takes too long for every CI run (the 28 tests of in-memory.test.ts:
// ~11 min on a loaded machine), so the test suite checks a sample: the tests that once needed an
// earlier test (ALONE_REGRESSIONS) plus one test from each of a few package suites chosen by a
// seeded shuffle. The seed is printed; the same seed picks the same tests, so a failure is
// reproducible with `--seed`.
//   node scripts/test-alone.mjs                          the regressions + a seeded sample
//   node scripts/test-alone.mjs --seed 1234 --files 6    the same, with this seed and sample size
//   node scripts/test-alone.mjs packages/x/test/y.test.ts …   every test of these files, each alone
//   node scripts/test-alone.mjs --randomize [--seed N] [--files K]   K seeded suites, each run whole
//                                                        in a random test order (jest --randomize)
// Prints one line per test (or suite) and ends with `N passed alone, N failed alone` (or
// `N suites passed in random order, N failed`); exit 1 if any failed. ALTER_ALONE_SEED sets the
// seed too (so CI can repeat a failed run's sample).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/**
 * Tests that once passed only after an earlier test of their file had run: the first two share a
 * server, a vault and a sandbox across tests (where order bugs hide) and once needed an earlier
 * test to connect their user; the pack ones once needed the earlier story steps of their suite
 * (google's the Gmail-only grant of the first call, github's the calls of every tool). Always
 * checked, besides the seeded sample.
 */
export const ALONE_REGRESSIONS = Object.freeze([
  {
    file: 'packages/mcp/test/e2e/in-memory.test.ts',
    name: 'AlterMCP over the in-memory transport (SDK v1) names the missing scopes and offers a re-authorize URL (ScopeReauthRequiredError)',
  },
  {
    file: 'packages/mcp/test/e2e/in-memory.test.ts',
    name: 'AlterMCP over the in-memory transport (SDK v2) runs nested tools in a child audit context: the inner row has parentTool and the chain',
  },
  {
    file: 'packages/tools-google/test/e2e/google-pack.e2e.test.ts',
    name: '@alter/tools-google through the real stack (sandbox, SQLite vault, AlterMCP, SDK client) answers a tool whose scope the grant lacks with a re-authorize URL for that scope',
  },
  {
    file: 'packages/tools-github/test/e2e/github-pack.e2e.test.ts',
    name: '@alter/tools-github through the real stack (sandbox, SQLite vault, AlterMCP, SDK client) with GitHub connected the audit rows name each tool and the real GitHub URL',
  },
]);
/** Kept for callers of the first version of this script. */
export const ALONE_SAMPLE = ALONE_REGRESSIONS;

/** How many package suites the default sample takes one test from (about a minute of Jest runs). */
export const DEFAULT_SAMPLE_FILES = 3;

/** The suites the sample is drawn from: the packages' own tests (examples and repo checks build and pack). */
const SAMPLED_SUITE = /^packages\/[^/]+\/test\/.+\.test\.ts$/;

/** A test name that no test has: listing a suite with it runs none of its tests or hooks. */
const NO_TEST = '^ALTER_TEST_ALONE_LISTING_ONLY$';

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A fresh seed (printed by the caller, so a run can be repeated). */
export function newSeed() {
  return Math.floor(Math.random() * 2 ** 31);
}

/** mulberry32: a small deterministic PRNG, so one seed gives one sample on every machine. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded Fisher–Yates shuffle of a copy of `items`. */
export function seededShuffle(items, seed) {
  const random = prng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function jest(args, outputFile, config) {
  return spawnSync(
    process.execPath,
    [
      '--experimental-vm-modules',
      '--no-warnings=ExperimentalWarning',
      path.join(root, 'node_modules/jest/bin/jest.js'),
      '--json',
      `--outputFile=${outputFile}`,
      ...(config ? [`--config=${config}`] : []),
      ...args,
    ],
    { cwd: root, encoding: 'utf8', env: process.env },
  );
}

/**
 * Runs Jest with `args` and returns its JSON results (undefined when it wrote none). `config` is
 * another Jest config file (the tests of this script use a fixture project); default: the repo's.
 */
function jestResults(args, config) {
  const scratch = mkdtempSync(path.join(tmpdir(), 'alter-alone-'));
  try {
    const out = path.join(scratch, 'results.json');
    jest(args, out, config);
    try {
      return JSON.parse(readFileSync(out, 'utf8'));
    } catch {
      return undefined;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const relative = (file) => path.relative(root, path.resolve(root, file)).split(path.sep).join('/');

/**
 * Every package suite Jest would run, relative to the repository, sorted (so a seed means the
 * same files). None is left out: a suite that depends on its tests' order gets fixed, not excused.
 */
export function sampledSuites() {
  const listed = spawnSync(
    process.execPath,
    ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', path.join(root, 'node_modules/jest/bin/jest.js'), '--listTests'],
    { cwd: root, encoding: 'utf8', env: process.env },
  );
  return listed.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map(relative)
    .filter((file) => SAMPLED_SUITE.test(file))
    .sort();
}

/**
 * The full names of the tests of each file, without running them (one Jest run over all files
 * with a name no test has: every test is reported as skipped, no hook runs).
 */
export function testNamesOf(files, config) {
  const results = jestResults([...files, '--runTestsByPath', '-t', NO_TEST], config);
  const names = new Map(files.map((f) => [relative(f), []]));
  for (const suite of results?.testResults ?? []) {
    names.set(
      relative(suite.name),
      suite.assertionResults.map((t) => t.fullName),
    );
  }
  return names;
}

/** The full names of the tests of `file` (one run of the whole file; skipped tests left out). */
export function testNames(file) {
  const results = jestResults([file, '--runTestsByPath']);
  return (results?.testResults ?? []).flatMap((s) => s.assertionResults.filter((t) => t.status !== 'pending').map((t) => t.fullName));
}

/**
 * The seeded sample: `files` package suites from a shuffle of all of them, and one test of each,
 * also chosen by the seed. Suites without tests are passed over.
 */
export function samplePlan(seed, files = DEFAULT_SAMPLE_FILES) {
  const random = prng(seed ^ 0x5eed);
  const shuffled = seededShuffle(sampledSuites(), seed);
  const plan = [];
  // List names a few suites at a time, so one listing run usually covers the whole sample.
  for (let i = 0; i < shuffled.length && plan.length < files; i += files + 2) {
    const batch = shuffled.slice(i, i + files + 2);
    const names = testNamesOf(batch);
    for (const file of batch) {
      const candidates = names.get(file) ?? [];
      if (candidates.length === 0 || plan.length >= files) continue;
      plan.push({ file, name: candidates[Math.floor(random() * candidates.length)] });
    }
  }
  return plan;
}

/** One result per planned test from a Jest run's JSON: `{ file, name, status, message }`. */
function resultsOf(plan, results) {
  return plan.map(({ file, name }) => {
    const suite = (results?.testResults ?? []).find((s) => relative(s.name) === relative(file));
    if (!suite) return { file, name, status: 'failed', message: 'Jest wrote no result for this file' };
    const ran = suite.assertionResults.filter((t) => t.status !== 'pending');
    const self = suite.assertionResults.find((t) => t.fullName === name);
    if (ran.length === 0 && self?.status === 'pending') {
      // Skipped on this machine (its title says why, e.g. ALTER_TEST_PG_URL unset): nothing to check.
      return { file, name, status: 'skipped', message: '' };
    }
    if (ran.length === 0 && suite.status === 'failed') {
      return { file, name, status: 'failed', message: (suite.message ?? '').trim().split('\n')[0] ?? 'the suite failed' };
    }
    if (ran.length !== 1 || ran[0].fullName !== name) {
      return { file, name, status: 'failed', message: `${ran.length} tests ran instead of this one alone` };
    }
    const status = ran[0].status === 'passed' ? 'passed' : 'failed';
    return { file, name, status, message: (ran[0].failureMessages ?? []).join('\n').split('\n')[0] ?? '' };
  });
}

/**
 * Runs each planned test as the only test of its file. Tests of different files share one Jest
 * run (each file is its own module registry, so a test there is as alone as in its own process);
 * two tests of one file never do.
 */
export function runPlanAlone(plan, config) {
  const rounds = [];
  for (const entry of plan) {
    const round = rounds.find((r) => !r.some((e) => relative(e.file) === relative(entry.file)));
    if (round) round.push(entry);
    else rounds.push([entry]);
  }
  return rounds.flatMap((round) => {
    const pattern = `^(${round.map(({ name }) => escapeRegExp(name)).join('|')})$`;
    const results = jestResults([...new Set(round.map(({ file }) => file)), '--runTestsByPath', '-t', pattern], config);
    return resultsOf(round, results);
  });
}

/** `{ file, name, status, message }` for each named test of `file`, each run alone in its own Jest run. */
export function runAlone(file, names, config) {
  return names.flatMap((name) =>
    resultsOf([{ file, name }], jestResults([file, '--runTestsByPath', '-t', `^${escapeRegExp(name)}$`], config)),
  );
}

/**
 * Runs each file whole, its tests in a random order (`jest --randomize --seed`); returns
 * `{ file, status, message }` per file. The seed fixes the order, so a failure can be repeated.
 */
export function runRandomized(files, seed, config) {
  const results = jestResults([...files, '--runTestsByPath', '--randomize', `--seed=${seed}`], config);
  return files.map((file) => {
    const suite = (results?.testResults ?? []).find((s) => relative(s.name) === relative(file));
    if (!suite) return { file, status: 'failed', message: 'Jest wrote no result for this file' };
    const failed = suite.assertionResults.filter((t) => t.status === 'failed');
    if (suite.status === 'failed' || failed.length > 0) {
      const first = failed[0];
      return {
        file,
        status: 'failed',
        message: first
          ? `${first.fullName}: ${(first.failureMessages ?? []).join('\n').split('\n')[0]}`
          : (suite.message ?? '').split('\n')[0],
      };
    }
    return { file, status: 'passed', message: '' };
  });
}

function option(args, name) {
  const i = args.indexOf(name);
  if (i === -1) return undefined;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} needs a whole number`);
  args.splice(i, 2);
  return value;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const randomize = args.includes('--randomize');
  if (randomize) args.splice(args.indexOf('--randomize'), 1);
  const seed = option(args, '--seed') ?? (process.env.ALTER_ALONE_SEED ? Number(process.env.ALTER_ALONE_SEED) : newSeed());
  const count = option(args, '--files');
  if (randomize) {
    const files = args.length > 0 ? args : seededShuffle(sampledSuites(), seed).slice(0, count ?? 2);
    console.log(`seed ${seed} (repeat with --randomize --seed ${seed}${args.length > 0 ? ` ${args.join(' ')}` : ''})`);
    const results = runRandomized(files, seed);
    for (const r of results)
      console.log(`${r.status === 'passed' ? 'ok    ' : 'FAILED'} ${relative(r.file)}${r.message ? `\n       ${r.message}` : ''}`);
    const failed = results.filter((r) => r.status !== 'passed').length;
    console.log(`${results.length - failed} suites passed in random order, ${failed} failed`);
    process.exit(failed === 0 ? 0 : 1);
  }
  let results;
  if (args.length > 0) {
    results = args.flatMap((file) => runAlone(file, testNames(file)));
  } else {
    console.log(`seed ${seed} (repeat with --seed ${seed}${count === undefined ? '' : ` --files ${count}`})`);
    results = runPlanAlone([...ALONE_REGRESSIONS, ...samplePlan(seed, count)]);
  }
  let passed = 0;
  let failed = 0;
  for (const r of results) {
    if (r.status === 'passed') passed++;
    if (r.status === 'failed') failed++;
    const mark = r.status === 'passed' ? 'ok    ' : r.status === 'skipped' ? 'skip  ' : 'FAILED';
    console.log(`${mark} ${relative(r.file)} › ${r.name}${r.status === 'failed' ? `\n       ${r.message}` : ''}`);
  }
  console.log(`${passed} passed alone, ${failed} failed alone`);
  process.exit(failed === 0 ? 0 : 1);
}
