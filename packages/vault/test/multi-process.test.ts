/**
 * Four OS processes share one vault — a SQLite file in a temp dir, and PostgreSQL (own schema) —
 * and one expired grant; each sends 200 concurrent requests while the provider rotates refresh
 * tokens on every use. The refresh lease (GrantLock) and the re-read after taking it must make
 * exactly ONE refresh per round: a second refresh would spend the rotated-away refresh token, get
 * invalid_grant and (oidc-provider treats reuse as theft) revoke the grant. Before the lease, the
 * SQLite lock was per process and this lost the grant in most rounds. Workers run the BUILT
 * package (fixtures/multi-process-worker.mjs). `ALTER_MP_ROUNDS` sets the rounds (default 2).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AlterVault } from '@alter/vault';
import { type Harness, createHarness, pageCode } from './fixtures/connect-harness.js';
import { describeWithPostgres } from './support/pg.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const WORKER = path.join(here, 'fixtures', 'multi-process-worker.mjs');
const DIST_ENTRY = path.resolve(here, '..', 'dist', 'index.js');
const GMAIL_READONLY = 'https://www.googleapis.com/auth/gmail.readonly';
const GMAIL_LIST = 'https://gmail.googleapis.com/gmail/v1/users/me/messages';
const PROCESSES = 4;
const CONCURRENCY = 200;
const ROUNDS = Math.max(1, Number(process.env.ALTER_MP_ROUNDS ?? 2) || 2);

interface WorkerDone {
  type: 'done';
  index: number;
  ms: number;
  statuses: Array<number | null>;
  errors: Array<{ code: string; text: string }>;
  logs: string[];
  inspectVault: string;
}

/** Fails (never skips) when the built package the workers import is missing. */
function requireBuiltVault(): void {
  if (!existsSync(DIST_ENTRY)) {
    throw new Error(
      `The multi-process test runs workers on the BUILT @alter/vault, but ${path.relative(process.cwd(), DIST_ENTRY)} is missing. Run \`pnpm build\` (or \`pnpm -C packages/vault build\`) first.`,
    );
  }
  const srcDir = path.resolve(here, '..', 'src');
  const distTime = statSync(DIST_ENTRY).mtimeMs;
  const stale = [
    'alter-vault.ts',
    'token-manager.ts',
    'oauth-client.ts',
    'postgres-grant-store.ts',
    'sqlite-grant-store.ts',
    'sqlite-grant-lock.ts',
    'postgres-grant-lock.ts',
  ].filter((f) => existsSync(path.join(srcDir, f)) && statSync(path.join(srcDir, f)).mtimeMs > distTime);
  if (stale.length)
    console.warn(
      `multi-process test: dist is older than src (${stale.join(', ')}); run \`pnpm -C packages/vault build\` to test the current code.`,
    );
}

function startWorker(
  index: number,
  env: Record<string, string>,
): { child: ChildProcess; ready: Promise<{ url?: string }>; done: Promise<WorkerDone>; stderr: () => string } {
  const child = fork(WORKER, [], { env: { ...process.env, ...env }, execArgv: [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdout?.on('data', () => {});
  let onReady!: (msg: { url?: string }) => void;
  const ready = new Promise<{ url?: string }>((resolve) => {
    onReady = resolve;
  });
  const done = new Promise<WorkerDone>((resolve, reject) => {
    child.on('message', (msg: { type: string; url?: string }) => {
      if (msg.type === 'ready') onReady(msg);
      if (msg.type === 'done') resolve(msg as WorkerDone);
    });
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`worker ${index} exited with ${code}: ${stderr.slice(0, 2000)}`));
    });
  });
  // A worker that dies before 'ready' must fail the test, not hang it.
  done.catch(() => onReady({}));
  return { child, ready, done, stderr: () => stderr };
}

/** The burst test on one store: ROUNDS × (4 processes × 200 requests on an expired grant). */
function burstSuite(storeOf: () => string | undefined): { harness: () => Harness; children: ChildProcess[] } {
  let h: Harness;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    requireBuiltVault();
    const store = storeOf();
    h = await createHarness({ providers: ['google'], ...(store ? { store } : {}) });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill();
    await h?.close();
  });

  it(
    `${PROCESSES} processes × ${CONCURRENCY} concurrent requests, rotating refresh tokens → exactly 1 refresh, 0 invalid_grant, all succeed (${ROUNDS} rounds)`,
    async () => {
      const { vault, sandbox, leak } = h;
      const s = await vault.connect.createSession({ user: 'alice', providers: { google: [GMAIL_READONLY] } });
      expect(pageCode((await sandbox.approve(s.url, { login: 'alice' })).body)).toBe('complete');
      const [grant] = await vault.store.listGrants({ user: 'alice', provider: 'google' });
      sandbox.faults.rotateRefreshTokens(true);
      const provider = vault.provider('google');
      const config = {
        store: storeOf() ?? h.dbFile,
        encryptionKey: h.encryptionKey,
        provider: { ...provider, clientSecret: provider.clientSecret },
        providerId: 'google',
        user: 'alice',
        url: GMAIL_LIST,
        concurrency: CONCURRENCY,
      };
      const windows: number[] = [];

      for (let round = 1; round <= ROUNDS; round++) {
        const before = await h.collectTokens();
        // The grant is expired everywhere: at the provider, and in the store (so every process goes
        // straight to refresh — without the lease and re-read, each would spend the refresh token).
        sandbox.faults.expireAccessTokens();
        await vault.store.updateGrant(grant!.id, { expiresAt: new Date(Date.now() - 60_000) });
        sandbox.stats.reset();

        const workers = Array.from({ length: PROCESSES }, (_, index) => {
          const w = startWorker(index, { ALTER_WORKER_CONFIG: JSON.stringify({ ...config, index }) });
          children.push(w.child);
          return w;
        });
        await Promise.all(workers.map((w) => w.ready));
        const started = performance.now();
        for (const w of workers) w.child.send({ type: 'go' });
        const results = await Promise.all(workers.map((w) => w.done));
        const wallMs = performance.now() - started;

        const statuses = results.flatMap((r) => r.statuses);
        const errors = results.flatMap((r) => r.errors);
        expect(errors.map((e) => e.code)).toEqual([]);
        expect(statuses).toHaveLength(PROCESSES * CONCURRENCY);
        expect(statuses.every((st) => st === 200)).toBe(true);
        expect(sandbox.stats.tokenRequests.refresh_token).toBe(1);
        expect(sandbox.stats.tokenRequests.errors.invalid_grant ?? 0).toBe(0);
        expect(sandbox.stats.apiRequests.unauthorized).toBe(0);
        const [after] = await vault.store.listGrants({ user: 'alice', provider: 'google', includeRevoked: true });
        expect(after!.status).toBe('active');
        const now = await h.collectTokens();
        expect(now.refresh[0]).not.toBe(before.refresh[0]); // rotated, and the rotated one persisted

        for (const r of results) {
          for (const line of r.logs) {
            const parsed = JSON.parse(line) as { message: string; fields?: { windowMs?: number } };
            if (parsed.message === 'refreshed tokens persisted' && typeof parsed.fields?.windowMs === 'number')
              windows.push(parsed.fields.windowMs);
          }
        }
        console.log(
          `[measure] multi-process (${vault.store.kind}) round ${round}/${ROUNDS}: ${PROCESSES} processes × ${CONCURRENCY} requests = ${statuses.length} requests, ` +
            `${sandbox.stats.tokenRequests.refresh_token} refresh call(s), ${sandbox.stats.tokenRequests.errors.invalid_grant ?? 0} invalid_grant, ` +
            `wall ${wallMs.toFixed(0)} ms (per process: ${results.map((r) => `${r.ms.toFixed(0)} ms`).join(', ')})`,
        );

        for (const r of results) {
          for (const [i, line] of r.logs.entries()) leak.inspect(line, `worker ${r.index} log line ${i}`);
          leak.inspect(r.inspectVault, `worker ${r.index} util.inspect(vault)`);
        }
        for (const w of workers) leak.inspect(w.stderr(), 'worker stderr');
      }
      expect(windows).toHaveLength(ROUNDS);
      console.log(
        `[measure] multi-process (${vault.store.kind}): received→committed window per refresh: ${windows.map((w) => `${w.toFixed(2)} ms`).join(', ')}`,
      );
      await vault.audit.flush();
      for (const row of await vault.audit.query({ limit: 1000 })) leak.inspect(row, 'audit row');
      leak.assertClean();
    },
    60_000 + ROUNDS * 60_000,
  );

  return { harness: () => h, children };
}

describe('4 processes sharing one SQLite file refresh one expired grant once', () => {
  burstSuite(() => undefined);
});

describeWithPostgres('4 processes sharing PostgreSQL refresh one expired grant once', (pg) => {
  const { harness, children } = burstSuite(() => pg.urlWithSchema);

  it('waitFor in one process resolves when the Connect callback lands in another process', async () => {
    const h = harness();
    const { sandbox, leak } = h;
    const provider = h.vault.provider('google');
    const server = startWorker(9, {
      ALTER_WORKER_CONFIG: JSON.stringify({
        mode: 'connect-server',
        index: 9,
        store: pg.urlWithSchema,
        encryptionKey: h.encryptionKey,
        provider: { ...provider, clientSecret: provider.clientSecret },
      }),
    });
    children.push(server.child);
    const { url } = await server.ready;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    sandbox.registerRedirectUri(`${url}/connect/callback`);
    // This process creates the session (its URL points at the worker) and waits; the worker
    // handles the callback. Only PostgreSQL connects them.
    const local = new AlterVault({
      caller: 'waiter',
      store: pg.urlWithSchema,
      encryptionKey: h.encryptionKey,
      providers: [provider],
      connect: { baseUrl: url! },
      logger: leak.logger,
    });
    try {
      const s = await local.connect.createSession({ user: 'zoe', providers: { google: [GMAIL_READONLY] } });
      const waiting = local.connect.waitFor(s.id, { timeoutMs: 30_000 });
      const page = await sandbox.approve(s.url, { login: 'bob' });
      expect(pageCode(page.body)).toBe('complete');
      const result = await waiting;
      expect(result).toMatchObject({ status: 'complete', user: 'zoe', grants: [{ provider: 'google', account: 'bob' }] });
      expect((await local.request('google', 'GET', GMAIL_LIST, { user: 'zoe' })).status).toBe(200);
    } finally {
      await local.close();
    }
    server.child.send({ type: 'stop' });
    const done = await server.done;
    await h.collectTokens();
    for (const [i, line] of done.logs.entries()) leak.inspect(line, `connect worker log line ${i}`);
    leak.assertClean();
  }, 60_000);
});
