#!/usr/bin/env node
// @alter/mcp vs the raw MCP SDK, in one process, on built output (`pnpm bench tools`). Every side
// is timed in interleaved rounds, wall AND CPU time, median and min–max. Never asserts.
//
// (a) registering 1,000 tools (100 classes × 10, zod 4 input schemas) with AlterMCP.register vs
//     McpServer.registerTool with the same schemas;
// (b) tools/list of those 1,000: server time per request, JSON-serialized as a real transport
//     would (goal: ≥ 25× faster than the SDK, which converts every zod schema on every list);
// (c) cold start to the first tools/list: a fresh Node process that imports the packages, builds
//     a server with the 1,000 tools and answers one tools/list (vault on a temp SQLite file).
// The tool-call hot path is measured in bench/hotpath.mjs.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AlterMCP, AlterTool } from '../packages/mcp/dist/index.js';
import { silentLogger } from '../packages/vault/dist/index.js';
import { createBenchVault } from './_support.mjs';
import { QUICK, report, rounds } from './_measure.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
// Load the SDK's and zod's ESM builds from @alter/mcp's own dependencies (the copies its dist uses;
// pnpm links them there, and Node keys modules by real path, so these are the same instances).
const deps = path.join(root, 'packages/mcp/node_modules');
const sdk = async (p) => import(pathToFileURL(path.join(deps, '@modelcontextprotocol/sdk/dist/esm', p)).href);
const { McpServer } = await sdk('server/mcp.js');
const { InMemoryTransport } = await sdk('inMemory.js');
const { z } = await import(pathToFileURL(path.join(deps, 'zod/index.js')).href);

const CLASSES = 100;
const PER_CLASS = 10;

function schema(i) {
  return z.object({
    query: z.string().max(200).describe(`search query ${i}`),
    limit: z.number().int().min(1).max(100).default(10),
    tags: z.array(z.string()).max(10).optional(),
    mode: z.enum(['fast', 'full']).default('fast'),
    range: z.object({ from: z.string(), to: z.string() }).optional(),
  });
}

// 100 classes × 10 decorated methods, decorated the way TypeScript's emitted code does.
const defs = [];
const classes = [];
for (let c = 0; c < CLASSES; c++) {
  const Cls = { [`Tools${c}`]: class {} }[`Tools${c}`];
  for (let m = 0; m < PER_CLASS; m++) {
    const key = `tool${m}`;
    const name = `t_${c}_${m}`;
    const input = schema(c * PER_CLASS + m);
    const description = `Tool ${c}.${m}: does a thing.`;
    Cls.prototype[key] = async (_ctx, args) => args.query;
    AlterTool({ name, description, input })(Cls.prototype, key, Object.getOwnPropertyDescriptor(Cls.prototype, key));
    defs.push({ name, description, input });
  }
  classes.push(Cls);
}

const { vault, dispose } = createBenchVault({ caller: 'bench-tools', tempPrefix: 'alter-bench-tools-' });

// (a) registration ----------------------------------------------------------------------------
function registerAlter() {
  const server = new McpServer({ name: 'b', version: '1' });
  new AlterMCP(vault, { defaultUser: 'alice', logger: silentLogger }).register(server, classes);
  return server;
}
function registerRaw() {
  const server = new McpServer({ name: 'b', version: '1' });
  for (const d of defs)
    server.registerTool(d.name, { description: d.description, inputSchema: d.input }, async (args) => ({
      content: [{ type: 'text', text: args.query }],
    }));
  return server;
}
const ROUNDS = QUICK ? 5 : 11;
report(
  '(a) register 1,000 tools',
  await rounds(
    ROUNDS,
    { alter_register: async () => registerAlter(), raw_sdk_registerTool: async () => registerRaw() },
    'raw_sdk_registerTool',
  ),
  1,
  { case: 'register-1000' },
);

// (b) tools/list ------------------------------------------------------------------------------
// A raw JSON-RPC peer (no SDK client parsing): measures the server's work plus the JSON
// serialization every real transport performs.
async function rawPeer(server) {
  const [a, b] = InMemoryTransport.createLinkedPair();
  const pending = new Map();
  b.onmessage = (msg) => {
    const text = JSON.stringify(msg);
    pending.get(msg.id)?.(text);
  };
  await server.connect(a);
  await b.start();
  let id = 0;
  const request = (method, params = {}) =>
    new Promise((resolve) => {
      id += 1;
      pending.set(id, resolve);
      b.send({ jsonrpc: '2.0', id, method, params });
    });
  await request('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } });
  await b.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return { request, close: () => server.close() };
}
const LISTS = QUICK ? 5 : 10;
const peers = { alter: await rawPeer(registerAlter()), raw: await rawPeer(registerRaw()) };
let bytes = 0;
for (let i = 0; i < 3; i++) {
  bytes = (await peers.alter.request('tools/list')).length;
  await peers.raw.request('tools/list');
}
const listing = (peer) => async () => {
  for (let i = 0; i < LISTS; i++) await peer.request('tools/list');
};
const listed = await rounds(
  ROUNDS,
  { alter_tools_list: listing(peers.alter), raw_sdk_tools_list: listing(peers.raw) },
  'raw_sdk_tools_list',
);
report(`(b) tools/list of 1,000 tools (${(bytes / 1024).toFixed(0)} KiB JSON); goal: ratio ≤ 0.04 (≥ 25× faster)`, listed, LISTS, {
  case: 'tools-list-1000',
});
await peers.alter.close();
await peers.raw.close();

// (c) cold start ------------------------------------------------------------------------------
// The child prints its own CPU time once its first tools/list answer arrived; wall time is from
// spawn to that output.
const CHILD = `
const [root, side] = process.argv.slice(1);
const { pathToFileURL } = await import('node:url');
const path = await import('node:path');
const deps = path.join(root, 'packages/mcp/node_modules');
const sdk = (p) => import(pathToFileURL(path.join(deps, '@modelcontextprotocol/sdk/dist/esm', p)).href);
const { McpServer } = await sdk('server/mcp.js');
const { InMemoryTransport } = await sdk('inMemory.js');
const { z } = await import(pathToFileURL(path.join(deps, 'zod/index.js')).href);
const server = new McpServer({ name: 'cold', version: '1' });
const schema = (i) => z.object({ query: z.string().max(200).describe('q' + i), limit: z.number().int().min(1).max(100).default(10) });
let bench;
if (side === 'alter') {
  const { AlterMCP, AlterTool } = await import(pathToFileURL(path.join(root, 'packages/mcp/dist/index.js')).href);
  const { createBenchVault } = await import(pathToFileURL(path.join(root, 'bench/_support.mjs')).href);
  bench = createBenchVault({ caller: 'cold', tempPrefix: 'alter-bench-cold-' });
  const classes = [];
  for (let c = 0; c < 100; c++) {
    const Cls = { ['C' + c]: class {} }['C' + c];
    for (let m = 0; m < 10; m++) {
      Cls.prototype['t' + m] = async () => 'x';
      AlterTool({ name: 't_' + c + '_' + m, description: 'd', input: schema(c * 10 + m) })(Cls.prototype, 't' + m, Object.getOwnPropertyDescriptor(Cls.prototype, 't' + m));
    }
    classes.push(Cls);
  }
  new AlterMCP(bench.vault, { defaultUser: 'alice' }).register(server, classes);
} else {
  for (let i = 0; i < 1000; i++) server.registerTool('t_' + i, { description: 'd', inputSchema: schema(i) }, async () => ({ content: [] }));
}
const [a, c] = InMemoryTransport.createLinkedPair();
await server.connect(a);
await c.start();
const done = new Promise((r) => { c.onmessage = (m) => { if (m.id === 2) r(JSON.stringify(m).length); }; });
await c.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'b', version: '1' } } });
await c.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
await c.send({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
await done;
const u = process.cpuUsage();
process.stdout.write(JSON.stringify({ cpu: (u.user + u.system) / 1000 }));
if (bench) { await bench.vault.close(); bench.dispose(); }
process.exit(0);
`;
function coldStart(side) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, root, side], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let wall;
    child.stdout.on('data', (d) => {
      out += d;
      wall ??= performance.now() - t0;
    });
    child.on('exit', (code) =>
      code === 0 ? resolve({ wall, cpu: JSON.parse(out).cpu }) : reject(new Error(`cold start (${side}) exited with ${code}`)),
    );
  });
}
const COLD = QUICK ? 3 : 7;
const cold = {
  sides: { alter_cold_start: { wall: [], cpu: [] }, raw_sdk_cold_start: { wall: [], cpu: [] } },
  ratios: { alter_cold_start: { wall: [], cpu: [] } },
};
for (let r = 0; r < COLD; r++) {
  const got = {};
  for (const side of r % 2 === 0 ? ['alter', 'raw'] : ['raw', 'alter']) got[side] = await coldStart(side);
  for (const [side, key] of [
    ['alter', 'alter_cold_start'],
    ['raw', 'raw_sdk_cold_start'],
  ]) {
    cold.sides[key].wall.push(got[side].wall);
    cold.sides[key].cpu.push(got[side].cpu);
  }
  cold.ratios.alter_cold_start.wall.push(got.alter.wall / got.raw.wall);
  cold.ratios.alter_cold_start.cpu.push(got.alter.cpu / got.raw.cpu);
}
report("(c) cold start to the first tools/list of 1,000 tools (new process; CPU = the child's own)", cold, 1, { case: 'cold-start' });

await vault.close();
dispose();
