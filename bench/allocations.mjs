#!/usr/bin/env node
// Where CPU goes besides the main thread's instructions: bytes allocated per call, scavenges per
// 1,000 calls and user / system CPU per call of a tool call doing ctx.request (audit on, SQLite, in
// memory, concurrency 8) against the raw SDK tool doing the matched axios call (the alter_tool /
// raw_tool pair of bench/instructions.mjs, the same world), and the top allocation sites of our
// side per call. Allocation costs CPU twice outside callgrind's main-thread count: the scavenges
// it triggers (partly on V8's parallel GC helper threads) and the work of the concurrent marker
// and sweeper once survivors reach the old generation.
//
// Per side, BENCH_ALLOC_REPEATS windows of BENCH_ALLOC_CALLS calls, the sides interleaved; each
// window starts after a young-generation GC and a pause (outside the window) and ends when our side's audit
// rows are written (vault.audit.flush() inside the window). Measured in each window:
// - bytes allocated on the V8 heap, exactly: used heap at the end − at the start + what every GC in
//   the window freed (v8.GCProfiler's before/after heap statistics), and the GCs by type;
// - process CPU, user and system (process.cpuUsage: all threads).
// raw_tool_alone: the raw tool's windows measured FIRST, before our tool ever ran in the process:
// once a vault request has entered the vault's AsyncLocalStorages, Node 20 runs their promise hook
// (async_hooks promiseInitHook) on every promise of the process, the raw tool's too, so raw_tool
// carries part of our cost; raw_tool_alone is the baseline of a server without Alter.
// Then one more window per side under the sampling heap profiler (inspector
// HeapProfiler.startSampling, objects collected by minor and major GCs included, so short-lived
// garbage counts): bytes per call by allocation site (function, file:line) and by package.
// Sampling adds CPU, so that window is not timed. Knobs: BENCH_ALLOC_CALLS (default 3,000;
// --quick 1,000), BENCH_ALLOC_REPEATS (default 3), BENCH_ALLOC_TOP (sites listed, default 25),
// BENCH_ALLOC_INTERVAL (sampling interval in bytes, default 512). Runs on built output.
import { createHook } from 'node:async_hooks';
import { readdirSync, readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GCProfiler } from 'node:v8';
import { AlterMCP, AlterTool } from '../packages/mcp/dist/index.js';
import { silentLogger } from '../packages/vault/dist/index.js';
import { emit, QUICK, quiesce, show, stats, WARMUP_CALLS } from './_measure.mjs';
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

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { McpServer } = await importSdk('server/mcp.js');
const { Client } = await importSdk('client/index.js');
const { InMemoryTransport } = await importSdk('inMemory.js');
const { z } = await importZod();

const CALLS = Number(process.env.BENCH_ALLOC_CALLS ?? (QUICK ? 1_000 : 3_000));
const REPEATS = Number(process.env.BENCH_ALLOC_REPEATS ?? 3);
const TOP = Number(process.env.BENCH_ALLOC_TOP ?? 25);
const INTERVAL = Number(process.env.BENCH_ALLOC_INTERVAL ?? 512);
const WARMUP = WARMUP_CALLS;
const CONCURRENCY = 8;

// The world of bench/_instructions-side.mjs's in-memory SQLite pair: one McpServer with our tool
// and the raw tool, the SDK's real Client over InMemoryTransport, a loopback JSON API.
const api = await startLoopbackApi();
const origin = api.origin;
const bench = createBenchVault({ caller: 'bench-allocations', tempPrefix: 'alter-bench-alloc-' });
const { vault, token } = bench;
await bench.grantAlice();
const matchedGet = matchedMessageGetter(origin, token);
const MailTools = benchMailTools({ AlterTool, z, messageUrl: `${origin}/gmail/v1/users/me/messages/{id}` });
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
const client = await inMemoryClientOf(server, { Client, InMemoryTransport });

const toolCalls = (name) => messageToolCalls(client, name, CALLS, CONCURRENCY);
// Our side's window ends when its audit rows are written: that write is its work.
const SIDES = {
  alter_tool: { run: toolCalls('get_message'), settle: () => vault.audit.flush() },
  raw_tool: { run: toolCalls('raw_get_message'), settle: async () => {} },
};
SIDES.raw_tool_alone = SIDES.raw_tool;

/** Kernel counters of this process (Linux; {} elsewhere): see the header. */
function kernelCounters() {
  try {
    const out = { mainNs: 0, otherThreadsNs: 0 };
    for (const tid of readdirSync('/proc/self/task')) {
      let ns;
      try {
        ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        continue; // the thread ended meanwhile
      }
      if (Number(tid) === process.pid) out.mainNs += ns;
      else out.otherThreadsNs += ns;
    }
    for (const line of readFileSync('/proc/self/io', 'utf8').split('\n')) {
      const [k, v] = line.split(': ');
      if (k === 'syscr' || k === 'syscw' || k === 'wchar' || k === 'write_bytes') out[k] = Number(v);
    }
    // /proc/self/stat: the fields after the command name ") "; minflt is field 10, majflt 12.
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    out.minflt = Number(f[7]);
    out.majflt = Number(f[9]);
    for (const line of readFileSync('/proc/self/status', 'utf8').split('\n')) {
      const m = /^(voluntary_ctxt_switches|nonvoluntary_ctxt_switches):\s+(\d+)/.exec(line);
      if (m !== null) out[m[1]] = Number(m[2]);
    }
    return out;
  } catch {
    return {};
  }
}

/**
 * One measured window of `side`, after a young-generation GC (bench/_measure.mjs says why not a full one): bytes allocated on the V8 heap (used heap at the
 * end − at the start + what the window's GCs freed), GCs by type, CPU user / system µs, and the
 * kernel counters' increase.
 */
async function measured(side) {
  await quiesce();
  const usedStart = process.memoryUsage().heapUsed;
  const profiler = new GCProfiler();
  profiler.start();
  const k0 = kernelCounters();
  const c0 = process.cpuUsage();
  await SIDES[side].run();
  await SIDES[side].settle();
  const cpu = process.cpuUsage(c0);
  const k1 = kernelCounters();
  const usedEnd = process.memoryUsage().heapUsed;
  const { statistics } = profiler.stop();
  const freed = statistics.reduce((s, g) => s + (g.beforeGC.heapStatistics.usedHeapSize - g.afterGC.heapStatistics.usedHeapSize), 0);
  const byType = {};
  for (const g of statistics) byType[g.gcType] = (byType[g.gcType] ?? 0) + 1;
  const kernel = Object.fromEntries(Object.keys(k1).map((key) => [key, k1[key] - k0[key]]));
  return { allocated: usedEnd - usedStart + freed, byType, user: cpu.user, system: cpu.system, kernel };
}

/** Bytes per call by allocation site and by package, from the sampling heap profiler. */
async function sites(side) {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await quiesce();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: INTERVAL,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  await SIDES[side].run();
  await SIDES[side].settle();
  const { profile } = await session.post('HeapProfiler.stopSampling');
  await session.post('HeapProfiler.disable');
  session.disconnect();
  const bySite = new Map();
  const byPackage = new Map();
  let total = 0;
  const walk = (node) => {
    const f = node.callFrame;
    const file = f.url.replace(/^file:\/\//, '');
    const site = `${f.functionName || '(anonymous)'}  ${shortFile(file)}:${f.lineNumber + 1}`;
    if (node.selfSize > 0) {
      total += node.selfSize;
      bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
      const pkg = packageOf(file);
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + node.selfSize);
    }
    for (const c of node.children) walk(c);
  };
  walk(profile.head);
  const perCall = (m) => [...m.entries()].map(([k, v]) => [k, v / CALLS]).sort((x, y) => y[1] - x[1]);
  return { total: total / CALLS, sites: perCall(bySite), packages: perCall(byPackage) };
}

function shortFile(file) {
  if (file === '') return '(native / V8)';
  const nm = file.lastIndexOf('node_modules/');
  if (nm >= 0) return file.slice(nm + 'node_modules/'.length);
  if (file.startsWith(root)) return path.relative(root, file);
  return file;
}

function packageOf(file) {
  if (file === '') return '(native / V8 builtins)';
  if (file.startsWith('node:')) return 'node core';
  const nm = file.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = file.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (file.startsWith(root)) {
    const rel = path.relative(root, file).split(path.sep);
    return rel[0] === 'packages' ? `@alter/${rel[1]}` : rel.slice(0, 2).join('/');
  }
  return file;
}

/** Prints and records one side's windows. */
function summarize(side, ws, record) {
  const bytes = ws.map((w) => w.allocated / CALLS);
  const scav = ws.map((w) => ((w.byType.Scavenge ?? 0) * 1000) / CALLS);
  const other = ws.map((w) => Object.entries(w.byType).reduce((s, [t, n]) => (t === 'Scavenge' ? s : s + n), 0));
  const user = ws.map((w) => w.user / CALLS);
  const system = ws.map((w) => w.system / CALLS);
  console.log(
    `  ${side.padEnd(14)} allocated ${show(bytes, 0, ' B')}/call  scavenges ${show(scav, 2)}/1,000 calls  other GCs ${show(other, 0)}/window  cpu user ${show(user, 1, ' µs')} system ${show(system, 1, ' µs')}/call`,
  );
  record.sides[side] = {
    bytesPerCall: stats(bytes),
    scavengesPer1000Calls: stats(scav),
    otherGcsPerWindow: stats(other),
    userUsPerCall: stats(user),
    systemUsPerCall: stats(system),
    gcTypes: ws.map((w) => w.byType),
  };
  if (ws[0].kernel.mainNs !== undefined) {
    const per = (key, scale = 1) => ws.map((w) => (w.kernel[key] * scale) / CALLS);
    const main = per('mainNs', 1e-3);
    const others = per('otherThreadsNs', 1e-3);
    console.log(
      `  ${''.padEnd(14)} cpu main thread ${show(main, 1, ' µs')} other threads ${show(others, 1, ' µs')}/call; per 1,000 calls: read syscalls ${show(per('syscr', 1000), 0)} write syscalls ${show(per('syscw', 1000), 0)} written ${show(per('wchar', 1), 0, ' B')}/call, page faults ${show(per('minflt', 1000), 0)}, context switches ${show(per('voluntary_ctxt_switches', 1000), 0)} + ${show(per('nonvoluntary_ctxt_switches', 1000), 0)} forced`,
    );
    record.sides[side].kernel = {
      mainThreadUsPerCall: stats(main),
      otherThreadsUsPerCall: stats(others),
      readSyscallsPer1000Calls: stats(per('syscr', 1000)),
      writeSyscallsPer1000Calls: stats(per('syscw', 1000)),
      bytesWrittenPerCall: stats(per('wchar')),
      pageFaultsPer1000Calls: stats(per('minflt', 1000)),
      voluntaryContextSwitchesPer1000Calls: stats(per('voluntary_ctxt_switches', 1000)),
      forcedContextSwitchesPer1000Calls: stats(per('nonvoluntary_ctxt_switches', 1000)),
    };
  }
}

/** Prints the sampled profile of a side: by package, and its top sites (all, and ours only). */
function printSites(side, s) {
  console.log(`\n${side}: sampling heap profiler (interval ${INTERVAL} B), ≈ ${s.total.toFixed(0)} B/call; by package:`);
  for (const [pkg, bytes] of s.packages.slice(0, 12)) console.log(`  ${bytes.toFixed(0).padStart(7)} B/call  ${pkg}`);
  console.log(`${side}: top ${TOP} allocation sites (function  file:line), B/call:`);
  for (const [site, bytes] of s.sites.slice(0, TOP)) console.log(`  ${bytes.toFixed(0).padStart(7)}  ${site}`);
}

try {
  console.log(
    `Node ${process.version}, in memory, SQLite, audit on, concurrency ${CONCURRENCY}: ${REPEATS} windows × ${CALLS} calls per side, a young-generation GC before each window`,
  );
  const record = {
    name: 'allocations per call, tool call in memory SQLite, concurrency 8',
    case: 'allocations',
    calls: CALLS,
    repeats: REPEATS,
    sides: {},
  };
  // Phase 1: the raw tool alone, before any Alter call (no AsyncLocalStorage entered yet).
  for (let w = 0; w < Math.ceil(WARMUP / CALLS); w++) await SIDES.raw_tool.run();
  const alone = [];
  for (let r = 0; r < REPEATS; r++) alone.push(await measured('raw_tool_alone'));
  const aloneSites = await sites('raw_tool_alone');
  // Phase 2: warm our side (JIT, lazy loading), start from a written audit queue, interleave.
  for (let w = 0; w < Math.ceil(WARMUP / CALLS); w++) await SIDES.alter_tool.run();
  await vault.audit.flush();
  const res = { alter_tool: [], raw_tool: [] };
  for (let r = 0; r < REPEATS; r++) {
    const order = r % 2 === 0 ? ['raw_tool', 'alter_tool'] : ['alter_tool', 'raw_tool'];
    for (const side of order) res[side].push(await measured(side));
  }
  console.log('phase 1, before any Alter call in the process:');
  summarize('raw_tool_alone', alone, record);
  console.log('phase 2, interleaved:');
  for (const [side, ws] of Object.entries(res)) summarize(side, ws, record);
  const ratio = res.alter_tool.map((w, i) => w.allocated / res.raw_tool[i].allocated);
  const aloneMedian = stats(alone.map((w) => w.allocated)).median;
  const ratioAlone = res.alter_tool.map((w) => w.allocated / aloneMedian);
  console.log(`  allocated alter_tool / raw_tool ${show(ratio, 3, '×')}; alter_tool / raw_tool_alone ${show(ratioAlone, 3, '×')}`);
  record.allocatedRatio = stats(ratio);
  record.allocatedRatioAlone = stats(ratioAlone);

  const sampled = { raw_tool_alone: aloneSites, alter_tool: await sites('alter_tool'), raw_tool: await sites('raw_tool') };
  for (const [side, s] of Object.entries(sampled)) {
    printSites(side, s);
    record.sides[side].sampled = {
      bytesPerCall: s.total,
      packages: Object.fromEntries(s.packages.slice(0, 20)),
      topSites: Object.fromEntries(s.sites.slice(0, TOP)),
    };
  }
  // Where our side allocates more than a server without Alter, by package and by site.
  const diff = (key) => {
    const base = new Map(sampled.raw_tool_alone[key]);
    const all = new Set([...base.keys(), ...sampled.alter_tool[key].map(([k]) => k)]);
    const ours = new Map(sampled.alter_tool[key]);
    return [...all].map((k) => [k, (ours.get(k) ?? 0) - (base.get(k) ?? 0)]).sort((x, y) => y[1] - x[1]);
  };
  console.log('\nalter_tool − raw_tool_alone by package, B/call (sampled):');
  for (const [pkg, bytes] of diff('packages').filter(([, b]) => Math.abs(b) >= 100))
    console.log(`  ${bytes.toFixed(0).padStart(7)}  ${pkg}`);
  const ourSites = sampled.alter_tool.sites.filter(([site]) => site.includes('packages/'));
  console.log(`alter_tool: top ${TOP} allocation sites in @alter packages, B/call (sampled):`);
  for (const [site, bytes] of ourSites.slice(0, TOP)) console.log(`  ${bytes.toFixed(0).padStart(7)}  ${site}`);
  console.log(`alter_tool − raw_tool_alone: top ${TOP} sites, B/call (sampled):`);
  for (const [site, bytes] of diff('sites').slice(0, TOP)) console.log(`  ${bytes.toFixed(0).padStart(7)}  ${site}`);
  record.packageDiffAlone = Object.fromEntries(diff('packages').filter(([, b]) => Math.abs(b) >= 100));
  // Promises per call (an async_hooks init hook, counted; last, as the hook itself slows every
  // promise): on Node 20 each one pays the propagation of every enabled AsyncLocalStorage.
  record.promisesPerCall = {};
  for (const side of ['alter_tool', 'raw_tool']) {
    let promises = 0;
    const hook = createHook({
      init(_id, type) {
        if (type === 'PROMISE') promises += 1;
      },
    });
    await quiesce();
    hook.enable();
    await SIDES[side].run();
    await SIDES[side].settle();
    hook.disable();
    record.promisesPerCall[side] = promises / CALLS;
  }
  console.log(
    `promises created per call: alter_tool ${record.promisesPerCall.alter_tool.toFixed(1)}, raw_tool ${record.promisesPerCall.raw_tool.toFixed(1)}`,
  );
  record.ourTopSites = Object.fromEntries(ourSites.slice(0, TOP));
  emit(record);
} finally {
  await client.close();
  await vault.close();
  await api.close();
  bench.dispose();
}
