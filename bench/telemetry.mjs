#!/usr/bin/env node
// The cost of OpenTelemetry on a tool call: the same tool call doing ctx.request (SDK Client in
// memory, SQLite vault with the audit on) with telemetry turned off (`telemetry: false`, the
// baseline), with @opentelemetry/api installed but no SDK registered (what a library user without
// OpenTelemetry gets), and with tracing and metrics on (BasicTracerProvider + BatchSpanProcessor
// into an in-memory exporter, MeterProvider with a reader). Sides interleave in rounds in one
// process; wall and CPU time per call, median and min–max. Run on built output:
// `pnpm bench telemetry` (`--quick` for fewer rounds). Never asserts.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AlterMCP, AlterTool } from '../packages/mcp/dist/index.js';
import { AlterVault, silentLogger } from '../packages/vault/dist/index.js';
import { startLoopbackApi } from './_support.mjs';
import { concurrently, QUICK, report, rounds } from './_measure.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const deps = path.join(root, 'packages/mcp/node_modules');
const load = (p) => import(pathToFileURL(path.join(deps, p)).href);
const { McpServer } = await load('@modelcontextprotocol/sdk/dist/esm/server/mcp.js');
const { Client } = await load('@modelcontextprotocol/sdk/dist/esm/client/index.js');
const { InMemoryTransport } = await load('@modelcontextprotocol/sdk/dist/esm/inMemory.js');
const { z } = await load('zod/index.js');
// The OpenTelemetry packages' CommonJS builds (their ESM builds are for bundlers).
const requireFromMcp = createRequire(path.join(deps, '..', 'package.json'));
const otel = requireFromMcp('@opentelemetry/api');
const { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } = requireFromMcp('@opentelemetry/sdk-trace-base');
const { MeterProvider, MetricReader } = requireFromMcp('@opentelemetry/sdk-metrics');
const { AsyncLocalStorageContextManager } = requireFromMcp('@opentelemetry/context-async-hooks');

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 5 : 11));
const CALLS = Number(process.env.BENCH_CALLS_PER_ROUND ?? (QUICK ? 300 : 1_000));
const CONCURRENCY = 8;

const api = await startLoopbackApi();
const dir = mkdtempSync(path.join(tmpdir(), 'alter-bench-otel-'));
const provider = {
  id: 'bench',
  displayName: 'Bench',
  clientId: 'bench',
  tokenEndpointAuthMethod: 'none',
  authorizationEndpoint: 'https://auth.bench.test/authorize',
  tokenEndpoint: 'https://auth.bench.test/token',
  defaultScopes: [],
  scopeSeparator: ' ',
  allowedHosts: ['127.0.0.1:*'],
  allowInsecureLoopback: true,
};
const key = randomBytes(32).toString('base64');

class Tools {}
Tools.prototype.get = async (ctx, { id }) =>
  (await ctx.request('GET', `${api.origin}/gmail/v1/users/me/messages/{id}`, { pathParams: { id } })).json();
AlterTool('bench', { description: 'Get a message.', input: z.object({ id: z.string() }), scopes: ['read'] })(
  Tools.prototype,
  'get',
  Object.getOwnPropertyDescriptor(Tools.prototype, 'get'),
);

async function side(name, telemetry) {
  const vault = new AlterVault({
    caller: 'bench-otel',
    providers: [provider],
    store: path.join(dir, `${name}.db`),
    encryptionKey: key,
    logger: silentLogger,
    telemetry,
  });
  await vault.grants.put({
    user: 'alice',
    provider: 'bench',
    accessToken: `at-${randomBytes(24).toString('base64url')}`,
    expiresAt: new Date(Date.now() + 3600_000),
    scopes: ['read'],
  });
  const server = new McpServer({ name: 'bench', version: '1' });
  new AlterMCP(vault, { defaultUser: 'alice', logger: silentLogger, telemetry }).register(server, [Tools]);
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'bench', version: '1' });
  await Promise.all([server.connect(a), client.connect(b)]);
  return { vault, client };
}

class Reader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}
const exporter = new InMemorySpanExporter();
const tracing = {
  tracer: new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] }),
  meter: new MeterProvider({ readers: [new Reader()] }),
};
const contextManager = new AsyncLocalStorageContextManager().enable();
function sdkOn(on) {
  otel.trace.disable();
  otel.metrics.disable();
  otel.context.disable();
  if (!on) return;
  otel.context.setGlobalContextManager(contextManager);
  otel.trace.setGlobalTracerProvider(tracing.tracer);
  otel.metrics.setGlobalMeterProvider(tracing.meter);
}

const off = await side('off', false);
const noSdk = await side('no-sdk', true);
const on = await side('on', true);
const calls = (client, before) => async () => {
  before();
  await concurrently(
    async (i) => {
      const r = await client.callTool({ name: 'get', arguments: { id: String(i) } });
      if (r.isError) throw new Error(JSON.stringify(r));
    },
    CALLS,
    CONCURRENCY,
  );
};
const result = await rounds(
  ROUNDS,
  {
    'telemetry off': calls(off.client, () => sdkOn(false)),
    'API installed, no SDK': calls(noSdk.client, () => sdkOn(false)),
    'tracing + metrics on': calls(on.client, () => {
      sdkOn(true);
      exporter.reset();
    }),
  },
  'telemetry off',
);
report(`tool call with ctx.request, in memory, SQLite, concurrency ${CONCURRENCY}: OpenTelemetry off / API only / on`, result, CALLS);
sdkOn(false);
for (const s of [off, noSdk, on]) {
  await s.client.close();
  await s.vault.close();
}
await tracing.tracer.shutdown();
await tracing.meter.shutdown();
await api.close();
rmSync(dir, { recursive: true, force: true });
