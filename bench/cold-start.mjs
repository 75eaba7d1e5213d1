#!/usr/bin/env node
// Cold start of a stdio server to its first answered `tools/list` (`pnpm bench cold-start`):
// spawn → initialize → tools/list, timed in wall time from the client, in interleaved rounds.
//
//   raw-sdk       bench/_raw-stdio-server.mjs: McpServer + 5 zod tools, nothing else (baseline)
//   github-stdio  examples/github-stdio/dist/main.js in real mode (placeholder credentials: no
//                 call leaves the machine): @alter/mcp + @alter/vault + the GitHub pack, a vault
//                 on a SQLite file opened at startup, the Connect listener on 127.0.0.1
//
// In this workspace @alter/mcp resolves both SDK generations (its devDependencies); an app installed
// from npm has one. BENCH_COLD_START_INSTALLED=1 adds the honest measure: the packed tarballs
// (`pnpm pack` of vault, mcp, tools-github) installed with npm into a temp app outside the workspace
// with only SDK v1, the built example copied into it, and the raw SDK server run from that app's
// node_modules — sides `raw-sdk@installed` and `github-stdio@installed`, the ratio taken between them.
// With BENCH_COLD_START_COMPARE too, the other checkout is packed and installed the same way.
//
// Goal (issue #14): github-stdio within 1.5× of raw-sdk. Only wall time is meaningful here (the
// work happens in child processes, so this process's CPU time is not reported). Never asserts.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * CPU time (user + system) the server process has used so far, from /proc (Linux; undefined
 * elsewhere). Read right after its first tools/list answer: its whole startup, in the units the
 * kernel counts (clock ticks, 10 ms). On a loaded machine this is steadier than wall time, which
 * also counts the time the process waited for a core.
 */
function childCpuMs(pid) {
  if (typeof pid !== 'number') return undefined;
  try {
    // Fields after the parenthesized command name: state is field 3; utime and stime are 14 and 15.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
/** USER_HZ: 100 on every Linux Node supports (getconf CLK_TCK). */
const CLOCK_TICKS_PER_SECOND = 100;

/** Starts `script`, waits for its first tools/list answer (the timed part), then stops it. */
function coldStart(script, extraEnv = {}) {
  let client;
  return {
    async timed() {
      client = new Client({ name: 'cold-start-bench', version: '1.0.0' });
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [script],
        cwd: dir,
        env: { ...env, ...extraEnv },
        stderr: 'ignore',
      });
      await client.connect(transport);
      const { tools } = await client.listTools();
      const cpu = childCpuMs(transport.pid);
      if (tools.length !== 5) throw new Error(`${script}: expected 5 tools, got ${tools.length}`);
      return cpu;
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

/**
 * Packs `checkout`'s vault, mcp and tools-github, installs the tarballs with npm (only SDK v1 beside
 * them, better-sqlite3 linked from the workspace: no native build), and copies the built example and
 * the examples' shared helpers in. Returns the app's directory.
 */
function installApp(checkout, name) {
  const app = path.join(dir, name);
  const tgz = path.join(app, 'tgz');
  mkdirSync(tgz, { recursive: true });
  for (const p of ['vault', 'mcp', 'tools-github']) {
    execFileSync('pnpm', ['pack', '--pack-destination', tgz], { cwd: path.join(checkout, 'packages', p), stdio: 'ignore' });
  }
  const tarball = (p) =>
    `file:${path.join(
      tgz,
      readdirSync(tgz).find((f) => f.startsWith(`alter-${p}-`)),
    )}`;
  const mcp = JSON.parse(readFileSync(path.join(checkout, 'packages/mcp/package.json'), 'utf8'));
  const dependencies = {
    '@alter/vault': tarball('vault'),
    '@alter/mcp': tarball('mcp'),
    '@alter/tools-github': tarball('tools-github'),
    '@modelcontextprotocol/sdk': mcp.devDependencies['@modelcontextprotocol/sdk'],
    'better-sqlite3': `file:${realpathSync(path.join(root, 'packages/vault/node_modules/better-sqlite3'))}`,
    'reflect-metadata': mcp.dependencies['reflect-metadata'],
    zod: mcp.devDependencies.zod,
  };
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name, private: true, type: 'module', dependencies }));
  execFileSync('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: app,
    stdio: 'ignore',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const shared = path.join(app, 'node_modules/@alter-examples/shared');
  mkdirSync(shared, { recursive: true });
  cpSync(path.join(checkout, 'examples/shared/package.json'), path.join(shared, 'package.json'));
  cpSync(path.join(checkout, 'examples/shared/dist'), path.join(shared, 'dist'), { recursive: true });
  cpSync(path.join(checkout, 'examples/github-stdio/dist'), path.join(app, 'github-stdio'), { recursive: true });
  return app;
}

if (process.env.BENCH_COLD_START_INSTALLED === '1') {
  console.log('packing and installing the example into a temp app with only SDK v1 …');
  const app = installApp(root, 'installed');
  // The same raw server script, its SDK and zod resolved from the installed app.
  sides['raw-sdk@installed'] = coldStart(path.join(root, 'bench/_raw-stdio-server.mjs'), {
    ALTER_BENCH_DEPS: path.join(app, 'node_modules'),
  });
  sides['github-stdio@installed'] = coldStart(path.join(app, 'github-stdio/main.js'));
  if (compare)
    sides['github-stdio@installed@compare'] = coldStart(path.join(installApp(path.resolve(compare), 'compare'), 'github-stdio/main.js'));
}
/** The side each side's ratio is taken against: the raw server run from the same node_modules. */
const baselineOf = (name) => (name.includes('@installed') ? 'raw-sdk@installed' : 'raw-sdk');
// Warm the OS file cache once per side (not measured).
for (const side of Object.values(sides)) {
  await side.timed();
  await side.stop();
}
const count = QUICK ? 5 : 15;
// Interleaved rounds, the order rotating each round; only spawn → first tools/list is timed.
const names = Object.keys(sides);
const result = {
  sides: Object.fromEntries(names.map((n) => [n, { wall: [], cpu: [] }])),
  ratios: Object.fromEntries(names.filter((n) => !n.startsWith('raw-sdk')).map((n) => [n, { wall: [], cpu: [] }])),
};
for (let r = 0; r < count; r++) {
  const got = {};
  for (const name of names.map((_, i) => names[(i + r) % names.length])) {
    const t0 = performance.now();
    const cpu = await sides[name].timed();
    got[name] = { wall: performance.now() - t0, cpu };
    await sides[name].stop();
    result.sides[name].wall.push(got[name].wall);
    if (cpu !== undefined) result.sides[name].cpu.push(cpu);
  }
  for (const name of Object.keys(result.ratios)) {
    const base = got[baselineOf(name)];
    result.ratios[name].wall.push(got[name].wall / base.wall);
    if (got[name].cpu !== undefined && base.cpu) result.ratios[name].cpu.push(got[name].cpu / base.cpu);
  }
}
const cpuShown = (values, digits, unit) => (values.length > 0 ? show(values, digits, unit) : 'n/a');
console.log(`cold start to the first tools/list  (${count} rounds; median (min–max); cpu = the server process's own, from /proc)`);
for (const [name, m] of Object.entries(result.sides))
  console.log(`  ${name.padEnd(32)} wall ${show(m.wall, 0, ' ms')}   cpu ${cpuShown(m.cpu, 0, ' ms')}`);
for (const [name, r] of Object.entries(result.ratios)) {
  const goal = name.startsWith('github-stdio') && !name.endsWith('@compare') ? '   (goal ≤ 1.5×)' : '';
  console.log(`  ratio ${`${name} / ${baselineOf(name)}`.padEnd(50)} wall ${show(r.wall, 2, '×')}   cpu ${cpuShown(r.cpu, 2, '×')}${goal}`);
}
emit({
  name: 'cold start to the first tools/list',
  rounds: count,
  sides: Object.fromEntries(
    Object.entries(result.sides).map(([n, m]) => [n, { wallMs: stats(m.wall), ...(m.cpu.length ? { cpuMs: stats(m.cpu) } : {}) }]),
  ),
  ratios: Object.fromEntries(
    Object.entries(result.ratios).map(([n, r]) => [n, { wall: stats(r.wall), ...(r.cpu.length ? { cpu: stats(r.cpu) } : {}) }]),
  ),
});
rmSync(dir, { recursive: true, force: true });
