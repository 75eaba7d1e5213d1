/**
 * Audit durability under `kill -9`. A child process (fixtures/audit-crash-worker.mjs, on the BUILT
 * package) sends requests through vault.request() and prints each request's id after request()
 * returned; the parent SIGKILLs it mid-traffic, opens the same store and checks every completed
 * request against the audit rows:
 * - `durability: 'sync'`: every completed request has its row;
 * - `durability: 'batched'`: at most `maxBatchRows` completed requests lack their row;
 * - in every case the hash chain verifies (an append is one transaction: a kill mid-append leaves
 *   no half-written batch).
 * Runs on a real SQLite file in a temp dir and on PostgreSQL (own schema; skipped with the reason
 * printed when ALTER_TEST_PG_URL is unset).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AlterVault, type AuditOptions } from '@alter/vault';
import { loopbackProvider, newKey, newToken, tempDir } from './support/fixtures.js';
import { describeWithPostgres } from './support/pg.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const WORKER = path.join(here, 'fixtures', 'audit-crash-worker.mjs');
const DIST_ENTRY = path.resolve(here, '..', 'dist', 'index.js');
const CONCURRENCY = 16;
/** Completed requests after which each round kills the child (varied so the kill lands at different points of the write cycle). */
const KILL_AFTER = [700, 1_300, 1_900];
/** The bounded window the batched tests configure. */
const BATCHED: AuditOptions = { durability: 'batched', maxBatchRows: 100, maxDelayMs: 100 };

let api: Server;
let apiOrigin: string;
beforeAll(async () => {
  if (!existsSync(DIST_ENTRY)) {
    throw new Error(
      `The audit crash test runs its child on the BUILT @alter/vault, but ${DIST_ENTRY} is missing. Run \`pnpm -C packages/vault build\` first.`,
    );
  }
  api = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiOrigin = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});
afterAll(async () => {
  api.closeAllConnections();
  await new Promise<void>((resolve) => api.close(() => resolve()));
});

interface RoundResult {
  readonly completed: readonly string[];
  readonly missing: readonly string[];
}

/**
 * Runs one child per config until together they completed `killAfter` requests, SIGKILLs them all,
 * and returns the ids they reported.
 */
function runAndKill(configs: ReadonlyArray<Record<string, unknown>>, killAfter: number): Promise<string[]> {
  const completed: string[] = [];
  const children = configs.map((config) =>
    spawn(process.execPath, [WORKER], {
      env: { ...process.env, ALTER_WORKER_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let killed = false;
  const killAll = () => {
    killed = true;
    for (const child of children) child.kill('SIGKILL');
  };
  let stderr = '';
  const guard = setTimeout(killAll, 90_000);
  const exits = children.map(
    (child) =>
      new Promise<void>((resolve, reject) => {
        let buffered = '';
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
        });
        child.stdout.on('data', (d: Buffer) => {
          buffered += d.toString();
          const lines = buffered.split('\n');
          buffered = lines.pop() ?? '';
          for (const line of lines) if (line.startsWith('done ')) completed.push(line.slice(5));
          if (!killed && completed.length >= killAfter) killAll();
        });
        // 'close': the process is gone AND every line it wrote before dying has been read.
        child.on('close', (code, signal) => {
          if (signal !== 'SIGKILL') {
            killAll();
            reject(new Error(`crash worker exited by itself (code ${code}, signal ${signal}): ${stderr.slice(0, 2000)}`));
          } else resolve();
        });
      }),
  );
  return Promise.all(exits).then(() => {
    clearTimeout(guard);
    if (completed.length < killAfter)
      throw new Error(
        `crash workers made too little progress (${completed.length} of ${killAfter} requests in 90 s): ${stderr.slice(0, 2000)}`,
      );
    return completed;
  });
}

function crashSuite(storeOf: () => string, label: string): void {
  const key = newKey();
  const provider = loopbackProvider('acme');
  const open = () => new AlterVault({ caller: 'audit-crash', providers: [provider], store: storeOf(), encryptionKey: key });
  let round = 0;

  beforeAll(async () => {
    const vault = open();
    await vault.grants.put({ user: 'alice', provider: 'acme', accessToken: newToken('crash-at'), scopes: [] });
    await vault.close();
  });

  /** One kill round: the child's completed requests and which of them have no audit row. */
  async function crashRound(audit: AuditOptions | undefined, killAfter: number, processes = 1): Promise<RoundResult> {
    round += 1;
    const tag = `r${round}`;
    const config = {
      store: storeOf(),
      encryptionKey: key,
      provider,
      providerId: 'acme',
      user: 'alice',
      url: `${apiOrigin}/items`,
      concurrency: CONCURRENCY,
      audit,
    };
    const completed = await runAndKill(
      Array.from({ length: processes }, (_, i) => ({ ...config, round: `${tag}-p${i}` })),
      killAfter,
    );
    const vault = open();
    try {
      // The chain verifies after every crash: no half-written batch, no fork.
      const verified = await vault.audit.verify();
      expect(verified).toMatchObject({ ok: true });
      const rows = await vault.audit.query({ limit: 1_000_000 });
      const tagged = rows.map((r) => r.reason ?? '').filter((r) => r.startsWith(`${tag}-`));
      const stored = new Set(tagged);
      // Each request has at most one row (a retried append never duplicates a batch).
      expect(tagged.length).toBe(stored.size);
      const missing = completed.filter((id) => !stored.has(id));
      return { completed, missing };
    } finally {
      await vault.close();
    }
  }

  function report(mode: string, results: readonly RoundResult[]): void {
    const lost = results.reduce((n, r) => n + r.missing.length, 0);
    const done = results.reduce((n, r) => n + r.completed.length, 0);
    console.log(
      `[measure] audit crash ${label} ${mode}: ${results.length} kill rounds, ${done} completed requests, ${lost} without a row ` +
        `(${((100 * lost) / done).toFixed(1)} %; per round: ${results.map((r) => `${r.missing.length}/${r.completed.length}`).join(', ')})`,
    );
  }

  it(`durability 'sync': every request that returned has its row after kill -9, and the chain verifies (${label})`, async () => {
    const results: RoundResult[] = [];
    for (const killAfter of KILL_AFTER) results.push(await crashRound({ durability: 'sync' }, killAfter));
    report('sync', results);
    for (const r of results) expect(r.missing).toEqual([]);
  }, 300_000);

  it(`durability 'batched': at most maxBatchRows (${BATCHED.maxBatchRows}) completed requests lack their row after kill -9, and the chain verifies (${label})`, async () => {
    const results: RoundResult[] = [];
    for (const killAfter of KILL_AFTER) results.push(await crashRound(BATCHED, killAfter));
    report(`batched maxBatchRows=${BATCHED.maxBatchRows} maxDelayMs=${BATCHED.maxDelayMs}`, results);
    for (const r of results) expect(r.missing.length).toBeLessThanOrEqual(BATCHED.maxBatchRows!);
  }, 300_000);

  it(`durability 'sync', two processes appending to one chain, both killed: every completed request has its row, and the chain verifies (${label})`, async () => {
    const results: RoundResult[] = [];
    for (const killAfter of [800, 1_600]) results.push(await crashRound({ durability: 'sync' }, killAfter, 2));
    report('sync, 2 processes', results);
    for (const r of results) expect(r.missing).toEqual([]);
  }, 300_000);

  it(`default options: loss stays within the default window (${label})`, async () => {
    const results: RoundResult[] = [];
    for (const killAfter of KILL_AFTER) results.push(await crashRound(undefined, killAfter));
    report('defaults', results);
    for (const r of results) expect(r.missing.length).toBeLessThanOrEqual(DEFAULT_MAX_BATCH_ROWS);
  }, 300_000);
}

/** The documented default of `audit.maxBatchRows`. */
const DEFAULT_MAX_BATCH_ROWS = 200;

describe('audit durability under kill -9 on SQLite', () => {
  const tmp = tempDir('alter-audit-crash');
  afterAll(() => tmp.remove());
  crashSuite(() => tmp.file('vault.db'), 'SQLite');
});

describeWithPostgres('audit durability under kill -9 on PostgreSQL', (db) => {
  crashSuite(() => db.urlWithSchema, 'PostgreSQL');
});
