#!/usr/bin/env node
/**
 * The `alter` executable. Everything happens in `run()`; this file only wires the process:
 * streams, Ctrl-C, a closed pipe (`alter audit export | head`), and the exit status.
 */
import { run } from './main.js';

const controller = new AbortController();
let interrupted = false;
process.on('SIGINT', () => {
  // First Ctrl-C: let the command stop cleanly (close the vault, flush). Second: leave now.
  if (interrupted) process.exit(130);
  interrupted = true;
  controller.abort();
});

for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    // The reader went away (`| head`): that is not a failure of the command.
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const code = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
process.exitCode = interrupted && code === 0 ? 130 : code;
// Everything the command opened is closed by now; if a stray handle (a socket pool, a timer in a
// config module) would keep the process alive, leave anyway. unref: this timer alone keeps nothing alive.
setTimeout(() => process.exit(process.exitCode), 2_000).unref();
