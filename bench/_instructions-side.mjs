// One side of bench/instructions.mjs, run under valgrind (callgrind) by it:
// `node bench/_instructions-side.mjs <checkout> <side> <calls>` sets up the
// same world as bench/hotpath.mjs (loopback JSON API, a vault with the audit on holding alice's
// cached grant, the SDK's real Client), warms the side up, then makes <calls> calls of <side> at
// concurrency 8 and exits. <checkout> is the repository whose built packages (and its SDK) are
// loaded, so another checkout (an older build) can be measured by the same script.
//
// Sides, by world (a process builds only its side's world, and warms up every side of that world,
// so the sides of one pair run in the same world):
// - in memory, SQLite (a temp file): alter_tool (a tool doing ctx.request) and raw_tool (a raw SDK
//   tool doing the matched axios call), one McpServer over InMemoryTransport; vault_request,
//   matched_axios; raw_tool_alone: raw_tool in a process where our tool and vault.request never
//   run (its warm-up skips them), as in a server without Alter: once a vault request has entered
//   its AsyncLocalStorages, Node 20 runs their promise hook on EVERY promise of the process, the
//   raw tool's too, so raw_tool measures the baseline with part of our cost in it.
// - in memory, PostgreSQL (BENCH_INSTR_PG_STORE_URL: a postgres:// URL with its own ?schema=, made
//   and dropped by the driver; in the environment, not argv, as it may hold a password): the same
//   world with the vault on PostgreSQL; alter_tool_pg is its alter_tool (paired with raw_tool: the raw tool never
//   touches the vault).
// - Streamable HTTP, SQLite: alter_tool_http and raw_tool_http, each of the two servers served by
//   the SDK's StreamableHTTPServerTransport on node:http at 127.0.0.1 and called by the SDK's
//   StreamableHTTPClientTransport in this process (as hotpath.mjs's Streamable HTTP case).
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, side, callsArg] = process.argv.slice(2);
const pgStoreUrl = process.env.BENCH_INSTR_PG_STORE_URL;
const calls = Number(callsArg);
// The driver passes BENCH_INSTR_WARMUP (default 6,000: bench/_measure.mjs's WARMUP_CALLS, when TurboFan is done).
const WARMUP = Number(process.env.BENCH_INSTR_WARMUP ?? 6_000);
const CONCURRENCY = 8;
const load = (p) => import(pathToFileURL(path.join(root, p)).href);
const { AlterMCP, AlterTool } = await load('packages/mcp/dist/index.js');
const { AlterVault, silentLogger } = await load('packages/vault/dist/index.js');
const { readCappedBody } = await load('packages/vault/dist/internal/read-capped-body.js');
const { connectOverStreamableHttp, createBenchVault, MESSAGE_BODY, matchedAxiosOptions, startLoopbackApi } = await import('./_support.mjs');

const WORLD_OF = {
  alter_tool: 'memory',
  raw_tool: 'memory',
  vault_request: 'memory',
  matched_axios: 'memory',
  raw_tool_alone: 'memory',
  alter_tool_pg: 'memory-pg',
  alter_tool_http: 'http',
  raw_tool_http: 'http',
  alter_noop: 'noop',
  raw_noop: 'noop',
};
const world = WORLD_OF[side];
if (world === undefined) throw new Error(`unknown side ${side}; one of ${Object.keys(WORLD_OF).join(', ')}`);
if (world === 'memory-pg' && !pgStoreUrl) throw new Error(`${side} needs BENCH_INSTR_PG_STORE_URL (a postgres:// store URL)`);
const deps = path.join(root, 'packages/mcp/node_modules');
const sdk = (p) => import(pathToFileURL(path.join(deps, '@modelcontextprotocol/sdk/dist/esm', p)).href);
const { McpServer } = await sdk('server/mcp.js');
const { Client } = await sdk('client/index.js');
const { InMemoryTransport } = await sdk('inMemory.js');
const { z } = await import(pathToFileURL(path.join(deps, 'zod/index.js')).href);
const { default: axios } = await import(pathToFileURL(path.join(root, 'packages/vault/node_modules/axios/index.js')).href);

// Idle keep-alive sockets are never closed: see startLoopbackApi.
const api = await startLoopbackApi({ keepIdleSockets: true });
const origin = api.origin;
const bench = createBenchVault({
  caller: 'bench-instructions',
  tempPrefix: 'alter-bench-instr-',
  vaultModule: { AlterVault, silentLogger },
  store: world === 'memory-pg' ? pgStoreUrl : undefined,
});
const { vault, token } = bench;
await bench.grantAlice();

// The baseline: axios configured exactly like the vault's, the body read the same way (as in hotpath.mjs).
// Not _support.mjs's matchedMessageGetter: this side loads the axios and the capped reader of the
// checkout it measures (BENCH_INSTR_COMPARE), not this one's.
const matched = axios.create(matchedAxiosOptions());
async function matchedGet(id) {
  const signal = AbortSignal.timeout(30_000);
  const res = await matched.request({
    method: 'GET',
    url: `${origin}/gmail/v1/users/me/messages/${encodeURIComponent(id)}`,
    headers: { authorization: `Bearer ${token}` },
    signal,
  });
  const body = await readCappedBody(res.data, 10 * 1024 * 1024, signal);
  if (body === undefined) throw new Error('too large');
  return { status: res.status, json: JSON.parse(body.toString('utf8')) };
}

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
function registerRawTool(server) {
  server.registerTool(
    'raw_get_message',
    { description: 'Get a message (raw SDK + matched axios).', inputSchema: { id: z.string() } },
    async ({ id }) => {
      const res = await matchedGet(id);
      return { content: [{ type: 'text', text: JSON.stringify(res.json) }] };
    },
  );
}
// The MCP layer alone (world 'noop'): a tool that makes no provider request and returns the same
// message, through Alter and as a raw SDK tool: what the call pipeline costs without the vault.
class EchoTools {}
EchoTools.prototype.echoMessage = async (_ctx, { id }) => ({ id, message: MESSAGE });
AlterTool({ description: 'Echo a message.', input: z.object({ id: z.string() }) })(
  EchoTools.prototype,
  'echoMessage',
  Object.getOwnPropertyDescriptor(EchoTools.prototype, 'echoMessage'),
);
const MESSAGE = JSON.parse(MESSAGE_BODY);
function registerRawEcho(server) {
  server.registerTool(
    'raw_echo_message',
    { description: 'Echo a message (raw SDK).', inputSchema: { id: z.string() } },
    async ({ id }) => ({
      content: [{ type: 'text', text: JSON.stringify({ id, message: MESSAGE }) }],
    }),
  );
}
const toolOf = (client, name) => async (i) => {
  const r = await client.callTool({ name, arguments: { id: String(i) } });
  if (r.isError || !r.content[0].text.includes('msg-1')) throw new Error(`${name} failed: ${JSON.stringify(r)}`);
};
/** The world's sides (name → one call) and how to close its MCP connections. */
async function buildWorld() {
  if (world === 'http') {
    // Two servers, each on its own HTTP server, as in hotpath.mjs (an McpServer has one transport).
    const alter = new McpServer({ name: 'alter', version: '1' });
    new AlterMCP(vault, { defaultUser: 'alice', logger: silentLogger }).register(alter, [MailTools]);
    const raw = new McpServer({ name: 'raw', version: '1' });
    registerRawTool(raw);
    // Loaded only in this world, so the in-memory world stays what it was.
    const { StreamableHTTPServerTransport } = await sdk('server/streamableHttp.js');
    const { StreamableHTTPClientTransport } = await sdk('client/streamableHttp.js');
    const httpSdk = { Client, StreamableHTTPServerTransport, StreamableHTTPClientTransport };
    // Idle keep-alive sockets stay open: under valgrind the client's socket can sit idle > 5 s.
    const a = await connectOverStreamableHttp(alter, httpSdk, { keepIdleSockets: true });
    const b = await connectOverStreamableHttp(raw, httpSdk, { keepIdleSockets: true });
    return {
      sides: { alter_tool_http: toolOf(a.client, 'get_message'), raw_tool_http: toolOf(b.client, 'raw_get_message') },
      close: async () => {
        await a.close();
        await b.close();
      },
    };
  }
  if (world === 'noop') {
    const server = new McpServer({ name: 'noop', version: '1' });
    new AlterMCP(vault, { defaultUser: 'alice', logger: silentLogger }).register(server, [EchoTools]);
    registerRawEcho(server);
    const [a, b] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'bench', version: '1' });
    await Promise.all([server.connect(a), client.connect(b)]);
    return {
      sides: { alter_noop: toolOf(client, 'echo_message'), raw_noop: toolOf(client, 'raw_echo_message') },
      close: () => client.close(),
    };
  }
  const server = new McpServer({ name: 'bench', version: '1' });
  new AlterMCP(vault, { defaultUser: 'alice', logger: silentLogger }).register(server, [MailTools]);
  registerRawTool(server);
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'bench', version: '1' });
  await Promise.all([server.connect(a), client.connect(b)]);
  return {
    sides: {
      alter_tool: toolOf(client, 'get_message'),
      raw_tool: toolOf(client, 'raw_get_message'),
      vault_request: async (i) => {
        const res = await vault.request('bench', 'GET', `${origin}/gmail/v1/users/me/messages/{id}`, {
          user: 'alice',
          pathParams: { id: String(i) },
        });
        if (res.status !== 200 || res.json().id !== 'msg-1') throw new Error('bad vault response');
      },
      matched_axios: async (i) => {
        const res = await matchedGet(String(i));
        if (res.status !== 200 || res.json.id !== 'msg-1') throw new Error('bad axios response');
      },
    },
    close: () => client.close(),
  };
}
const { sides, close } = await buildWorld();
// alter_tool_pg is the PostgreSQL world's alter_tool; raw_tool_alone is raw_tool.
const one = sides[{ alter_tool_pg: 'alter_tool', raw_tool_alone: 'raw_tool' }[side] ?? side];
// The sides raw_tool_alone never runs (not even to warm up): they enter the vault's AsyncLocalStorages.
const ENTERS_VAULT = new Set(['alter_tool', 'vault_request']);
/** Says `word` on stdout and waits for the driver's answer line on stdin. */
async function handshake(word) {
  // A timer keeps the process leaving its syscalls, so valgrind's gdbserver (callgrind_control) gets in.
  const tick = setInterval(() => {}, 5);
  process.stdout.write(`${word}\n`);
  await new Promise((resolve) => process.stdin.once('data', resolve));
  clearInterval(tick);
}
const run = async (n) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) await one(next++);
    }),
  );
};
// Every side warms up every path of its world (so JIT and lazy loading are the same for the
// sides of a pair), then its own.
for (const [name, warm] of Object.entries(sides)) {
  one === warm ||
    (side === 'raw_tool_alone' && ENTERS_VAULT.has(name)) ||
    (await (async () => {
      for (let i = 0; i < 10; i++) await warm(i);
    })());
}
// Warm enough that V8 has optimized the hot functions: TurboFan compiling inside the measured
// calls (on its own threads, which callgrind counts too) was a large and variable part of a run.
await run(WARMUP);
await vault.audit.flush();
// Start from an empty young generation, so where a scavenge falls does not depend on the warm-up.
// A young-generation GC only: a full GC here marks the optimized code of hot functions (ours, the
// SDK's, Node's) for deoptimization ("weak objects" in --trace-deopt), and the measured calls then
// counted baseline code and its re-optimization instead of the steady state (round 12 in
// docs/performance.md).
globalThis.gc?.({ type: 'minor' });
// The driver switches callgrind's instrumentation on for the measured calls only (startup and
// warm-up run uninstrumented, several times faster): "ready" → it turns counting on and answers;
// the calls (and the audit rows they queued, flushed) run; "done" → it turns counting off.
await handshake('ready');
await run(calls);
await vault.audit.flush();
await handshake('done');
await close();
await vault.close();
await api.close();
bench.dispose();
process.stdin.pause();
