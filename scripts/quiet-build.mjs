#!/usr/bin/env node
// Runs a command with its output held back: silent when it succeeds, the whole output (then a
// line naming the command) when it fails. `pnpm demo` builds through this, so a warm install shows
// the demo, not the compiler.
//   node scripts/quiet-build.mjs pnpm build
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: node scripts/quiet-build.mjs <command> [args…]   (e.g. node scripts/quiet-build.mjs pnpm build)');
  process.exit(2);
}

// One buffer for both streams keeps the order in which the lines were written.
const chunks = [];
const child = spawn(command, args, {
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, FORCE_COLOR: process.stderr.isTTY ? '1' : '0' },
});
child.stdout.on('data', (chunk) => chunks.push(chunk));
child.stderr.on('data', (chunk) => chunks.push(chunk));
child.on('error', (err) => {
  console.error(`quiet-build: cannot run ${command}: ${err.message}`);
  process.exit(127);
});
child.on('close', (code, signal) => {
  if (code === 0) return;
  process.stderr.write(Buffer.concat(chunks));
  console.error(`\nquiet-build: \`${[command, ...args].join(' ')}\` failed (${signal ?? `exit ${code}`}); its output is above.`);
  process.exit(code ?? 1);
});
