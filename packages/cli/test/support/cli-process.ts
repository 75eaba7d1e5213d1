/**
 * Runs the BUILT `alter` bin as a child process, the way users run it. The tests never import
 * the CLI's sources for this: what is tested is what ships (dist/bin.js and @alter/vault's dist).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '../../../..');
export const BIN = path.join(REPO_ROOT, 'packages/cli/dist/bin.js');

/** @throws Error telling to run `pnpm build` when the bin (or the vault it imports) is not built. */
export function assertBuilt(): void {
  for (const file of [BIN, path.join(REPO_ROOT, 'packages/vault/dist/index.js')]) {
    if (!existsSync(file))
      throw new Error(`${path.relative(REPO_ROOT, file)} is missing: run \`pnpm build\` at the repository root before these tests.`);
  }
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliRunOptions {
  readonly cwd: string;
  /** The child's whole environment besides PATH (nothing leaks in from the test's environment). */
  readonly env?: Readonly<Record<string, string>>;
}

function childEnv(env: Readonly<Record<string, string>> | undefined): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', ...env };
}

/** Runs `alter <args>` to completion (asynchronously: the sandbox lives in this process). */
export function runCli(args: readonly string[], options: CliRunOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: childEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A running `alter` whose output can be awaited line by line (for `connect`, `audit tail -f`). */
export interface CliProcess {
  readonly child: ChildProcess;
  /** Resolves with the first stdout line matching `pattern`. */
  stdoutLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Output so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves when the process exits. */
  done: Promise<CliResult>;
}

export function startCli(args: readonly string[], options: CliRunOptions): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    wake();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    wake();
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
      wake();
    });
  });
  return {
    child,
    done,
    output: () => ({ stdout, stderr }),
    stdoutLine(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no stdout line matching ${pattern} within ${timeoutMs} ms; stdout: ${stdout}; stderr: ${stderr}`)),
          timeoutMs,
        );
        const check = () => {
          const line = stdout.split('\n').find((l) => pattern.test(l));
          if (line !== undefined) {
            clearTimeout(timer);
            resolve(line);
          } else if (child.exitCode !== null) {
            clearTimeout(timer);
            reject(new Error(`alter exited (${child.exitCode}) before printing ${pattern}; stdout: ${stdout}; stderr: ${stderr}`));
          } else waiters.push(check);
        };
        check();
      });
    },
  };
}
