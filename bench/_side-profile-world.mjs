// The world of bench/side-profile.mjs (files starting with `_` are not run by bench/run.mjs): three
// tools that make the same provider call, called through the SDK's real Client over
// InMemoryTransport at concurrency 8, interleaved in rounds in ONE process:
//
//   alter_tool         an Alter tool doing ctx.request (vault on a temp SQLite file, audit on)
//   vault_in_raw_tool  a raw SDK registerTool tool calling vault.request() on the same vault itself:
//                      everything of ours but the MCP layer (tool runner, context, call secrets,
//                      redaction), so alter_tool − vault_in_raw_tool is the MCP layer and
//                      vault_in_raw_tool − raw_tool is vault.request() with its audit row
//   raw_tool           a raw SDK tool making the matched axios call (the baseline of hotpath.mjs)
//
// Every measured run of a side is recorded as a window [side, start, end] of CLOCK_MONOTONIC
// nanoseconds (process.hrtime.bigint()), written as JSON to argv[2] at the end, so the parent can
// give each perf sample to the side that was running when it was taken. The rows a side queued
// are flushed inside its window (its work), as in hotpath.mjs.
import { writeFileSync } from 'node:fs';
import { AlterMCP, AlterTool } from '../packages/mcp/dist/index.js';
import { silentLogger } from '../packages/vault/dist/index.js';
import { quiesce, WARMUP_CALLS, warmUp } from './_measure.mjs';
import {
  benchMailTools,
  createBenchVault,
  importSdk,
  importZod,
  inMemoryClientOf,
  matchedMessageGetter,
  messageToolCalls,
  startLoopbackApi,
} from './_support.mjs';

const [windowsFile, roundsArg, callsArg, sidesArg] = process.argv.slice(2);
const ROUNDS = Number(roundsArg);
const CALLS = Number(callsArg);
const SIDES = sidesArg.split(',');

const { McpServer } = await importSdk('server/mcp.js');
const { Client } = await importSdk('client/index.js');
const { InMemoryTransport } = await importSdk('inMemory.js');
const { z } = await importZod();

const api = await startLoopbackApi();
const messageUrl = `${api.origin}/gmail/v1/users/me/messages/{id}`;
const bench = createBenchVault({ caller: 'bench-side-profile', tempPrefix: 'alter-bench-side-profile-' });
await bench.grantAlice();
const { vault, token } = bench;

const matchedGetter = matchedMessageGetter(api.origin, token);
const matchedGet = async (id) => (await matchedGetter(id)).json;

const MailTools = benchMailTools({ AlterTool, z, messageUrl });

const alter = new McpServer({ name: 'alter', version: '1' });
new AlterMCP(vault, { defaultUser: 'alice', logger: silentLogger }).register(alter, [MailTools]);
const raw = new McpServer({ name: 'raw', version: '1' });
raw.registerTool('raw_get_message', { description: 'Get a message (matched axios).', inputSchema: { id: z.string() } }, async ({ id }) => ({
  content: [{ type: 'text', text: JSON.stringify(await matchedGet(id)) }],
}));
raw.registerTool(
  'vault_get_message',
  { description: 'Get a message (vault.request).', inputSchema: { id: z.string() } },
  async ({ id }) => {
    const res = await vault.request('bench', 'GET', messageUrl, { user: 'alice', pathParams: { id } });
    return { content: [{ type: 'text', text: JSON.stringify(res.json()) }] };
  },
);

const alterClient = await inMemoryClientOf(alter, { Client, InMemoryTransport });
const rawClient = await inMemoryClientOf(raw, { Client, InMemoryTransport });
const callsOf = (client, name) => messageToolCalls(client, name, CALLS, 8);
const flush = () => vault.audit.flush();
const all = {
  alter_tool: async () => {
    await callsOf(alterClient, 'get_message')();
    await flush();
  },
  vault_in_raw_tool: async () => {
    await callsOf(rawClient, 'vault_get_message')();
    await flush();
  },
  raw_tool: callsOf(rawClient, 'raw_get_message'),
};
for (const s of SIDES) if (all[s] === undefined) throw new Error(`unknown side ${s}; expected ${Object.keys(all).join(', ')}`);
const sides = Object.fromEntries(SIDES.map((s) => [s, all[s]]));

await warmUp(sides, CALLS, { calls: WARMUP_CALLS });
const windows = [];
for (let r = 0; r < ROUNDS; r++) {
  // The order rotates each round, as in _measure.mjs's rounds().
  for (let i = 0; i < SIDES.length; i++) {
    const side = SIDES[(i + r) % SIDES.length];
    await quiesce('minor');
    const start = process.hrtime.bigint();
    await sides[side]();
    windows.push([side, String(start), String(process.hrtime.bigint())]);
  }
}
writeFileSync(windowsFile, JSON.stringify({ calls: CALLS, windows }));
await alterClient.close();
await rawClient.close();
const verified = await vault.audit.verify();
if (!verified.ok) throw new Error(`audit chain broken: ${verified.problem}`);
await vault.close();
bench.dispose();
await api.close();
