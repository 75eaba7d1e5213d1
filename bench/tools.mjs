#!/usr/bin/env node
// @alter/mcp vs the raw MCP SDK, in one process, on built output (`pnpm bench` builds first, or
// `pnpm build && node bench/run.mjs tools`). Prints ratios; never asserts.
//
// (a) registering 1,000 tools (100 classes × 10, zod 4 input schemas) with AlterMCP.register vs
//     McpServer.registerTool with the same schemas;
// (b) tools/list of those 1,000: server time per request, JSON-serialized as a real transport
//     would (goal: ≥ 10× faster than the SDK, which converts every zod schema on every list);
// (c) a tool call doing ctx.request (cached token, audit on, SQLite) vs a raw SDK tool doing the
//     same axios GET with a hard-coded token, through the SDK Client (goal ≤ 1.05×).
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import axios from 'axios';
import { AlterMCP, AlterTool } from '../packages/mcp/dist/index.js';
import { silentLogger } from '../packages/vault/dist/index.js';
import { createBenchVault, interleaved, perSecond, startLoopbackApi, timeConcurrently } from './_support.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
// Load the SDK's and zod's ESM builds from @alter/mcp's own dependencies (the copies its dist uses;
// pnpm links them there, and Node keys modules by real path, so these are the same instances).
const deps = path.join(root, 'packages/mcp/node_modules');
const sdk = async (p) => import(pathToFileURL(path.join(deps, '@modelcontextprotocol/sdk/dist/esm', p)).href);
const { McpServer } = await sdk('server/mcp.js');
const { Client } = await sdk('client/index.js');
const { InMemoryTransport } = await sdk('inMemory.js');
const { z } = await import(pathToFileURL(path.join(deps, 'zod/index.js')).href);

const CLASSES = 100;
const PER_CLASS = 10;
const ms = (x) => `${x.toFixed(2)} ms`;

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

const { vault, token, grantAlice, dispose } = createBenchVault({ caller: 'bench-tools', tempPrefix: 'alter-bench-tools-' });

// (a) registration ----------------------------------------------------------------------------
function registerAlter() {
  const server = new McpServer({ name: 'b', version: '1' });
  new AlterMCP(vault, { defaultUser: 'alice', logger: silentLogger }).register(server, classes);
  return server;
}
function registerRaw() {
  const server = new McpServer({ name: 'b', version: '1' });
  for (const d of defs) server.registerTool(d.name, { description: d.description, inputSchema: d.input }, async (args) => ({ content: [{ type: 'text', text: args.query }] }));
  return server;
}
function timeIt(fn, reps) {
  fn(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  return (performance.now() - t0) / reps;
}
const regAlter = timeIt(registerAlter, 5);
const regRaw = timeIt(registerRaw, 5);
console.log(`(a) register 1,000 tools: AlterMCP ${ms(regAlter)}, raw SDK registerTool ${ms(regRaw)}  → ratio ${(regAlter / regRaw).toFixed(2)}× (AlterMCP builds every JSON Schema once here)`);

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
async function timeList(server, reps) {
  const peer = await rawPeer(server);
  let bytes = 0;
  for (let i = 0; i < 3; i++) bytes = (await peer.request('tools/list')).length; // warm-up
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await peer.request('tools/list');
  const per = (performance.now() - t0) / reps;
  await peer.close();
  return { per, bytes };
}
const listRaw = await timeList(registerRaw(), 20);
const listAlter = await timeList(registerAlter(), 20);
console.log(
  `(b) tools/list of 1,000 tools (${(listAlter.bytes / 1024).toFixed(0)} KiB JSON): AlterMCP ${ms(listAlter.per)}, raw SDK ${ms(listRaw.per)}  → AlterMCP is ${(listRaw.per / listAlter.per).toFixed(1)}× faster (goal ≥ 10×)`,
);

// (c) a tool call with a provider request ----------------------------------------------------
const api = await startLoopbackApi();
const origin = api.origin;
await grantAlice();

class MailTools {}
MailTools.prototype.getMessage = async (ctx, { id }) => {
  const res = await ctx.request('GET', `${origin}/gmail/v1/users/me/messages/{id}`, { pathParams: { id } });
  return res.json();
};
AlterTool('bench', { description: 'Get a message.', input: z.object({ id: z.string() }), scopes: ['read'] })(
  MailTools.prototype,
  'getMessage',
  Object.getOwnPropertyDescriptor(MailTools.prototype, 'getMessage'),
);
const callServer = new McpServer({ name: 'c', version: '1' });
new AlterMCP(vault, { defaultUser: 'alice', logger: silentLogger }).register(callServer, [MailTools]);
const plain = axios.create();
callServer.registerTool('raw_get_message', { description: 'Get a message (raw SDK + axios).', inputSchema: { id: z.string() } }, async ({ id }) => {
  const res = await plain.get(`${origin}/gmail/v1/users/me/messages/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${token}` } });
  return { content: [{ type: 'text', text: JSON.stringify(res.data) }] };
});
const [ca, cb] = InMemoryTransport.createLinkedPair();
const client = new Client({ name: 'bench', version: '1' });
await Promise.all([callServer.connect(ca), client.connect(cb)]);

const CALLS = Number(process.env.BENCH_CALLS ?? 4_000);
const ROUNDS = 10;
const CONCURRENCY = 8;
function calls(name, n) {
  return timeConcurrently(
    async (i) => {
      const r = await client.callTool({ name, arguments: { id: String(i) } });
      if (r.isError || !r.content[0].text.includes('msg-1')) throw new Error(`${name} failed: ${JSON.stringify(r)}`);
    },
    n,
    CONCURRENCY,
  );
}
await calls('raw_get_message', 300);
await calls('get_message', 300);
const per = Math.ceil(CALLS / ROUNDS);
const { totals } = await interleaved(
  ROUNDS,
  () => calls('get_message', per),
  () => calls('raw_get_message', per),
);
const tAlter = totals.a;
const tRaw = totals.b;
const total = per * ROUNDS;
console.log(
  `(c) ${total} tool calls with a provider request: AlterMCP ${perSecond(total, tAlter)} calls/s, raw SDK + axios ${perSecond(total, tRaw)} calls/s  → ratio ${(tAlter / tRaw).toFixed(3)}× (goal ≤ 1.05×)`,
);

await client.close();
await callServer.close();
await api.close();
await vault.close();
dispose();
