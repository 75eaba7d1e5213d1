/**
 * PostgresGrantStore under connection faults, in process, through the loopback fault proxy
 * (test-support/pg-fault-proxy.ts): a connection lost inside a transaction fails that call with
 * StoreUnavailableError and the pool recovers by itself; a blackholed database fails calls after
 * queryTimeoutMs / connectTimeoutMs and the stuck connection is destroyed, not pooled; idle
 * failures are logged through the given logger without the password; options are validated.
 * The crash-in-a-child-process versions of these faults are in pg-faults.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { AlterVault, type Logger, PostgresGrantStore, StoreError, StoreUnavailableError, providers } from '@alter/vault';
import pg from 'pg';
import { type PgFaultProxy, startPgFaultProxy } from '../../../test-support/pg-fault-proxy.js';
import { describeWithPostgres } from './support/pg.js';

const grant = {
  user: 'alice',
  provider: 'github',
  account: '',
  accessToken: 'v2.sealed-a',
  refreshToken: null,
  expiresAt: null,
  scopes: ['repo'],
};

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (message: string, fields?: Readonly<Record<string, unknown>>) => {
    lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  };
  return { lines, debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

async function waitUntil(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describeWithPostgres('PostgresGrantStore connection faults', (db) => {
  let proxy: PgFaultProxy;
  let n = 0;
  const stores: PostgresGrantStore[] = [];
  /** A store through the proxy, in a schema of its own, with short timeouts. */
  const storeFor = (options: Partial<ConstructorParameters<typeof PostgresGrantStore>[0]> = {}): PostgresGrantStore => {
    const s = new PostgresGrantStore({
      connectionString: proxy.rewrite(db.url),
      schema: `${db.schema}_${++n}`,
      connectTimeoutMs: 1000,
      queryTimeoutMs: 1000,
      logger: recordingLogger(),
      ...options,
    });
    stores.push(s);
    return s;
  };

  beforeAll(async () => {
    const target = new URL(db.url);
    proxy = await startPgFaultProxy({ host: target.hostname, port: Number(target.port || 5432) });
  });
  afterAll(async () => {
    proxy.resume();
    for (const s of stores) await s.close().catch(() => {});
    await proxy.close();
  });

  it('a connection lost inside a transaction fails that call with StoreUnavailableError; the pool recovers by itself', async () => {
    const store = storeFor();
    await store.open();
    const g = await store.putGrant(grant);
    // resealAll runs in one transaction (refresh no longer holds one: it uses the lease); its
    // callback runs between the SELECT and the UPDATEs, so the connection dies mid-transaction.
    let dropped = false;
    const err = await store
      .resealAll((sealed) => {
        if (!dropped) {
          dropped = true;
          proxy.drop();
        }
        return `${sealed}-resealed`;
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    proxy.resume();
    expect(dropped).toBe(true);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(err).toMatchObject({ code: 'ALTER_STORE', reason: 'connection-lost', retryable: true });
    expect((err as Error).message).toMatch(/was lost during a transaction .*Retry/);
    // Nothing was committed, and the next calls work on fresh connections.
    expect(await store.getGrant(g.id)).toMatchObject({ status: 'active', version: g.version, accessToken: grant.accessToken });
    await expect(store.updateGrant(g.id, { scopes: ['repo', 'user'] })).resolves.toMatchObject({ scopes: ['repo', 'user'] });
  });

  it('a blackholed database fails a query after queryTimeoutMs and destroys that connection instead of pooling it', async () => {
    const store = storeFor({ max: 1 });
    await store.open();
    const g = await store.putGrant(grant);
    const before = proxy.openConnections;
    proxy.blackhole();
    let err: unknown;
    const started = performance.now();
    try {
      err = await store.getGrant(g.id).then(
        () => undefined,
        (e: unknown) => e,
      );
    } finally {
      proxy.resume();
    }
    const ms = performance.now() - started;
    expect(err).toMatchObject({ code: 'ALTER_STORE', reason: 'timeout' });
    expect((err as Error).message).toMatch(/did not answer within 1000 ms.*queryTimeoutMs/);
    expect(ms).toBeGreaterThanOrEqual(900);
    // The one pooled connection was destroyed (max: 1, so the next call needs a new one).
    await waitUntil('the blackholed connection to close', 10_000, () => proxy.openConnections < before);
    await expect(store.getGrant(g.id)).resolves.toMatchObject({ id: g.id });
  });

  it('no connection can be made within connectTimeoutMs → StoreUnavailableError (connect), and opening works once the database answers', async () => {
    const store = storeFor();
    proxy.blackhole();
    let err: unknown;
    try {
      err = await store.open().then(
        () => undefined,
        (e: unknown) => e,
      );
    } finally {
      proxy.resume();
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toMatch(/Cannot open the PostgreSQL vault/);
    expect((err as Error).cause).toMatchObject({ reason: 'connect' });
    await store.open();
    await expect(store.listGrants()).resolves.toEqual([]);
  });

  it('idle connections that die are logged through the logger, with the password redacted', async () => {
    const logger = recordingLogger();
    const password = `pw-${randomBytes(6).toString('hex')}`;
    const withPassword = new URL(proxy.rewrite(db.url));
    withPassword.password = password; // trust auth ignores it; it must still never be printed
    const store = storeFor({ connectionString: withPassword.href, logger });
    await store.open();
    await store.putGrant(grant);
    proxy.drop();
    proxy.resume();
    await waitUntil('a warning about the idle connection', 10_000, () => logger.lines.some((l) => l.startsWith('warn ')));
    const text = logger.lines.join('\n');
    expect(text).toContain('idle vault connection failed');
    expect(text).not.toContain(password);
    await expect(store.listGrants()).resolves.toHaveLength(1);
  });

  it('sets application_name (default alter-vault, or the option) so operators can find the sessions', async () => {
    const name = `alter-test-${randomBytes(4).toString('hex')}`;
    const store = storeFor({ applicationName: name });
    await store.open();
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      const r = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [name]);
      expect(r.rows[0]!.n).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
  });

  it('vault.request waits on a blackholed store no longer than its timeoutMs, even with much longer store timeouts', async () => {
    const store = storeFor({ connectTimeoutMs: 60_000, queryTimeoutMs: 60_000 });
    const vault = new AlterVault({
      caller: 'fault-test',
      store,
      encryptionKey: randomBytes(32).toString('base64'),
      providers: [providers.github({ clientId: 'Iv1.fault', clientSecret: 'fault-secret' })],
      logger: recordingLogger(),
    });
    try {
      await vault.grants.put({ user: 'alice', provider: 'github', accessToken: 'gho_fault', scopes: ['repo'] });
      proxy.blackhole();
      let err: unknown;
      const started = performance.now();
      try {
        // Nothing reaches GitHub: the grant read is what waits (and fails) here.
        err = await vault.request('github', 'GET', 'https://api.github.com/user', { user: 'alice', timeoutMs: 1000 }).then(
          () => undefined,
          (e: unknown) => e,
        );
      } finally {
        proxy.resume();
      }
      const ms = performance.now() - started;
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect(err).toMatchObject({ code: 'ALTER_STORE', reason: 'timeout', message: expect.stringContaining('within timeoutMs (1000 ms)') });
      expect(ms).toBeGreaterThanOrEqual(900);
      expect(ms).toBeLessThan(30_000); // far below the store's own 60 s timeouts
    } finally {
      await vault.close();
    }
  });

  it('refuses bad timeout options by name', () => {
    const url = db.url;
    expect(() => new PostgresGrantStore({ connectionString: url, queryTimeoutMs: 0 })).toThrow(/options\.queryTimeoutMs/);
    expect(() => new PostgresGrantStore({ connectionString: url, connectTimeoutMs: -1 })).toThrow(/options\.connectTimeoutMs/);
    expect(() => new PostgresGrantStore({ connectionString: url, keepAliveInitialDelayMs: Number.NaN })).toThrow(
      /options\.keepAliveInitialDelayMs/,
    );
    expect(() => new PostgresGrantStore({ connectionString: url, applicationName: '' })).toThrow(/options\.applicationName/);
  });
});
