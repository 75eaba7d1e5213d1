#!/usr/bin/env node
// Where a tool call's overhead sits, layer by layer, in ONE process: six tools called through the
// SDK's real Client in memory (SQLite vault, or PostgreSQL, audit on, concurrency 8), interleaved in rounds as in
// hotpath.mjs (same warm-up, a young-generation GC before every sample, our audit flush timed in
// the sample of the side that queued the rows), and the per-round CPU ratio of each pair:
//
//   alter_tool / raw_tool          the goal line: our tool doing ctx.request vs the raw SDK tool
//                                  doing the matched axios call (hotpath.mjs's pair)
//   alter_tool / raw_vault_tool    the MCP layer around a vault request: our tool vs a raw SDK
//                                  tool that calls vault.request() itself
//   raw_vault_tool / raw_tool      vault.request() with its audit row vs the matched axios call,
//                                  both inside a raw SDK tool
//   alter_axios_tool / raw_tool    the MCP layer around the same matched axios call (an Alter tool
//                                  without a provider that makes it)
//   alter_echo / raw_echo          the MCP layer alone: both tools return the same object, no request
//
// A process's own CPU per call moves between processes (docs/performance.md), so the pairs are the
// figures to read: both sides of a pair share the process, its heap and its caches. Each ratio is
// printed as the median over rounds with the median's 95 % interval and the min–max.
// Knobs: BENCH_ROUNDS (default 31; --quick 7), BENCH_CALLS_PER_ROUND (default 600; --quick 300),
// BENCH_LAYERS_SIDES (comma-separated subset; pairs with a missing side are skipped),
// BENCH_LAYERS_STORE=pg (the vault on PostgreSQL, its own schema on ALTER_BENCH_PG_URL or
// ALTER_TEST_PG_URL, dropped at the end; default sqlite).
import { AlterMCP, AlterTool } from '../packages/mcp/dist/index.js';
import { silentLogger } from '../packages/vault/dist/index.js';
import { emit, GC_BETWEEN, medianInterval, QUICK, rounds, show, stats, warmUp } from './_measure.mjs';
import {
  benchMailTools,
  createBenchVault,
  createPgBenchSchema,
  importSdk,
  importZod,
  inMemoryClientOf,
  MESSAGE_BODY,
  matchedMessageGetter,
  messageToolCalls,
  startLoopbackApi,
} from './_support.mjs';

const { McpServer } = await importSdk('server/mcp.js');
const { Client } = await importSdk('client/index.js');
const { InMemoryTransport } = await importSdk('inMemory.js');
const { z } = await importZod();
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 7 : 31));
const CALLS = Number(process.env.BENCH_CALLS_PER_ROUND ?? (QUICK ? 300 : 600));
const MESSAGE = JSON.parse(MESSAGE_BODY);

const api = await startLoopbackApi();
const messageUrl = `${api.origin}/gmail/v1/users/me/messages/{id}`;
const STORE = process.env.BENCH_LAYERS_STORE ?? 'sqlite';
if (STORE !== 'sqlite' && STORE !== 'pg') throw new Error(`BENCH_LAYERS_STORE: expected sqlite or pg, got ${STORE}`);
const pgSchema = STORE === 'pg' ? createPgBenchSchema('alter_bench_layers') : undefined;
const bench = createBenchVault({ caller: 'bench-layers', tempPrefix: 'alter-bench-layers-', store: pgSchema?.url });
const { vault, token } = bench;
await bench.grantAlice();

// The matched baseline of hotpath.mjs: axios configured like the vault's, the body read the same way.
const matchedGetter = matchedMessageGetter(api.origin, token);
const matchedGet = async (id) => (await matchedGetter(id)).json;

// Ours: get_message (ctx.request, from _support.mjs) and two tools without a provider.
const MailTools = benchMailTools({ AlterTool, z, messageUrl });
class LayerTools {}
LayerTools.prototype.axiosMessage = async (_ctx, { id }) => matchedGet(id);
LayerTools.prototype.echoMessage = async (_ctx, { id }) => ({ ...MESSAGE, requested: id });
for (const name of ['axiosMessage', 'echoMessage'])
  AlterTool({ description: `${name} (bench)`, input: z.object({ id: z.string() }) })(
    LayerTools.prototype,
    name,
    Object.getOwnPropertyDescriptor(LayerTools.prototype, name),
  );
const alter = new McpServer({ name: 'alter', version: '1' });
new AlterMCP(vault, { defaultUser: 'alice', logger: silentLogger }).register(alter, [MailTools, LayerTools]);

// The raw SDK tools (registerTool, zod input), each returning its JSON as one text item.
const raw = new McpServer({ name: 'raw', version: '1' });
const text = (value) => ({ content: [{ type: 'text', text: JSON.stringify(value) }] });
const input = { id: z.string() };
raw.registerTool('raw_tool', { description: 'matched axios', inputSchema: input }, async ({ id }) => text(await matchedGet(id)));
raw.registerTool('raw_vault_tool', { description: 'vault.request()', inputSchema: input }, async ({ id }) => {
  const res = await vault.request('bench', 'GET', messageUrl, { user: 'alice', pathParams: { id } });
  return text(res.json());
});
raw.registerTool('raw_echo', { description: 'no request', inputSchema: input }, async ({ id }) => text({ ...MESSAGE, requested: id }));

const alterClient = await inMemoryClientOf(alter, { Client, InMemoryTransport });
const rawClient = await inMemoryClientOf(raw, { Client, InMemoryTransport });
const names = new Map((await alterClient.listTools()).tools.map((t) => [t.name, t.name]));
const toolName = (wanted) => {
  if (!names.has(wanted)) throw new Error(`no tool ${wanted} (got ${[...names.keys()].join(', ')})`);
  return wanted;
};
const callsOf = (client, name) => messageToolCalls(client, name, CALLS, 8);

const ALL = {
  alter_tool: callsOf(alterClient, toolName('get_message')),
  raw_vault_tool: callsOf(rawClient, 'raw_vault_tool'),
  raw_tool: callsOf(rawClient, 'raw_tool'),
  alter_axios_tool: callsOf(alterClient, toolName('axios_message')),
  alter_echo: callsOf(alterClient, toolName('echo_message')),
  raw_echo: callsOf(rawClient, 'raw_echo'),
};
const picked = process.env.BENCH_LAYERS_SIDES?.split(',') ?? Object.keys(ALL);
const unknown = picked.filter((s) => !(s in ALL));
if (unknown.length > 0) throw new Error(`BENCH_LAYERS_SIDES: unknown side(s) ${unknown.join(', ')}; one of ${Object.keys(ALL).join(', ')}`);
const sides = Object.fromEntries(picked.map((s) => [s, ALL[s]]));
// The sides that queue audit rows flush them inside their own sample (hotpath.mjs says why).
const settle = Object.fromEntries(['alter_tool', 'raw_vault_tool'].filter((s) => s in sides).map((s) => [s, () => vault.audit.flush()]));

await warmUp(sides, CALLS, { settle });
const result = await rounds(ROUNDS, sides, undefined, { settle, gcBetween: GC_BETWEEN });
const cpuPerCall = (side) => result.sides[side].cpu.map((ms) => (ms * 1000) / CALLS);

console.log(
  `layers of a tool call in one process, in memory, ${STORE === 'pg' ? 'PostgreSQL' : 'SQLite'}, concurrency 8, ${ROUNDS} rounds × ${CALLS} calls per side`,
);
for (const side of picked) console.log(`  ${side.padEnd(18)} cpu ${show(cpuPerCall(side), 1, ' µs')} per call`);
const PAIRS = [
  ['alter_tool', 'raw_tool', 'the goal line (tool call vs the matched raw SDK tool)'],
  ['alter_tool', 'raw_vault_tool', 'the MCP layer around vault.request()'],
  ['raw_vault_tool', 'raw_tool', 'vault.request() with its audit row vs matched axios'],
  ['alter_axios_tool', 'raw_tool', 'the MCP layer around the matched axios call'],
  ['alter_echo', 'raw_echo', 'the MCP layer alone (no request)'],
];
for (const [a, b, what] of PAIRS) {
  if (!(a in sides) || !(b in sides)) continue;
  const ratios = result.sides[a].cpu.map((x, i) => x / result.sides[b].cpu[i]);
  const s = stats(ratios);
  const ci = medianInterval(ratios);
  console.log(
    `  ${`${a} / ${b}`.padEnd(36)} cpu ${s.median.toFixed(3)}× (median's 95 % interval ${ci.low.toFixed(3)}–${ci.high.toFixed(3)}; min–max ${s.min.toFixed(3)}–${s.max.toFixed(3)})  ${what}`,
  );
  emit({
    name: `layers (${STORE}): ${a} / ${b}`,
    case: 'layers',
    store: STORE,
    rounds: ROUNDS,
    callsPerRound: CALLS,
    cpuRatio: { ...s, medianInterval: ci },
    cpuUsPerCall: { [a]: stats(cpuPerCall(a)), [b]: stats(cpuPerCall(b)) },
  });
}

await alterClient.close();
await rawClient.close();
await vault.close();
bench.dispose();
await pgSchema?.drop();
await api.close();
