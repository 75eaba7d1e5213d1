#!/usr/bin/env node
// The hot path, measured honestly: a tool call doing ctx.request against a raw MCP SDK tool doing
// the SAME provider call (the vault's axios configuration: no redirects, no proxy, no response
// transforms, body streamed and read with the same byte cap, a timeout signal, JSON parsed), and
// vault.request() alone against that matched axios call. A and B interleave in rounds in one
// process; every figure is the median and min–max over rounds of wall AND CPU time per call, the
// per-round ratios also with their interquartile range (p25–p75).
//
// Attribution (bench/_measure.mjs): our side's sample ends when the audit rows it queued are
// written (`vault.audit.flush()` inside its timing: that write is its work; left to the 100 ms
// timer it fell into the next sample, often the raw side's), and a young-generation GC runs
// before every sample, outside the timing, so no sample collects the other side's garbage. Every
// comparison first warms both sides up, interleaved, for BENCH_WARMUP_CALLS calls each (default
// 6,000), so the rounds time the steady state, not TurboFan (bench/_measure.mjs says why, with
// the counts). CPU time is printed as user and system apart (SQLite's writes are system time).
// BENCH_GC_BETWEEN=full (a full GC before every sample: round 4's method) or 0 (none),
// BENCH_WARMUP_CALLS and BENCH_SETTLE_AUDIT=0 bring back older methods, to compare.
//
// Cases: in memory (SDK InMemoryTransport + real Client) at concurrency 1/8/64/256 on SQLite and
// PostgreSQL (ALTER_TEST_PG_URL / ALTER_BENCH_PG_URL, own schema; skipped with a note when unset);
// over Streamable HTTP (SDK transports on 127.0.0.1) on SQLite; event-loop delay at a fixed
// 1,500 calls/s with the audit on vs a store that drops audit rows.
// Run on built output: `pnpm bench hotpath` (`--quick` for fewer rounds, `--json` to record).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { AlterMCP, AlterTool } from '../packages/mcp/dist/index.js';
import { AlterVault, SqliteGrantStore, silentLogger } from '../packages/vault/dist/index.js';
import {
  benchFetch,
  benchMailTools,
  benchProvider,
  importSdk,
  importZod,
  inMemoryClientOf,
  MESSAGE_BODY,
  matchedMessageGetter,
  messageToolCalls,
  startLoopbackApi,
} from './_support.mjs';
import { concurrently, emit, GC_BETWEEN, QUICK, report, rounds, show, stats, WARMUP_CALLS, warmUp } from './_measure.mjs';

const { McpServer } = await importSdk('server/mcp.js');
const { Client } = await importSdk('client/index.js');
const { InMemoryTransport } = await importSdk('inMemory.js');
const { StreamableHTTPServerTransport } = await importSdk('server/streamableHttp.js');
const { StreamableHTTPClientTransport } = await importSdk('client/streamableHttp.js');
const { z } = await importZod();
const pg = createRequire(new URL('../packages/vault/package.json', import.meta.url))('pg');
const PG_URL = process.env.ALTER_BENCH_PG_URL || process.env.ALTER_TEST_PG_URL || '';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 5 : 11));
const CALLS = Number(process.env.BENCH_CALLS_PER_ROUND ?? (QUICK ? 300 : 1_000));
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? (QUICK ? '1,8,64' : '1,8,64,256')).split(',').map(Number);
// Which cases run (comma-separated): vault, memory, http, pg, delay.
const CASES = new Set((process.env.BENCH_CASES ?? 'vault,memory,http,pg,delay').split(','));
const SETTLE_AUDIT = process.env.BENCH_SETTLE_AUDIT !== '0';
/** The rounds() options of a comparison whose side `ours` queues audit rows in `vault`. */
const method = (vault, ours) => ({ gcBetween: GC_BETWEEN, settle: SETTLE_AUDIT ? { [ours]: () => vault.audit.flush() } : {} });

const api = await startLoopbackApi();
const origin = api.origin;
const key = randomBytes(32).toString('base64');
const provider = benchProvider();
const token = `at-${randomBytes(24).toString('base64url')}`;

// The baseline: axios configured exactly like the vault's, the body read the same way.
const matchedGet = matchedMessageGetter(origin, token);

async function openVault(store) {
  const vault = new AlterVault({ caller: 'bench-hotpath', providers: [provider], store, encryptionKey: key, logger: silentLogger });
  await vault.grants.put({
    user: 'alice',
    provider: 'bench',
    accessToken: token,
    expiresAt: new Date(Date.now() + 3600_000),
    scopes: ['read'],
  });
  return vault;
}

const MailTools = benchMailTools({ AlterTool, z, messageUrl: `${origin}/gmail/v1/users/me/messages/{id}` });

function buildServers(vault) {
  const alter = new McpServer({ name: 'alter', version: '1' });
  new AlterMCP(vault, { defaultUser: 'alice', logger: silentLogger }).register(alter, [MailTools]);
  const raw = new McpServer({ name: 'raw', version: '1' });
  raw.registerTool(
    'raw_get_message',
    { description: 'Get a message (raw SDK + matched axios).', inputSchema: { id: z.string() } },
    async ({ id }) => {
      const res = await matchedGet(id);
      return { content: [{ type: 'text', text: JSON.stringify(res.json) }] };
    },
  );
  return { alter, raw };
}

const inMemoryClient = (server) => inMemoryClientOf(server, { Client, InMemoryTransport });

async function httpClient(server) {
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomBytes(16).toString('hex'),
    enableJsonResponse: true,
  });
  await server.connect(transport);
  const http = createServer((req, res) => void transport.handleRequest(req, res));
  await new Promise((r) => http.listen(0, '127.0.0.1', r));
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${http.address().port}/mcp`), { fetch: benchFetch }));
  return { client, close: () => new Promise((r) => http.close(r)) };
}

const callsOf = (client, name, concurrency) => messageToolCalls(client, name, CALLS, concurrency);

async function toolCalls(label, vault, clients) {
  for (const c of CONCURRENCIES) {
    const sides = { alter: callsOf(clients.alter, 'get_message', c), raw_sdk_matched_axios: callsOf(clients.raw, 'raw_get_message', c) };
    await warmUp(sides, CALLS, { settle: { alter: () => vault.audit.flush() } });
    const r = await rounds(ROUNDS, sides, 'raw_sdk_matched_axios', method(vault, 'alter'));
    report(`tool call ${label}, concurrency ${c}`, r, CALLS, {
      case: 'tool-call',
      transport: label,
      concurrency: c,
      warmUpCalls: WARMUP_CALLS,
    });
  }
}

async function storeCase(label, store, { http = false, vaultAlone = false, memory = true } = {}) {
  const vault = await openVault(store);
  const { alter, raw } = buildServers(vault);
  if (vaultAlone) {
    const sides = {
      vault_request: () =>
        concurrently(
          async (i) => {
            const res = await vault.request('bench', 'GET', `${origin}/gmail/v1/users/me/messages/{id}`, {
              user: 'alice',
              pathParams: { id: String(i) },
            });
            if (res.status !== 200 || res.json().id !== 'msg-1') throw new Error('bad vault response');
          },
          CALLS,
          8,
        ),
      matched_axios: () =>
        concurrently(
          async (i) => {
            const res = await matchedGet(String(i));
            if (res.status !== 200 || res.json.id !== 'msg-1') throw new Error('bad axios response');
          },
          CALLS,
          8,
        ),
    };
    await warmUp(sides, CALLS, { settle: { vault_request: () => vault.audit.flush() } });
    report(`vault.request ${label}, concurrency 8`, await rounds(ROUNDS, sides, 'matched_axios', method(vault, 'vault_request')), CALLS, {
      case: 'vault-request',
      transport: label,
      concurrency: 8,
      warmUpCalls: WARMUP_CALLS,
    });
  }
  if (http) {
    const a = await httpClient(alter);
    const b = await httpClient(raw);
    await toolCalls(`Streamable HTTP ${label}`, vault, { alter: a.client, raw: b.client });
    await a.client.close();
    await b.client.close();
    await a.close();
    await b.close();
  } else if (memory) {
    const clients = { alter: await inMemoryClient(alter), raw: await inMemoryClient(raw) };
    await toolCalls(`in memory ${label}`, vault, clients);
    await clients.alter.close();
    await clients.raw.close();
  }
  const verified = await vault.audit.verify();
  if (!verified.ok) throw new Error(`audit chain broken: ${verified.problem}`);
  await vault.close();
}

// Event-loop delay at a fixed offered load: audit on vs a store that drops audit rows.
class NoAuditSqliteStore extends SqliteGrantStore {
  async appendAudit() {}
}
async function loopDelay(dir) {
  const RATE = Number(process.env.BENCH_RATE ?? 1_500);
  const SECONDS = QUICK ? 2 : 4;
  const REPEATS = QUICK ? 2 : 3;
  const side = async (store) => {
    const vault = await openVault(store);
    const { alter } = buildServers(vault);
    const client = await inMemoryClient(alter);
    await callsOf(client, 'get_message', 8)();
    const run = async () => {
      const h = monitorEventLoopDelay({ resolution: 1 });
      h.enable();
      const inflight = new Set();
      const total = RATE * SECONDS;
      const t0 = performance.now();
      for (let i = 0; i < total; i++) {
        const due = t0 + (i * 1000) / RATE;
        const wait = due - performance.now();
        // Always yield: when behind schedule the loop must still turn (else this loop is the stall).
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        else await new Promise((r) => setImmediate(r));
        const p = client.callTool({ name: 'get_message', arguments: { id: String(i) } }).then(() => inflight.delete(p));
        inflight.add(p);
      }
      await Promise.all(inflight);
      h.disable();
      return { p99: h.percentile(99) / 1e6, max: h.max / 1e6, achieved: (total / (performance.now() - t0)) * 1000 };
    };
    return {
      run,
      close: async () => {
        await client.close();
        await vault.close();
      },
    };
  };
  const on = await side(path.join(dir, 'delay-on.db'));
  const off = await side(new NoAuditSqliteStore({ filename: path.join(dir, 'delay-off.db') }));
  const res = { on: [], off: [] };
  for (let r = 0; r < REPEATS; r++) {
    for (const [name, s] of r % 2 === 0
      ? [
          ['on', on],
          ['off', off],
        ]
      : [
          ['off', off],
          ['on', on],
        ])
      res[name].push(await s.run());
  }
  await on.close();
  await off.close();
  const p99 = (xs) => xs.map((x) => x.p99);
  const diff = res.on.map((x, i) => x.p99 - res.off[i].p99);
  console.log(`event-loop delay at ${RATE} calls/s for ${SECONDS} s, in memory, SQLite (${REPEATS} interleaved runs)`);
  console.log(
    `  audit on : p99 ${show(p99(res.on), 2, ' ms')}  max ${show(
      res.on.map((x) => x.max),
      1,
      ' ms',
    )}  achieved ${show(
      res.on.map((x) => x.achieved),
      0,
      '/s',
    )}`,
  );
  console.log(
    `  audit off: p99 ${show(p99(res.off), 2, ' ms')}  max ${show(
      res.off.map((x) => x.max),
      1,
      ' ms',
    )}`,
  );
  console.log(`  p99 on − off: ${show(diff, 2, ' ms')} (goal ≤ 5 ms)`);
  emit({
    name: 'event-loop delay',
    case: 'loop-delay',
    rate: RATE,
    seconds: SECONDS,
    p99OnMs: stats(p99(res.on)),
    p99OffMs: stats(p99(res.off)),
    p99DiffMs: stats(diff),
    maxOnMs: stats(res.on.map((x) => x.max)),
  });
}

const dir = mkdtempSync(path.join(tmpdir(), 'alter-bench-hotpath-'));
try {
  console.log(
    `Node ${process.version}, ${ROUNDS} rounds × ${CALLS} calls per side, loopback API (${Buffer.byteLength(MESSAGE_BODY)} B JSON)`,
  );
  if (CASES.has('memory') || CASES.has('vault'))
    await storeCase('SQLite', path.join(dir, 'mem.db'), { vaultAlone: CASES.has('vault'), memory: CASES.has('memory') });
  if (CASES.has('http')) await storeCase('SQLite', path.join(dir, 'http.db'), { http: true });
  if (!CASES.has('pg')) {
    // not selected
  } else if (PG_URL === '') {
    console.log('PostgreSQL: skipped (set ALTER_TEST_PG_URL or ALTER_BENCH_PG_URL to include it)');
  } else {
    const schema = `alter_bench_${randomBytes(4).toString('hex')}`;
    const sep = PG_URL.includes('?') ? '&' : '?';
    try {
      await storeCase('PostgreSQL', `${PG_URL}${sep}schema=${schema}`, { vaultAlone: CASES.has('vault'), memory: CASES.has('memory') });
    } finally {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    }
  }
  if (CASES.has('delay')) await loopDelay(dir);
} finally {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
}
