import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';

// .ci/run and scripts/test.mjs run in a scratch copy of the repository layout. `pnpm` and Jest are
// replaced by small scripts (third-party tools, not our code) that succeed or fail on demand, so
// each path of the CI script runs for real in milliseconds.
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fake `pnpm` on PATH: logs each call; `FAIL_STEP` names the first argument that exits 1. */
const FAKE_PNPM = `#!/usr/bin/env bash
echo "pnpm $*" >> "$CALLS"
if [ "$1" = "--version" ]; then echo 10.0.0; exit 0; fi
if [ "$1" = "$FAIL_STEP" ]; then echo "$1: something is wrong" >&2; exit 1; fi
if [ "$1" = "test" ] && [ -n "$SUMMARY" ]; then echo "$SUMMARY" > .test-summary; [ "$TEST_STATUS" = 0 ]; exit $?; fi
if [ "$1" = "test" ]; then exit "\${TEST_STATUS:-1}"; fi
exit 0
`;

function runCi(env: Record<string, string>): { lines: string[]; calls: string[]; status: number | null } {
  const dir = mkdtempSync(path.join(tmpdir(), 'alter-ci-run-'));
  scratch.push(dir);
  mkdirSync(path.join(dir, '.ci'));
  mkdirSync(path.join(dir, 'bin'));
  copyFileSync(path.join(repo, '.ci/run'), path.join(dir, '.ci/run'));
  writeFileSync(path.join(dir, 'bin/pnpm'), FAKE_PNPM);
  chmodSync(path.join(dir, 'bin/pnpm'), 0o755);
  const calls = path.join(dir, 'calls.log');
  writeFileSync(calls, '');
  // No pg_isready on this PATH: the PostgreSQL block is skipped, as on a machine without it.
  const result = spawnSync('bash', [path.join(dir, '.ci/run')], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: `${path.join(dir, 'bin')}:/usr/bin:/bin`, HOME: dir, CALLS: calls, ...env },
  });
  const lines = `${result.stdout}`.trimEnd().split('\n');
  return { lines, calls: readFileSync(calls, 'utf8').trim().split('\n'), status: result.status };
}

describe('.ci/run', () => {
  it('says no tests ran, and prints no count, when lint fails', () => {
    const { lines, status } = runCi({ FAIL_STEP: 'lint' });
    expect(status).toBe(1);
    expect(lines.at(-1)).toBe('no tests ran: CI stopped at lint');
    expect(lines.join('\n')).not.toMatch(/\d+ passed/);
  });

  it('says no tests ran when the build fails', () => {
    const { lines, status, calls } = runCi({ FAIL_STEP: 'build' });
    expect(status).toBe(1);
    expect(lines.at(-1)).toBe('no tests ran: CI stopped at build');
    expect(calls).not.toContain('pnpm test');
  });

  it('checks the format and the changesets before the tests', () => {
    const { calls } = runCi({ SUMMARY: '3 passed, 0 failed, 0 skipped', TEST_STATUS: '0' });
    const steps = calls.map((c) => c.replace(/^pnpm /, '').split(' ')[0]);
    expect(steps.filter((s) => s !== '--version')).toEqual(['install', 'build', 'typecheck', 'lint', 'format:check', 'changeset', 'test']);
    expect(calls).toContain('pnpm changeset status');
    expect(runCi({ FAIL_STEP: 'format:check' }).lines.at(-1)).toBe('no tests ran: CI stopped at the format check (pnpm format fixes it)');
  });

  it('ends with the counted summary of the test run, red or green', () => {
    const green = runCi({ SUMMARY: '3 passed, 0 failed, 0 skipped', TEST_STATUS: '0' });
    expect([green.status, green.lines.at(-1)]).toEqual([0, '3 passed, 0 failed, 0 skipped']);
    const red = runCi({ SUMMARY: '2 passed, 1 failed, 0 skipped', TEST_STATUS: '1' });
    expect([red.status, red.lines.at(-1)]).toEqual([1, '2 passed, 1 failed, 0 skipped']);
  });

  it('says nothing was counted when the test command wrote no summary', () => {
    const { lines, status } = runCi({ TEST_STATUS: '2' });
    expect(status).toBe(2);
    expect(lines.at(-1)).toBe('no tests were counted: the test command wrote no summary (exit 2)');
  });
});

describe('scripts/test.mjs', () => {
  it('says nothing was counted, and prints no count, when Jest writes no results', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'alter-test-mjs-'));
    scratch.push(dir);
    mkdirSync(path.join(dir, 'scripts'));
    mkdirSync(path.join(dir, 'node_modules/jest/bin'), { recursive: true });
    copyFileSync(path.join(repo, 'scripts/test.mjs'), path.join(dir, 'scripts/test.mjs'));
    // A Jest that dies before writing its results file (a broken config does this).
    writeFileSync(path.join(dir, 'node_modules/jest/bin/jest.js'), 'console.error("● Validation Error"); process.exit(1);\n');
    const result = spawnSync(process.execPath, [path.join(dir, 'scripts/test.mjs')], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, ALTER_TEST_PG_URL: 'unused' },
    });
    const last = result.stdout.trimEnd().split('\n').at(-1);
    expect(result.status).toBe(1);
    expect(last).toBe('no tests were counted: jest exited 1 without writing results');
    expect(readFileSync(path.join(dir, '.test-summary'), 'utf8')).toBe(`${last}\n`);
    expect(result.stdout).not.toMatch(/\d+ passed/);
  });
});
