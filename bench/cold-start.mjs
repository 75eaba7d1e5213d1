#!/usr/bin/env node
// Cold start of a stdio server to its first answered `tools/list` (`pnpm bench cold-start`):
// spawn → initialize → tools/list, timed in wall time from the client, in interleaved rounds.
//
//   raw-sdk       bench/_raw-stdio-server.mjs: McpServer + 5 zod tools, nothing else (baseline)
//   github-stdio  examples/github-stdio/dist/main.js in real mode (placeholder credentials: no
//                 call leaves the machine): @alter/mcp + @alter/vault + the GitHub pack, a vault
//                 on a SQLite file opened at startup, the Connect listener on 127.0.0.1
//
// In this workspace @alter/mcp resolves both SDK generations (its devDependencies), so the example
// loads SDK v2's adapter too; an app installed from npm has one generation and loads one.
//
// Goal (issue #14): github-stdio within 1.5× of raw-sdk. Only wall time is meaningful here (the
// work happens in child processes, so this process's CPU time is not reported). Never asserts.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { emit, QUICK, show, stats } from './_measure.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const deps = path.join(root, 'packages/mcp/node_modules');
const sdk = async (p) => import(pathToFileURL(path.join(deps, '@modelcontextprotocol/sdk/dist/esm', p)).href);
const { Client } = await sdk('client/index.js');
const { StdioClientTransport } = await sdk('client/stdio.js');

const dir = mkdtempSync(path.join(tmpdir(), 'alter-cold-start-'));
const env = {
  PATH: process.env.PATH ?? '',
  GITHUB_CLIENT_ID: 'placeholder-client-id',
  GITHUB_CLIENT_SECRET: 'placeholder-client-secret',
  ALTER_VAULT_KEY: randomBytes(32).toString('base64'),
  ALTER_CONNECT_PORT: '0',
};

/** Starts `script`, waits for its first tools/list answer (the timed part), then stops it. */
function coldStart(script) {
  let client;
  return {
    async timed() {
      client = new Client({ name: 'cold-start-bench', version: '1.0.0' });
      const transport = new StdioClientTransport({ command: process.execPath, args: [script], cwd: dir, env, stderr: 'ignore' });
      await client.connect(transport);
      const { tools } = await client.listTools();
      if (tools.length !== 5) throw new Error(`${script}: expected 5 tools, got ${tools.length}`);
    },
    stop: () => client.close(),
  };
}

const sides = {
  'raw-sdk': coldStart(path.join(root, 'bench/_raw-stdio-server.mjs')),
  'github-stdio': coldStart(path.join(root, 'examples/github-stdio/dist/main.js')),
};
// BENCH_COLD_START_COMPARE=/other/checkout adds that checkout's built example as a third side
// (e.g. main before a change), measured in the same rounds.
const compare = process.env.BENCH_COLD_START_COMPARE;
if (compare) sides['github-stdio@compare'] = coldStart(path.join(path.resolve(compare), 'examples/github-stdio/dist/main.js'));
// Warm the OS file cache once per side (not measured).
for (const side of Object.values(sides)) {
  await side.timed();
  await side.stop();
}
const count = QUICK ? 5 : 15;
// Interleaved rounds, the order rotating each round; only spawn → first tools/list is timed.
const names = Object.keys(sides);
const result = {
  sides: Object.fromEntries(names.map((n) => [n, { wall: [] }])),
  ratios: Object.fromEntries(names.slice(1).map((n) => [n, { wall: [] }])),
};
for (let r = 0; r < count; r++) {
  const got = {};
  for (const name of names.map((_, i) => names[(i + r) % names.length])) {
    const t0 = performance.now();
    await sides[name].timed();
    got[name] = performance.now() - t0;
    await sides[name].stop();
    result.sides[name].wall.push(got[name]);
  }
  for (const name of names.slice(1)) result.ratios[name].wall.push(got[name] / got['raw-sdk']);
}
console.log(`cold start to the first tools/list  (${count} rounds, wall ms, median (min–max))`);
for (const [name, m] of Object.entries(result.sides)) console.log(`  ${name.padEnd(22)} ${show(m.wall, 0, ' ms')}`);
for (const [name, r] of Object.entries(result.ratios))
  console.log(`  ratio ${name} / raw-sdk  ${show(r.wall, 2, '×')}${name === 'github-stdio' ? '   (goal ≤ 1.5×)' : ''}`);
emit({
  name: 'cold start to the first tools/list',
  rounds: count,
  sides: Object.fromEntries(Object.entries(result.sides).map(([n, m]) => [n, { wallMs: stats(m.wall) }])),
  ratios: Object.fromEntries(Object.entries(result.ratios).map(([n, r]) => [n, { wall: stats(r.wall) }])),
});
rmSync(dir, { recursive: true, force: true });
