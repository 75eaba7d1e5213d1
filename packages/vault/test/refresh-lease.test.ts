/**
 * The refresh lease under crashes, on a real SQLite file and real PostgreSQL (own schema):
 *
 * - `kill -9` of a child process in the middle of a refresh — BEFORE the provider rotated the
 *   refresh token (the sandbox's token endpoint is delayed) and AFTER it (the child's store
 *   wrapper stalls the write that saves the new tokens) — then the next process: the dead child's
 *   lease lapses and the next process proceeds; the grant works, or (after rotation, inside the
 *   documented window) is reported as GrantNotFoundError{revoked} — never silently broken.
 * - The window between receiving rotated tokens and their commit, measured over N refreshes.
 * - PostgreSQL: no transaction is open ('idle in transaction') while the token endpoint is called,
 *   and a database blip (every backend of the app terminated) during that call loses nothing.
 *
 * Children run the BUILT package (fixtures/refresh-crash-worker.mjs): `pnpm -C packages/vault build`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { AlterVault, GrantNotFoundError, type LogFields, type Logger } from '@alter/vault';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type Harness, createHarness, pageCode } from './fixtures/connect-harness.js';
import { describeWithPostgres } from './support/pg.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const WORKER = path.join(here, 'fixtures', 'refresh-crash-worker.mjs');
const DIST_ENTRY = path.resolve(here, '..', 'dist', 'index.js');
const GMAIL_READONLY = 'https://www.googleapis.com/auth/gmail.readonly';
const GMAIL_LIST = 'https://gmail.googleapis.com/gmail/v1/users/me/messages';
/** Token endpoint timeout of the crashing child and the restarted vault; the lease outlives it. */
const TIMEOUT_MS = 3_000;
const LEASE_TTL_MS = 4_000;
const WINDOW_REFRESHES = 30;

type Kind = 'sqlite' | 'postgres';

interface Captured {
  readonly message: string;
  readonly fields: LogFields | undefined;
}

/** leak.logger plus a copy of every line (for the measurements). */
function capturing(inner: Logger, into: Captured[], onLine?: (line: Captured) => void): Logger {
  const at =
    (level: keyof Logger) =>
    (message: string, fields?: LogFields): void => {
      inner[level](message, fields);
      const line = { message, fields };
      into.push(line);
      onLine?.(line);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function requireBuiltVault(): void {
  if (!existsSync(DIST_ENTRY)) {
    throw new Error(
      `The crash tests run children on the BUILT @alter/vault, but ${DIST_ENTRY} is missing. Run \`pnpm -C packages/vault build\` first.`,
    );
  }
}

/** Whether a live (unexpired) lease row exists for the grant, read straight from the database. */
async function liveLease(kind: Kind, store: string, schema: string | undefined, grantId: string): Promise<boolean> {
  if (kind === 'sqlite') {
    const db = new Database(store, { readonly: true, fileMustExist: true });
    try {
      const row = db.prepare('SELECT expires_at FROM alter_grant_leases WHERE grant_id = ?').get(grantId) as
        | { expires_at: number }
        | undefined;
      return row !== undefined && row.expires_at > Date.now();
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: store.replace(/[?&]schema=[^&]*/, '') });
  await client.connect();
  try {
    const res = await client.query(`SELECT 1 FROM "${schema}".alter_grant_leases WHERE grant_id = $1 AND expires_at > clock_timestamp()`, [
      grantId,
    ]);
    return res.rowCount === 1;
  } finally {
    await client.end();
  }
}

async function until(what: string, check: () => Promise<boolean> | boolean, tries = 600, everyMs = 25): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Connects alice, then expires her grant everywhere with rotating refresh tokens on. */
async function expiredGrant(h: Harness): Promise<string> {
  const s = await h.vault.connect.createSession({ user: 'alice', providers: { google: [GMAIL_READONLY] } });
  expect(pageCode((await h.sandbox.approve(s.url, { login: 'alice' })).body)).toBe('complete');
  const [grant] = await h.vault.store.listGrants({ user: 'alice', provider: 'google' });
  h.sandbox.faults.rotateRefreshTokens(true);
  h.sandbox.faults.expireAccessTokens();
  await h.vault.store.updateGrant(grant!.id, { expiresAt: new Date(Date.now() - 60_000) });
  h.sandbox.stats.reset();
  return grant!.id;
}

interface Crashing {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly stalled: Promise<void>;
  readonly exited: Promise<NodeJS.Signals | null>;
}

function startCrashWorker(h: Harness, kind: Kind, store: string, stallPersist: boolean): Crashing {
  const provider = h.vault.provider('google');
  const config = {
    kind,
    store,
    encryptionKey: h.encryptionKey,
    provider: { ...provider, clientSecret: provider.clientSecret },
    providerId: 'google',
    user: 'alice',
    url: GMAIL_LIST,
    timeoutMs: TIMEOUT_MS,
    leaseTtlMs: LEASE_TTL_MS,
    stallPersist,
  };
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
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const message = (type: string) =>
    new Promise<void>((resolve, reject) => {
      child.on('message', (msg: { type?: string }) => {
        if (msg?.type === type) resolve();
      });
      child.on('exit', (code, signal) =>
        reject(new Error(`crash worker exited (${code ?? signal}) before '${type}': ${stderr.slice(0, 2000)}`)),
      );
    });
  const ready = message('ready');
  const stalled = message('stalled');
  stalled.catch(() => {});
  return { child, ready, stalled, exited };
}

/** The "next process": a fresh vault on the same store, with the same timeouts as the child. */
function restartedVault(h: Harness, store: string, lines: Captured[]): AlterVault {
  return new AlterVault({
    caller: 'restarted',
    store,
    encryptionKey: h.encryptionKey,
    providers: [h.vault.provider('google')],
    http: { timeoutMs: TIMEOUT_MS },
    refresh: { leaseTtlMs: LEASE_TTL_MS },
    logger: capturing(h.leak.logger, lines),
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The crash and window tests on one backend. `storeFor(name)` gives a fresh store, or undefined for the harness's SQLite file. */
function crashSuite(kind: Kind, storeFor: (name: string) => { store: string; schema?: string } | undefined): void {
  async function withHarness(name: string, fn: (h: Harness, store: string, schema: string | undefined) => Promise<void>): Promise<void> {
    requireBuiltVault();
    const target = storeFor(name);
    const h = await createHarness({ providers: ['google'], ...(target ? { store: target.store } : {}) });
    try {
      await fn(h, target?.store ?? h.dbFile, target?.schema);
      await h.collectTokens();
      await h.vault.audit.flush();
      for (const row of await h.vault.audit.query({ limit: 1000 })) h.leak.inspect(row, 'audit row');
      h.leak.assertClean();
    } finally {
      await h.close();
    }
  }

  it('kill -9 while the token endpoint has not answered (before rotation): the lease lapses, the next process refreshes, the grant works', async () => {
    await withHarness('before', async (h, store, schema) => {
      const grantId = await expiredGrant(h);
      // The token endpoint holds the child's refresh; the child is killed before any answer.
      h.sandbox.faults.latency(2_000, 'token');
      const w = startCrashWorker(h, kind, store, false);
      await w.ready;
      w.child.send({ type: 'go' });
      await until('the child to take the refresh lease', () => liveLease(kind, store, schema, grantId));
      w.child.kill('SIGKILL');
      expect(await w.exited).toBe('SIGKILL');
      const killedAt = performance.now();
      h.sandbox.faults.latency(0, 'token');

      const lines: Captured[] = [];
      const next = restartedVault(h, store, lines);
      try {
        // Its own timeout is generous: this request waits for the dead child's lease to lapse.
        const res = await next.request('google', 'GET', GMAIL_LIST, { user: 'alice', timeoutMs: 30_000 });
        const takeoverMs = performance.now() - killedAt;
        expect(res.status).toBe(200);
        const waited = lines.find((l) => l.message === 'refresh lease taken after waiting');
        expect(waited).toBeDefined();
        expect(h.sandbox.stats.tokenRequests.errors.invalid_grant ?? 0).toBe(0);
        expect(h.sandbox.stats.tokenRequests.refresh_token).toBe(1);
        const [after] = await next.store.listGrants({ user: 'alice', provider: 'google', includeRevoked: true });
        expect(after!.status).toBe('active');
        console.log(
          `[measure] crash before rotation (${kind}): lease TTL ${LEASE_TTL_MS} ms; next process waited ${String(waited!.fields?.waitedMs)} ms for the lease; kill → 200 in ${takeoverMs.toFixed(0)} ms`,
        );
      } finally {
        await next.close();
      }
    });
  }, 90_000);

  it('kill -9 after the provider rotated, before the new tokens were saved (the window): the next process gets GrantNotFoundError{revoked}, never a broken grant', async () => {
    await withHarness('after', async (h, store) => {
      await expiredGrant(h);
      const w = startCrashWorker(h, kind, store, true);
      await w.ready;
      w.child.send({ type: 'go' });
      await w.stalled; // the child holds the rotated tokens and is stalled in the write that saves them
      w.child.kill('SIGKILL');
      expect(await w.exited).toBe('SIGKILL');
      const killedAt = performance.now();
      expect(h.sandbox.stats.tokenRequests.refresh_token).toBe(1); // the provider did rotate

      const lines: Captured[] = [];
      const next = restartedVault(h, store, lines);
      try {
        const first = await next.request('google', 'GET', GMAIL_LIST, { user: 'alice', timeoutMs: 30_000 }).then(
          () => undefined,
          (err: unknown) => err,
        );
        const reportedMs = performance.now() - killedAt;
        expect(first).toBeInstanceOf(GrantNotFoundError);
        expect(first).toMatchObject({ code: 'ALTER_GRANT_REVOKED', revoked: true, user: 'alice', provider: 'google' });
        expect(lines.some((l) => l.message === 'refresh lease taken after waiting')).toBe(true);
        // The old refresh token was spent by the dead child: the provider says invalid_grant once…
        expect(h.sandbox.stats.tokenRequests.errors.invalid_grant).toBe(1);
        const [after] = await next.store.listGrants({ user: 'alice', provider: 'google', includeRevoked: true });
        expect(after!.status).toBe('revoked');
        // …and from then on the grant reads as revoked (a Connect link fixes it), with no more refreshes.
        await expect(next.request('google', 'GET', GMAIL_LIST, { user: 'alice' })).rejects.toMatchObject({
          code: 'ALTER_GRANT_REVOKED',
          revoked: true,
        });
        expect(h.sandbox.stats.tokenRequests.refresh_token).toBe(2);
        console.log(
          `[measure] crash inside the window (${kind}): kill → ALTER_GRANT_REVOKED in ${reportedMs.toFixed(0)} ms (lease TTL ${LEASE_TTL_MS} ms)`,
        );
      } finally {
        await next.close();
      }
    });
  }, 90_000);

  it(`measures the window between receiving rotated tokens and their commit over ${WINDOW_REFRESHES} refreshes`, async () => {
    await withHarness('window', async (h, store) => {
      await expiredGrant(h);
      const lines: Captured[] = [];
      const v = restartedVault(h, store, lines);
      try {
        for (let i = 0; i < WINDOW_REFRESHES; i++) {
          h.sandbox.faults.expireAccessTokens(); // the API answers 401 → one forced refresh
          expect((await v.request('google', 'GET', GMAIL_LIST, { user: 'alice' })).status).toBe(200);
        }
      } finally {
        await v.close();
      }
      const windows = lines.filter((l) => l.message === 'refreshed tokens persisted').map((l) => Number(l.fields?.windowMs));
      expect(windows).toHaveLength(WINDOW_REFRESHES); // the first is the proactive refresh of the expired grant, the rest 401-driven
      expect(windows.every((w) => Number.isFinite(w) && w >= 0)).toBe(true);
      expect(h.sandbox.stats.tokenRequests.errors.invalid_grant ?? 0).toBe(0);
      console.log(
        `[measure] received→committed window (${kind}, ${windows.length} refreshes, idle store): median ${median(windows).toFixed(2)} ms, max ${Math.max(...windows).toFixed(2)} ms`,
      );
    });
  }, 120_000);
}

describe('refresh lease and crashes: SQLite file', () => {
  crashSuite('sqlite', () => undefined);
});

describeWithPostgres('refresh lease and crashes: PostgreSQL', (db) => {
  crashSuite('postgres', (name) => ({ store: `${db.urlWithSchema}_${name}`, schema: `${db.schema}_${name}` }));

  it('keeps no transaction open while the token endpoint is called', async () => {
    requireBuiltVault();
    const app = `alter_lease_${randomBytes(4).toString('hex')}`;
    const store = `${db.url}${db.url.includes('?') ? '&' : '?'}schema=${db.schema}_notx&application_name=${app}`;
    const h = await createHarness({ providers: ['google'], store });
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await expiredGrant(h);
      h.sandbox.faults.latency(1_500, 'token');
      let calling!: () => void;
      const tokenCallStarted = new Promise<void>((resolve) => {
        calling = resolve;
      });
      const lines: Captured[] = [];
      const v = new AlterVault({
        caller: 'no-tx',
        store,
        encryptionKey: h.encryptionKey,
        providers: [h.vault.provider('google')],
        logger: capturing(h.leak.logger, lines, (l) => {
          if (l.message === 'refreshing access token') calling();
        }),
      });
      try {
        await v.ready();
        const pending = v.request('google', 'GET', GMAIL_LIST, { user: 'alice' });
        await tokenCallStarted;
        // Sample while the sandbox holds the token request (1.5 s): no backend of this app may sit in a transaction.
        const inTransaction: string[] = [];
        for (let i = 0; i < 8; i++) {
          const res = await admin.query<{ state: string }>(
            `SELECT state FROM pg_stat_activity WHERE application_name = $1 AND (state LIKE 'idle in transaction%' OR xact_start IS NOT NULL) AND pid <> pg_backend_pid()`,
            [app],
          );
          inTransaction.push(...res.rows.map((r) => r.state));
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(h.sandbox.stats.tokenRequests.refresh_token).toBe(0); // still inside the delayed call
        expect(inTransaction).toEqual([]);
        expect((await pending).status).toBe(200);
        expect(h.sandbox.stats.tokenRequests.refresh_token).toBe(1);
      } finally {
        await v.close();
      }
      await h.collectTokens();
      h.leak.assertClean();
    } finally {
      await admin.end();
      await h.close();
    }
  }, 60_000);

  it('a database blip while the token endpoint is called does not throw away the rotated tokens', async () => {
    requireBuiltVault();
    const app = `alter_blip_${randomBytes(4).toString('hex')}`;
    const store = `${db.url}${db.url.includes('?') ? '&' : '?'}schema=${db.schema}_blip&application_name=${app}`;
    const h = await createHarness({ providers: ['google'], store });
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await expiredGrant(h);
      h.sandbox.faults.latency(1_000, 'token');
      let calling!: () => void;
      const tokenCallStarted = new Promise<void>((resolve) => {
        calling = resolve;
      });
      const lines: Captured[] = [];
      const v = new AlterVault({
        caller: 'blip',
        store,
        encryptionKey: h.encryptionKey,
        providers: [h.vault.provider('google')],
        logger: capturing(h.leak.logger, lines, (l) => {
          if (l.message === 'refreshing access token') calling();
        }),
      });
      try {
        await v.ready();
        const pending = v.request('google', 'GET', GMAIL_LIST, { user: 'alice' });
        await tokenCallStarted;
        // The blip: every connection this app has to PostgreSQL is cut while the provider rotates.
        const killed = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [app]);
        expect(killed.rowCount).toBeGreaterThan(0);
        expect((await pending).status).toBe(200);
        expect(h.sandbox.stats.tokenRequests.refresh_token).toBe(1);
        // The rotated refresh token was saved: the next refresh uses it and the provider accepts it.
        h.sandbox.faults.latency(0, 'token');
        h.sandbox.faults.expireAccessTokens();
        expect((await v.request('google', 'GET', GMAIL_LIST, { user: 'alice' })).status).toBe(200);
        expect(h.sandbox.stats.tokenRequests.refresh_token).toBe(2);
        expect(h.sandbox.stats.tokenRequests.errors.invalid_grant ?? 0).toBe(0);
        const [after] = await v.store.listGrants({ user: 'alice', provider: 'google', includeRevoked: true });
        expect(after!.status).toBe('active');
      } finally {
        await v.close();
      }
      await h.collectTokens();
      h.leak.assertClean();
    } finally {
      await admin.end();
      await h.close();
    }
  }, 60_000);
});
