/**
 * Four OS processes write audit rows into ONE PostgreSQL chain at once (issue #15), each through
 * its own vault and connection pool, as a scaled-out server does: two with the default 'batched'
 * durability (a small window, so many appends race) and two with 'sync' (group commit). The server
 * links every batch onto the tail under the chain's append lock (`alter_audit_link`), so however
 * the appends interleave the chain must stay one line. After every process closed its vault (which
 * flushes): every request has exactly one row (none lost, none duplicated), and verify() passes
 * over all of them. Counts and the chain only — the
 * speed is measured in bench/audit-multiprocess.mjs. Workers run the BUILT package
 * (fixtures/audit-pg-writer-worker.mjs): run `pnpm -C packages/vault build` first.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from '@jest/globals';
import { createLeakCheck } from '@alter/testing';
import { AlterVault, PostgresGrantStore } from '@alter/vault';
import pg from 'pg';
import { loopbackProvider, newKey, newToken } from './support/fixtures.js';
import { describeWithPostgres } from './support/pg.js';
import { startRecordingServer } from './support/recording-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const WORKER = path.join(here, 'fixtures', 'audit-pg-writer-worker.mjs');
const DIST_ENTRY = path.resolve(here, '..', 'dist', 'index.js');
const PROCESSES = 4;
const REQUESTS = 300;
const CONCURRENCY = 16;

interface WorkerDone {
  type: 'done';
  index: number;
  statuses: number[];
  errors: Array<{ code: string; text: string }>;
  logs: string[];
}

/** Fails (never skips) when the built package the workers import is missing; warns when it looks stale. */
function requireBuiltVault(): void {
  if (!existsSync(DIST_ENTRY)) {
    throw new Error(`The workers run the BUILT @alter/vault, but ${DIST_ENTRY} is missing. Run \`pnpm -C packages/vault build\` first.`);
  }
  const built = path.resolve(here, '..', 'dist', 'postgres-grant-store.js');
  const src = path.resolve(here, '..', 'src', 'postgres-grant-store.ts');
  if (!existsSync(built) || statSync(src).mtimeMs > statSync(built).mtimeMs)
    console.warn(
      'audit-pg-multiprocess: dist/postgres-grant-store.js is older than its source; run `pnpm -C packages/vault build` to test the current code.',
    );
}

function startWorker(config: Record<string, unknown>): { child: ChildProcess; ready: Promise<void>; done: Promise<WorkerDone> } {
  const child = fork(WORKER, [], {
    env: { ...process.env, ALTER_WORKER_CONFIG: JSON.stringify(config) },
    execArgv: [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdout?.on('data', () => {});
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  const done = new Promise<WorkerDone>((resolve, reject) => {
    child.on('message', (msg: { type: string }) => {
      if (msg.type === 'ready') onReady();
      if (msg.type === 'done') resolve(msg as WorkerDone);
    });
    child.on('exit', (code, signal) => {
      if (code !== 0) reject(new Error(`worker ${String(config.index)} exited with ${code ?? signal}: ${stderr.slice(0, 2000)}`));
    });
  });
  // A worker that dies before 'ready' must fail the test, not hang it.
  done.catch(() => onReady());
  return { child, ready, done };
}

describeWithPostgres('audit from 4 processes on one PostgreSQL chain', (db) => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill();
  });

  it(`${PROCESSES} processes × ${REQUESTS} requests ('batched' and 'sync'): every request has exactly one row and the chain verifies`, async () => {
    requireBuiltVault();
    const server = await startRecordingServer();
    const leak = createLeakCheck();
    const encryptionKey = newKey();
    const provider = loopbackProvider('acme');
    const owner = new AlterVault({
      caller: 'owner',
      providers: [provider],
      store: new PostgresGrantStore({ connectionString: db.url, schema: db.schema }),
      encryptionKey,
      logger: leak.logger,
    });
    try {
      await owner.grants.put({ user: 'alice', provider: 'acme', accessToken: leak.secret(newToken('mp-at'), 'access token'), scopes: [] });
      // Small windows: many appends per process, so they race for the lock all the time.
      const audits = [
        { maxBatchRows: 20, maxDelayMs: 5 },
        { maxBatchRows: 50 },
        { durability: 'sync' },
        { durability: 'sync', maxBatchRows: 10 },
      ];
      const workers = audits.map((audit, index) => {
        const w = startWorker({
          connectionString: db.url,
          schema: db.schema,
          encryptionKey,
          provider,
          user: 'alice',
          origin: server.origin,
          index,
          requests: REQUESTS,
          concurrency: CONCURRENCY,
          audit,
        });
        children.push(w.child);
        return w;
      });
      await Promise.all(workers.map((w) => w.ready));
      for (const w of workers) w.child.send({ type: 'go' });
      const results = await Promise.all(workers.map((w) => w.done));
      for (const r of results) {
        expect({ index: r.index, errors: r.errors, logs: r.logs }).toEqual({ index: r.index, errors: [], logs: [] });
        expect(r.statuses).toHaveLength(REQUESTS);
      }

      const rows = await (async () => {
        const c = new pg.Client({ connectionString: db.url });
        await c.connect();
        try {
          return (
            await c.query<{ caller: string; url: string; id: string }>(
              `SELECT caller, url, id FROM "${db.schema}".alter_audit ORDER BY seq`,
            )
          ).rows;
        } finally {
          await c.end();
        }
      })();
      expect(rows).toHaveLength(PROCESSES * REQUESTS);
      expect(new Set(rows.map((r) => r.id)).size).toBe(PROCESSES * REQUESTS);
      for (let index = 0; index < PROCESSES; index++) {
        const urls = rows.filter((r) => r.caller === `audit-writer-${index}`).map((r) => r.url);
        // Exactly the requests this process sent, each once.
        expect([...urls].sort()).toEqual(Array.from({ length: REQUESTS }, (_, n) => `${server.origin}/items/${index}/${n}`).sort());
      }
      // How often the chain switches from one process to another: > 3 means the appends interleaved.
      const switches = rows.filter((r, i) => i > 0 && r.caller !== rows[i - 1]!.caller).length;
      console.log(`[measure] ${PROCESSES} processes × ${REQUESTS} audit rows on one chain: ${switches} switches between processes`);
      expect(await owner.audit.verify()).toMatchObject({ ok: true, checked: PROCESSES * REQUESTS });
    } finally {
      await owner.close();
      await server.close();
    }
    leak.assertClean();
  }, 240_000);
});
