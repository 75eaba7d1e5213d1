import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

// Tests must pass alone, in any order. Each sampled test runs in its own Jest process with `-t`
// (scripts/test-alone.mjs); `node scripts/test-alone.mjs <file>` checks every test of a file.
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
type AloneModule = {
  ALONE_SAMPLE: Array<{ file: string; name: string }>;
  runAlone(file: string, names: string[]): Array<{ file: string; name: string; status: string; message: string }>;
};

describe('tests that pass alone', () => {
  it('each sampled test passes when it is the only test run', async () => {
    const { ALONE_SAMPLE, runAlone } = (await import(path.join(repo, 'scripts/test-alone.mjs'))) as AloneModule;
    expect(ALONE_SAMPLE.length).toBeGreaterThan(0);
    const results = ALONE_SAMPLE.flatMap(({ file, name }) => runAlone(file, [name]));
    expect(results.filter((r) => r.status !== 'passed')).toEqual([]);
    expect(results).toHaveLength(ALONE_SAMPLE.length);
  }, 300_000);
});
