import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

// `pnpm demo` builds through scripts/quiet-build.mjs: a warm install shows the demo, not the
// compiler; a failing build shows all of its output.
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const quietBuild = path.join(repo, 'scripts/quiet-build.mjs');
const run = (...args: string[]) => spawnSync(process.execPath, [quietBuild, ...args], { encoding: 'utf8' });

describe('scripts/quiet-build.mjs', () => {
  it('prints nothing when the command succeeds, however much it printed', () => {
    const result = run(
      process.execPath,
      '-e',
      'for (let i = 0; i < 60; i++) console.log("compiling file " + i); console.error("a warning")',
    );
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('prints the whole output and the exit status when the command fails, and fails the same way', () => {
    const result = run(
      process.execPath,
      '-e',
      'console.log("src/a.ts(1,1): error TS2304"); console.error("build failed"); process.exit(3)',
    );
    expect(result.status).toBe(3);
    expect(result.stderr).toContain('src/a.ts(1,1): error TS2304\nbuild failed\n');
    expect(result.stderr).toMatch(/quiet-build: `.+` failed \(exit 3\); its output is above\./);
  });

  it('is how `pnpm demo` builds, and `pnpm alter` opens what `pnpm demo --keep` leaves', () => {
    const { scripts } = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.demo).toBe('node scripts/quiet-build.mjs pnpm build && node examples/demo/dist/main.js');
    expect(scripts.alter).toBe('node packages/cli/dist/bin.js');
  });
});
