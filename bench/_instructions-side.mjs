// One side of bench/instructions.mjs, run under valgrind (callgrind) by it:
// `node bench/_instructions-side.mjs <checkout> <side> <calls>` sets up the same world as
// bench/hotpath.mjs (loopback JSON API, a vault on a temp SQLite file with the audit on, alice's
// cached grant, the SDK's real Client over InMemoryTransport), warms the side up, then makes
// <calls> calls of <side> at concurrency 8 and exits. Sides: alter_tool (a tool doing
// ctx.request), raw_tool (a raw SDK tool doing the matched axios call), vault_request,
// matched_axios. <checkout> is the repository whose built packages are loaded, so another
// checkout (an older build) can be measured by the same script.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, side, callsArg] = process.argv.slice(2);
const calls = Number(callsArg);
const WARMUP = Number(process.env.BENCH_INSTR_WARMUP ?? 1_500);
const CONCURRENCY = 8;
const load = (p) => import(pathToFileURL(path.join(root, p)).href);
const { AlterMCP, AlterTool } = await load('packages/mcp/dist/index.js');
const { AlterVault, silentLogger } = await load('packages/vault/dist/index.js');
const { readCappedBody } = await load('packages/vault/dist/internal/read-capped-body.js');
const { createBenchVault, matchedAxiosOptions, startLoopbackApi } = await import('./_support.mjs');
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
});
const { vault, token } = bench;
await bench.grantAlice();

// The baseline: axios configured exactly like the vault's, the body read the same way (as in hotpath.mjs).
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
const server = new McpServer({ name: 'bench', version: '1' });
new AlterMCP(vault, { defaultUser: 'alice', logger: silentLogger }).register(server, [MailTools]);
server.registerTool(
  'raw_get_message',
  { description: 'Get a message (raw SDK + matched axios).', inputSchema: { id: z.string() } },
  async ({ id }) => {
    const res = await matchedGet(id);
    return { content: [{ type: 'text', text: JSON.stringify(res.json) }] };
  },
);
const [a, b] = InMemoryTransport.createLinkedPair();
const client = new Client({ name: 'bench', version: '1' });
await Promise.all([server.connect(a), client.connect(b)]);

const tool = (name) => async (i) => {
  const r = await client.callTool({ name, arguments: { id: String(i) } });
  if (r.isError || !r.content[0].text.includes('msg-1')) throw new Error(`${name} failed: ${JSON.stringify(r)}`);
};
const sides = {
  alter_tool: tool('get_message'),
  raw_tool: tool('raw_get_message'),
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
};
const one = sides[side];
if (one === undefined) throw new Error(`unknown side ${side}; one of ${Object.keys(sides).join(', ')}`);
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
// Every side warms up every path (so JIT and lazy loading are the same for all), then its own.
for (const warm of Object.values(sides)) {
  one === warm ||
    (await (async () => {
      for (let i = 0; i < 10; i++) await warm(i);
    })());
}
// Warm enough that V8 has optimized the hot functions: TurboFan compiling inside the measured
// calls (on its own threads, which callgrind counts too) was a large and variable part of a run.
await run(WARMUP);
await vault.audit.flush();
// Start from an empty young generation, so where a scavenge falls does not depend on the warm-up.
globalThis.gc?.();
// The driver switches callgrind's instrumentation on for the measured calls only (startup and
// warm-up run uninstrumented, several times faster): "ready" → it turns counting on and answers;
// the calls (and the audit rows they queued, flushed) run; "done" → it turns counting off.
await handshake('ready');
await run(calls);
await vault.audit.flush();
await handshake('done');
await client.close();
await vault.close();
await api.close();
bench.dispose();
process.stdin.pause();
