import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

// Tests must pass alone, in any order. Each sampled test runs as the only test of its file with
// `-t` (scripts/test-alone.mjs): the known regressions plus one test from each of a few package
// suites picked by a seeded shuffle; a couple of seeded suites also run whole in a random order
// (`jest --randomize`). The seed is in the failure and printed: ALTER_ALONE_SEED=<seed> (or
// `node scripts/test-alone.mjs --seed <seed>`) repeats the same sample.
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
type Planned = { file: string; name: string };
type AloneResult = Planned & { status: string; message: string };
type AloneModule = {
  ALONE_REGRESSIONS: readonly Planned[];
  DEFAULT_SAMPLE_FILES: number;
  newSeed(): number;
  seededShuffle<T>(items: readonly T[], seed: number): T[];
  sampledSuites(): string[];
  samplePlan(seed: number, files?: number): Planned[];
  testNamesOf(files: readonly string[], config?: string): Map<string, string[]>;
  runPlanAlone(plan: readonly Planned[], config?: string): AloneResult[];
  runRandomized(files: readonly string[], seed: number, config?: string): Array<{ file: string; status: string; message: string }>;
};
const load = async () => (await import(path.join(repo, 'scripts/test-alone.mjs'))) as AloneModule;
const seedFromEnv = () => (process.env.ALTER_ALONE_SEED ? Number(process.env.ALTER_ALONE_SEED) : undefined);

describe('tests that pass alone and in any order', () => {
  it('each sampled test passes when it is the only test of its file that runs', async () => {
    const alone = await load();
    const seed = seedFromEnv() ?? alone.newSeed();
    console.log(`tests-alone sample seed ${seed} (repeat: ALTER_ALONE_SEED=${seed} or node scripts/test-alone.mjs --seed ${seed})`);
    const sample = alone.samplePlan(seed);
    expect(new Set(sample.map((s) => s.file)).size).toBe(alone.DEFAULT_SAMPLE_FILES);
    const results = alone.runPlanAlone([...alone.ALONE_REGRESSIONS, ...sample]);
    expect({ seed, failed: results.filter((r) => r.status === 'failed') }).toEqual({ seed, failed: [] });
    expect(results).toHaveLength(alone.ALONE_REGRESSIONS.length + sample.length);
    // The regressions always run (PostgreSQL or not, they need no database).
    expect(results.slice(0, alone.ALONE_REGRESSIONS.length).map((r) => r.status)).toEqual(alone.ALONE_REGRESSIONS.map(() => 'passed'));
  }, 600_000);

  it('two seeded suites pass with their tests in a random order', async () => {
    const alone = await load();
    const seed = seedFromEnv() ?? alone.newSeed();
    const files = alone.seededShuffle(alone.sampledSuites(), seed).slice(0, 2);
    console.log(`tests-alone random-order seed ${seed} (repeat: node scripts/test-alone.mjs --randomize --seed ${seed})`);
    const results = alone.runRandomized(files, seed);
    expect({ seed, failed: results.filter((r) => r.status !== 'passed') }).toEqual({ seed, failed: [] });
    expect(results).toHaveLength(2);
  }, 600_000);

  it('samples package suites only, all of them: the story-shaped pack suites too, and the files of the known regressions', async () => {
    const { ALONE_REGRESSIONS, sampledSuites } = await load();
    const suites = sampledSuites();
    expect(suites.length).toBeGreaterThan(100);
    expect(suites.every((f) => /^packages\/[^/]+\/test\//.test(f))).toBe(true);
    // The pack suites were once left out (their tests needed earlier ones); they pass alone now.
    const packSuites = ['github', 'google', 'slack'].map((p) => `packages/tools-${p}/test/e2e/${p}-pack.e2e.test.ts`);
    expect(packSuites.filter((f) => !suites.includes(f))).toEqual([]);
    // A regression's file that was renamed or split would make its check fail as "0 tests ran".
    for (const { file } of ALONE_REGRESSIONS) expect({ file, sampled: suites.includes(file) }).toEqual({ file, sampled: true });
  }, 120_000);

  it('one seed always picks the same shuffle, and the shuffle is a permutation', async () => {
    const { seededShuffle } = await load();
    const items = Array.from({ length: 50 }, (_, i) => i);
    expect(seededShuffle(items, 1234)).toEqual(seededShuffle(items, 1234));
    expect(seededShuffle(items, 1234)).not.toEqual(seededShuffle(items, 4321));
    expect([...seededShuffle(items, 1234)].sort((a, b) => a - b)).toEqual(items);
  });
});

// The checks themselves, on a fixture project whose tests depend on each other's order: they
// must report the dependent test as failing alone and the suite as failing in some random order.
describe('the alone and random-order checks find order dependence', () => {
  let dir: string;
  let config: string;
  let file: string;
  let listed: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'alter-alone-fixture-'));
    config = path.join(dir, 'jest.config.json');
    writeFileSync(config, JSON.stringify({ rootDir: dir, testEnvironment: 'node', testMatch: ['<rootDir>/*.test.cjs'], transform: {} }));
    file = path.join(dir, 'order.test.cjs');
    writeFileSync(
      file,
      [
        'let connected = false;',
        "test('connects', () => { connected = true; });",
        "test('reads after connecting', () => { expect(connected).toBe(true); });",
        "test('stands alone', () => { expect(1 + 1).toBe(2); });",
      ].join('\n'),
    );
    listed = path.join(dir, 'listed.test.cjs');
    writeFileSync(
      listed,
      [
        "const { writeFileSync } = require('node:fs');",
        `const ran = (what) => writeFileSync(${JSON.stringify(path.join(dir, 'ran'))}, what);`,
        "beforeAll(() => ran('a hook'));",
        "describe('a group', () => { test('never runs while listing', () => ran('a test')); });",
        "test('neither does this', () => ran('a test'));",
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists every test name without running any', async () => {
    const { testNamesOf } = await load();
    const names = testNamesOf([file, listed], config);
    expect([...names.values()].flat().sort()).toEqual(
      ['a group never runs while listing', 'connects', 'neither does this', 'reads after connecting', 'stands alone'].sort(),
    );
    expect(existsSync(path.join(dir, 'ran'))).toBe(false);
  }, 120_000);

  it('reports the test that needs an earlier one as failing alone, and the independent one as passing', async () => {
    const { runPlanAlone } = await load();
    const results = runPlanAlone(
      [
        { file, name: 'reads after connecting' },
        { file, name: 'stands alone' },
      ],
      config,
    );
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ['reads after connecting', 'failed'],
      ['stands alone', 'passed'],
    ]);
    expect(results[0]?.message).toMatch(/expect\(received\)\.toBe\(expected\)/);
  }, 120_000);

  it('finds a random order that breaks the suite (and repeats it with the same seed)', async () => {
    const { runRandomized } = await load();
    let failingSeed: number | undefined;
    for (let seed = 1; seed <= 12 && failingSeed === undefined; seed++) {
      const [result] = runRandomized([file], seed, config);
      if (result?.status === 'failed') failingSeed = seed;
    }
    expect(failingSeed).toBeDefined();
    const [again] = runRandomized([file], failingSeed ?? 0, config);
    expect(again?.message).toContain('reads after connecting');
  }, 300_000);
});
