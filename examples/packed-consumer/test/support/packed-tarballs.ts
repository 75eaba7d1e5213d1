/**
 * What the tests that install our packages from their tarballs share (packed-consumer.test.ts,
 * sample-pack.test.ts): running a command, packing workspace packages with `pnpm pack` (so
 * `workspace:` ranges become versions and only each package's `files` ship), and installing into a
 * folder outside the workspace with npm, offline from its cache where it can.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion (never throws on a non-zero exit: the test reads `code`). */
export function run(command: string, args: readonly string[], cwd: string, timeoutMs = 600_000): Promise<RunResult> {
  return new Promise((done) => {
    execFile(
      command,
      args,
      { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: '' } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, stdout, stderr: stderr || (err && typeof err.code !== 'number' ? String(err) : '') });
      },
    );
  });
}

/** A command's output for a failure message. */
export const shown = (r: RunResult) => `exit ${r.code}\n${r.stdout}\n${r.stderr}`.slice(0, 6000);

/**
 * Packs `packages/<name>` for each name into `destination`.
 * @returns package name (`@alter/vault`) → tarball path.
 * @throws {Error} with pnpm's output when a pack fails.
 */
export async function packWorkspacePackages(names: readonly string[], destination: string): Promise<Map<string, string>> {
  const packed = await Promise.all(names.map((p) => run('pnpm', ['pack', '--pack-destination', destination], join(root, 'packages', p))));
  for (const r of packed) if (r.code !== 0) throw new Error(`pnpm pack failed:\n${shown(r)}`);
  const tarballs = new Map<string, string>();
  for (const file of readdirSync(destination)) {
    const m = /^alter-(.+?)-\d+\.\d+\.\d+.*\.tgz$/.exec(file);
    if (m) tarballs.set(`@alter/${m[1]}`, join(destination, file));
  }
  for (const p of names) if (!tarballs.has(`@alter/${p}`)) throw new Error(`pnpm pack wrote no tarball for @alter/${p} in ${destination}`);
  return tarballs;
}

/**
 * The workspace's own copy of a package `from` a workspace package resolves, as a `file:` spec.
 * Used for better-sqlite3 (already compiled here: npm runs with --ignore-scripts) and for
 * packages npm's cache may not hold.
 */
export function workspaceCopy(name: string, from = 'packages/vault'): string {
  return `file:${dirname(createRequire(join(root, from, 'package.json')).resolve(`${name}/package.json`))}`;
}

/**
 * `npm install` in `dir` with --prefer-offline (its cache answers; the registry only for what it
 * lacks) and --ignore-scripts (native modules come from the workspace, already built).
 * @throws {Error} with npm's output when the install fails.
 */
export async function npmInstall(dir: string): Promise<void> {
  const installed = await run(
    'npm',
    ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
    dir,
  );
  if (installed.code !== 0) throw new Error(`npm install failed:\n${shown(installed)}`);
}
