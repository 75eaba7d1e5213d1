#!/usr/bin/env node
// Cold start of a stdio server to its first answered `tools/list` (`pnpm bench cold-start`):
// spawn → initialize → tools/list, timed in wall time from the client, in interleaved rounds.
//
//   raw-sdk       bench/_raw-stdio-server.mjs: McpServer + 5 zod tools, nothing else (baseline)
//   github-stdio  examples/github-stdio/dist/main.js in real mode (placeholder credentials: no
//                 call leaves the machine): @alter/mcp + @alter/vault + the GitHub pack, a vault
//                 on a SQLite file opened at startup, the Connect listener on 127.0.0.1
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
      await client.connect(new StdioClientTransport({ command: process.execPath, args: [script], cwd: dir, env, stderr: 'ignore' }));
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
// Warm the OS file cache once per side (not measured).
for (const side of Object.values(sides)) {
  await side.timed();
  await side.stop();
}
const count = QUICK ? 5 : 15;
// Interleaved rounds, the order rotating each round; only spawn → first tools/list is timed.
const names = Object.keys(sides);
const result = { sides: Object.fromEntries(names.map((n) => [n, { wall: [] }])), ratios: { 'github-stdio': { wall: [] } } };
for (let r = 0; r < count; r++) {
  const got = {};
  for (const name of names.map((_, i) => names[(i + r) % names.length])) {
    const t0 = performance.now();
    await sides[name].timed();
    got[name] = performance.now() - t0;
    await sides[name].stop();
    result.sides[name].wall.push(got[name]);
  }
  result.ratios['github-stdio'].wall.push(got['github-stdio'] / got['raw-sdk']);
}
console.log(`cold start to the first tools/list  (${count} rounds, wall ms, median (min–max))`);
for (const [name, m] of Object.entries(result.sides)) console.log(`  ${name.padEnd(14)} ${show(m.wall, 0, ' ms')}`);
const ratio = result.ratios['github-stdio'].wall;
console.log(`  ratio github-stdio / raw-sdk   ${show(ratio, 2, '×')}   (goal ≤ 1.5×)`);
emit({
  name: 'cold start to the first tools/list',
  rounds: count,
  sides: Object.fromEntries(Object.entries(result.sides).map(([n, m]) => [n, { wallMs: stats(m.wall) }])),
  ratios: { 'github-stdio': { wall: stats(ratio) } },
});
rmSync(dir, { recursive: true, force: true });
