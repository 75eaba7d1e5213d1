/**
 * PostgreSQL connection faults under real traffic, in a REAL CHILD PROCESS (an uncaught exception
 * is a crash there, as in production). The child's vault reaches PostgreSQL through a loopback
 * fault proxy (test-support/pg-fault-proxy.ts) and sends requests to the @alter/testing sandbox;
 * the sandbox issues 2-second access tokens, so the child refreshes (grant lock, store writes)
 * about every second, and writes audit rows every 50 ms.
 *
 * - connections dropped for 2 s, several rounds → no crash; requests during the outage fail
 *   with ALTER_STORE within their timeoutMs; traffic recovers by itself; the grant survives.
 * - the database blackholed (accepts, never answers) → requests fail within their timeoutMs
 *   instead of hanging; traffic recovers after the blackhole ends.
 * - the child's backends terminated (pg_terminate_backend, by application_name) while it
 *   refreshes → no crash; later requests succeed.
 *
 * Workers run the BUILT package (fixtures/pg-fault-worker.mjs): run `pnpm -C packages/vault build` first.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import pg from 'pg';
import { type PgFaultProxy, startPgFaultProxy } from '../../../test-support/pg-fault-proxy.js';
import { type Harness, createHarness, pageCode } from './fixtures/connect-harness.js';
import { describeWithPostgres } from './support/pg.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const WORKER = path.join(here, 'fixtures', 'pg-fault-worker.mjs');
const DIST_ENTRY = path.resolve(here, '..', 'dist', 'index.js');
const GMAIL_READONLY = 'https://www.googleapis.com/auth/gmail.readonly';
const GMAIL_LIST = 'https://gmail.googleapis.com/gmail/v1/users/me/messages';

/** Each request's timeoutMs in the child. */
const TIMEOUT_MS = 3000;
/** Scheduling slack on a loaded 2-core machine: a request may end this much after its timeout. */
const SLACK_MS = 4000;
/** Rounds per fault; `ALTER_PG_FAULT_ROUNDS` raises them for measurements (bounded to 50). */
const ROUNDS = Math.min(50, Math.max(1, Number(process.env.ALTER_PG_FAULT_ROUNDS) || 0));
const DROP_ROUNDS = ROUNDS > 1 ? ROUNDS : 5;
const TERMINATE_ROUNDS = ROUNDS > 1 ? ROUNDS : 3;
/** Store timeouts in the child (lower than the defaults so a blackholed connection is shed sooner). */
const STORE_OPTIONS = { connectTimeoutMs: 2000, queryTimeoutMs: 4000 };

interface Outcome {
  readonly id: number;
  readonly ok: boolean;
  readonly status: number | null;
  readonly code: string | null;
  readonly message?: string;
  readonly ms: number;
  readonly startedAt: number;
  readonly endedAt: number;
}

interface Worker {
  readonly child: ChildProcess;
  readonly appName: string;
  readonly ready: Promise<void>;
  readonly outcomes: Outcome[];
  /** Requests started and not finished: id → start time. */
  readonly pending: Map<number, number>;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited(): boolean;
  stderr(): string;
  request(type: 'pause' | 'stop', answer: 'paused' | 'done', timeoutMs: number): Promise<{ logs?: string[] }>;
}

const now = () => performance.timeOrigin + performance.now();

function requireBuiltVault(): void {
  if (!existsSync(DIST_ENTRY)) {
    throw new Error(
      `The PostgreSQL fault tests run a worker on the BUILT @alter/vault, but ${DIST_ENTRY} is missing. Run \`pnpm -C packages/vault build\` first.`,
    );
  }
  const src = path.resolve(here, '..', 'src', 'postgres-grant-store.ts');
  if (statSync(src).mtimeMs > statSync(DIST_ENTRY).mtimeMs)
    console.warn('pg-faults test: dist is older than src; run `pnpm -C packages/vault build` to test the current code.');
}

/** Polls `check` every 25 ms until it returns a value, or throws after `timeoutMs` with `what`. */
async function waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined | false): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describeWithPostgres('PostgreSQL faults under traffic, in a child process', (db) => {
  let h: Harness;
  let proxy: PgFaultProxy;
  let workerConfig: Record<string, unknown>;
  const children: ChildProcess[] = [];

  function startWorker(): Worker {
    const appName = `alter-fault-${randomBytes(4).toString('hex')}`;
    const proxied = new URL(proxy.rewrite(db.url));
    proxied.searchParams.set('application_name', appName);
    const child = fork(WORKER, [], {
      env: { ...process.env, ALTER_WORKER_CONFIG: JSON.stringify({ ...workerConfig, connectionString: proxied.href }) },
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    children.push(child);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout?.on('data', () => {});
    const outcomes: Outcome[] = [];
    const pending = new Map<number, number>();
    const waiters = new Map<string, (msg: { logs?: string[] }) => void>();
    let exited = false;
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('exit', (code, signal) => {
        exited = true;
        resolve({ code, signal });
      });
    });
    const ready = new Promise<void>((resolve, reject) => {
      child.on('message', (msg: { type: string } & Partial<Outcome> & { logs?: string[] }) => {
        if (msg.type === 'ready') resolve();
        else if (msg.type === 'started') pending.set(msg.id!, msg.startedAt!);
        else if (msg.type === 'outcome') {
          pending.delete(msg.id!);
          outcomes.push(msg as Outcome);
        } else waiters.get(msg.type)?.(msg);
      });
      void exit.then(({ code, signal }) =>
        reject(new Error(`worker exited before ready (code ${code}, signal ${signal}): ${stderr.slice(0, 2000)}`)),
      );
    });
    return {
      child,
      appName,
      ready,
      outcomes,
      pending,
      exit,
      exited: () => exited,
      stderr: () => stderr,
      request(type, answer, timeoutMs) {
        return new Promise((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`worker did not answer '${type}' within ${timeoutMs} ms (requests hang?)`)),
            timeoutMs,
          );
          let answered = false;
          waiters.set(answer, (msg) => {
            answered = true;
            clearTimeout(timer);
            resolve(msg);
          });
          void exit.then(async ({ code, signal }) => {
            if (answered) return;
            // 'exit' can overtake the last IPC message of a clean exit: give it a moment to land.
            if (code === 0) await new Promise((r) => setTimeout(r, 2000));
            if (answered) return;
            clearTimeout(timer);
            reject(
              new Error(
                `worker ${code === 0 ? 'exited' : 'crashed'} (code ${code}, signal ${signal}) while waiting for '${answer}': ${stderr.slice(0, 2000)}`,
              ),
            );
          });
          child.send({ type });
        });
      },
    };
  }

  /** Waits for a successful request that started after `since`; returns its end time. */
  function recoveredAt(w: Worker, since: number, timeoutMs: number): Promise<number> {
    return waitFor(`a successful request after ${new Date(since).toISOString()}`, timeoutMs, () => {
      if (w.exited()) throw new Error(`worker crashed: ${w.stderr().slice(0, 2000)}`);
      return w.outcomes.find((o) => o.ok && o.startedAt >= since)?.endedAt;
    });
  }

  /** The grant is still active and the parent (direct connection) can use it. */
  async function expectGrantIntact(): Promise<void> {
    const [grant] = await h.vault.store.listGrants({ user: 'alice', provider: 'google', includeRevoked: true });
    expect(grant?.status).toBe('active');
    expect((await h.vault.request('google', 'GET', GMAIL_LIST, { user: 'alice' })).status).toBe(200);
    // Written now: the schema is dropped (by describeWithPostgres) before this file's afterAll runs.
    await h.vault.audit.flush();
  }

  async function stopWorker(w: Worker): Promise<string[]> {
    const { logs = [] } = await w.request('stop', 'done', 30_000);
    await w.exit;
    for (const [i, line] of logs.entries()) h.leak.inspect(line, `worker log line ${i}`);
    h.leak.inspect(w.stderr(), 'worker stderr');
    return logs;
  }

  beforeAll(async () => {
    requireBuiltVault();
    h = await createHarness({ providers: ['google'], store: db.urlWithSchema, sandbox: { accessTokenTtlSec: 2 } });
    const s = await h.vault.connect.createSession({ user: 'alice', providers: { google: [GMAIL_READONLY] } });
    expect(pageCode((await h.sandbox.approve(s.url, { login: 'alice' })).body)).toBe('complete');
    await h.collectTokens();
    const target = new URL(db.url);
    proxy = await startPgFaultProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const provider = h.vault.provider('google');
    workerConfig = {
      schema: db.schema,
      storeOptions: STORE_OPTIONS,
      encryptionKey: h.encryptionKey,
      provider: { ...provider, clientSecret: provider.clientSecret },
      providerId: 'google',
      user: 'alice',
      url: GMAIL_LIST,
      timeoutMs: TIMEOUT_MS,
    };
  }, 60_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await proxy?.close();
    // describeWithPostgres' afterAll (declared first, so run first) already dropped the schema:
    // after a failed test, flushing leftover audit rows fails; the sandbox must still stop.
    await h?.close().catch((err: unknown) => console.warn(`pg-faults: closing the harness: ${String(err)}`));
    await h?.sandbox.close().catch(() => {});
  });

  it(
    `connections dropped for 2 s mid-traffic (${DROP_ROUNDS} rounds): no crash, failures are ALTER_STORE within timeoutMs, traffic recovers, grant kept`,
    async () => {
      let crashes = 0;
      const recoveries: number[] = [];
      const failures: Outcome[] = [];
      const late: Outcome[] = [];
      const crashText: string[] = [];
      let logs: string[] = [];
      let w = startWorker();
      await w.ready;
      w.child.send({ type: 'traffic', concurrency: 4 });
      for (let round = 1; round <= DROP_ROUNDS; round += 1) {
        const flowingSince = now();
        await recoveredAt(w, flowingSince, 30_000);
        const dropAt = now();
        await proxy.dropFor(2000);
        const resumeAt = now();
        try {
          recoveries.push((await recoveredAt(w, resumeAt, 30_000)) - resumeAt);
        } catch (err) {
          if (!w.exited()) throw err;
        }
        if (w.exited()) {
          // Count the crash and carry on with a fresh worker, so the report says "k of N rounds".
          crashes += 1;
          crashText.push(w.stderr().slice(0, 600));
          w = startWorker();
          await w.ready;
          w.child.send({ type: 'traffic', concurrency: 4 });
          continue;
        }
        for (const o of w.outcomes) {
          if (o.startedAt < dropAt || o.startedAt > resumeAt || o.ok) continue;
          failures.push(o);
          if (o.ms > TIMEOUT_MS + SLACK_MS) late.push(o);
        }
      }
      await w.request('pause', 'paused', TIMEOUT_MS + 30_000);
      logs = await stopWorker(w);
      const codes = [...new Set(failures.map((o) => o.code))];
      console.log(
        `[measure] pg drop 2 s × ${DROP_ROUNDS} rounds: ${crashes} crash(es); ${failures.length} failed requests during outages (codes ${codes.join(', ') || 'none'}, ` +
          `slowest ${Math.max(0, ...failures.map((o) => o.ms)).toFixed(0)} ms, timeoutMs ${TIMEOUT_MS}); recovery after resume: ${recoveries.map((r) => `${r.toFixed(0)} ms`).join(', ')}`,
      );
      expect({ crashes, crashText }).toEqual({ crashes: 0, crashText: [] });
      expect(codes.filter((c) => c !== 'ALTER_STORE')).toEqual([]);
      expect(late).toEqual([]);
      expect(recoveries).toHaveLength(DROP_ROUNDS);
      // Idle connections that died are reported through the vault logger, never silently.
      expect(logs.some((l) => l.includes('"level":"warn"') && l.includes('PostgreSQL'))).toBe(true);
      await expectGrantIntact();
      h.leak.assertClean();
    },
    60_000 + DROP_ROUNDS * 40_000,
  );

  it('a blackholed database: requests fail within timeoutMs (no hang), then recover when it answers again', async () => {
    const w = startWorker();
    await w.ready;
    w.child.send({ type: 'traffic', concurrency: 4 });
    await recoveredAt(w, now(), 30_000);
    const holeAt = now();
    proxy.blackhole();
    let hung: Array<{ id: number; pendingMs: number }> = [];
    try {
      // Hold the blackhole long enough that every request started in it has had timeoutMs (+ slack) to fail.
      const until = performance.now() + 2 * (TIMEOUT_MS + SLACK_MS);
      while (performance.now() < until && !w.exited()) {
        const t = now();
        hung = [...w.pending]
          .filter(([, startedAt]) => startedAt >= holeAt && t - startedAt > TIMEOUT_MS + SLACK_MS)
          .map(([id, s]) => ({ id, pendingMs: Math.round(t - s) }));
        if (hung.length > 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      proxy.resume();
    }
    const resumeAt = now();
    expect(w.exited() ? w.stderr() : '').toBe('');
    expect(hung).toEqual([]);
    const inHole = w.outcomes.filter((o) => o.startedAt >= holeAt && o.startedAt < resumeAt);
    const failed = inHole.filter((o) => !o.ok);
    expect(failed.length).toBeGreaterThan(0);
    expect([...new Set(failed.map((o) => o.code))]).toEqual(['ALTER_STORE']);
    expect(failed.filter((o) => o.ms > TIMEOUT_MS + SLACK_MS)).toEqual([]);
    const recovery = (await recoveredAt(w, resumeAt, 60_000)) - resumeAt;
    console.log(
      `[measure] pg blackhole: ${failed.length} requests failed while blackholed, ALTER_STORE after ${Math.min(...failed.map((o) => o.ms)).toFixed(0)}–${Math.max(...failed.map((o) => o.ms)).toFixed(0)} ms ` +
        `(timeoutMs ${TIMEOUT_MS}); first success ${recovery.toFixed(0)} ms after the blackhole ended; 0 crashes`,
    );
    await w.request('pause', 'paused', TIMEOUT_MS + 30_000);
    await stopWorker(w);
    await expectGrantIntact();
    h.leak.assertClean();
  }, 120_000);

  it(
    `backends terminated (pg_terminate_backend) during a refresh (${TERMINATE_ROUNDS} rounds): no crash, later requests succeed`,
    async () => {
      let crashes = 0;
      const crashText: string[] = [];
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      let w = startWorker();
      try {
        await w.ready;
        // Slow refreshes: the child holds the refresh lease for ~1.5 s on each one (no transaction is
        // open during the provider call any more; see refresh-lease.test.ts).
        h.sandbox.faults.latency(1500, 'token');
        w.child.send({ type: 'traffic', concurrency: 2 });
        for (let round = 1; round <= TERMINATE_ROUNDS; round += 1) {
          await recoveredAt(w, now(), 30_000).catch((err: unknown) => {
            if (!w.exited()) throw err;
          });
          if (!w.exited()) {
            const appName = w.appName;
            // Wait (bounded) until the child holds a live refresh lease (a refresh is in flight), then
            // terminate every backend of the child — never any other process's.
            const deadline = performance.now() + 10_000;
            while (performance.now() < deadline) {
              const r = await admin.query(
                `SELECT count(*)::int AS n FROM "${db.schema}".alter_grant_leases WHERE expires_at > clock_timestamp()`,
              );
              if ((r.rows[0] as { n: number }).n > 0) break;
              await new Promise((res) => setTimeout(res, 20));
            }
            await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [appName]);
            const terminatedAt = now();
            await recoveredAt(w, terminatedAt, 30_000).catch((err: unknown) => {
              if (!w.exited()) throw err;
            });
          }
          if (w.exited()) {
            crashes += 1;
            crashText.push(w.stderr().slice(0, 600));
            w = startWorker();
            await w.ready;
            w.child.send({ type: 'traffic', concurrency: 2 });
          }
        }
        h.sandbox.faults.latency(0, 'token');
        await w.request('pause', 'paused', TIMEOUT_MS + 30_000);
        const failedCodes = [...new Set(w.outcomes.filter((o) => !o.ok).map((o) => o.code))];
        console.log(
          `[measure] pg_terminate_backend during refresh × ${TERMINATE_ROUNDS} rounds: ${crashes} crash(es); failed request codes: ${failedCodes.join(', ') || 'none'}`,
        );
        expect({ crashes, crashText }).toEqual({ crashes: 0, crashText: [] });
        expect(failedCodes.filter((c) => c !== 'ALTER_STORE')).toEqual([]);
        await stopWorker(w);
        await expectGrantIntact();
        h.leak.assertClean();
      } finally {
        h.sandbox.faults.latency(0, 'token');
        await admin.end();
      }
    },
    60_000 + TERMINATE_ROUNDS * 40_000,
  );
});
