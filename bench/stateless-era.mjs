#!/usr/bin/env node
// The cost of serving the 2026-07-28 (stateless) era beside 2025-11-25, on built output
// (`pnpm bench stateless-era`). One `serveHttp(server)` with ONE SDK v2 McpServer (Alter tool
// `echo`), real HTTP on 127.0.0.1; per round, sequential `tools/call echo` requests:
// - baseline `2025 session`: over one initialized session (its forked server already exists);
// - `2026 stateless`: plain POSTs with the per-request `_meta` envelope — each one classified,
//   answered by a fresh fork of the server through SDK v2's createMcpHandler.
// Both sides send the same raw JSON-RPC with `fetch`, so the ratio is the server-side price of
// the stateless era (classification + fork per request). Wall and CPU time, median and min–max,
// interleaved rounds. Never asserts.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AlterMCP, AlterTool, serveHttp } from '../packages/mcp/dist/index.js';
import { silentLogger } from '../packages/vault/dist/index.js';
import { createBenchVault } from './_support.mjs';
import { QUICK, report, rounds } from './_measure.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const deps = path.join(root, 'packages/mcp/node_modules');
const { McpServer } = await import(pathToFileURL(path.join(deps, '@modelcontextprotocol/server/dist/index.mjs')).href);
const { z } = await import(pathToFileURL(path.join(deps, 'zod/index.js')).href);

class EchoTools {}
EchoTools.prototype.echo = async (_ctx, { text }) => text;
AlterTool({ name: 'echo', description: 'Echo.', input: z.object({ text: z.string() }) })(
  EchoTools.prototype,
  'echo',
  Object.getOwnPropertyDescriptor(EchoTools.prototype, 'echo'),
);

const { vault, dispose } = createBenchVault({ caller: 'bench-stateless', tempPrefix: 'alter-bench-stateless-' });
const server = new McpServer({ name: 'bench', version: '1.0.0' });
new AlterMCP(vault, { defaultUser: 'alice', logger: silentLogger }).register(server, [EchoTools]);
const handle = await serveHttp(server, { logger: silentLogger });

const ACCEPT = 'application/json, text/event-stream';
async function post(body, headers) {
  const res = await fetch(handle.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!text.includes('"hi"')) throw new Error(`unexpected answer (${res.status}): ${text.slice(0, 200)}`);
  return res;
}

// One 2025 session for the baseline.
const init = await fetch(handle.url, {
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: ACCEPT },
  body: JSON.stringify({
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
  }),
});
const sid = init.headers.get('mcp-session-id');
await init.text();
await (
  await fetch(handle.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  })
).text();

const CALLS = QUICK ? 50 : 200;
const ROUNDS = QUICK ? 5 : 10;
const call = { name: 'echo', arguments: { text: 'hi' } };
const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
const sides = {
  '2025 session': async () => {
    for (let i = 0; i < CALLS; i++)
      await post(
        { jsonrpc: '2.0', id: i + 1, method: 'tools/call', params: call },
        { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
      );
  },
  '2026 stateless': async () => {
    for (let i = 0; i < CALLS; i++) {
      await post(
        { jsonrpc: '2.0', id: i + 1, method: 'tools/call', params: { ...call, _meta: meta } },
        { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' },
      );
    }
  },
};
await sides['2025 session']();
await sides['2026 stateless']();
report('tools/call over HTTP, sequential: 2026-07-28 stateless vs 2025-11-25 session', await rounds(ROUNDS, sides, '2025 session'), CALLS, {
  case: 'stateless-era',
});

await handle.close();
dispose();
