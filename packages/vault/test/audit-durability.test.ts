/**
 * `options.audit` durability on a real SQLite file, in one process (the kill -9 tests are in
 * audit-crash.test.ts): bad options are refused with the option named; `'sync'` commits a row
 * before request() returns; `'batched'` never lets more than `maxBatchRows` completed requests be
 * unwritten; a failed append in `'sync'` mode fails the request (fail closed) and the row is
 * written by the retry, keeping the chain valid.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLeakCheck } from '@alter/testing';
import { AlterVault, type AuditOptions, type Logger, SqliteGrantStore } from '@alter/vault';
import Database from 'better-sqlite3';
import { loopbackProvider, newKey, newToken, tempDir } from './support/fixtures.js';
import { type RecordingServer, startRecordingServer } from './support/recording-server.js';

let server: RecordingServer;
const tmp = tempDir('alter-audit-durability');
beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(async () => {
  await server.close();
  tmp.remove();
});

const key = newKey();
const token = newToken('durability-at');
const leak = createLeakCheck();
leak.secret(token, 'access token');
leak.secret(key, 'encryption key');
let files = 0;

/** A vault on a fresh SQLite file holding alice's grant, and a raw reader of its audit table. */
async function setup(audit: AuditOptions, busyTimeoutMs?: number) {
  const file = tmp.file(`vault-${++files}.db`);
  // Every line also goes to the leak check.
  const logs: string[] = [];
  const logger: Logger = {
    debug: (message, fields) => leak.logger.debug(message, fields),
    info: (message, fields) => leak.logger.info(message, fields),
    warn: (message, fields) => leak.logger.warn(message, fields),
    error: (message, fields) => {
      logs.push(message);
      leak.logger.error(message, fields);
    },
  };
  const vault = new AlterVault({
    caller: 'durability',
    providers: [loopbackProvider('acme')],
    store: new SqliteGrantStore({ filename: file, ...(busyTimeoutMs === undefined ? {} : { busyTimeoutMs }) }),
    encryptionKey: key,
    logger,
    audit,
  });
  await vault.grants.put({ user: 'alice', provider: 'acme', accessToken: token, scopes: [] });
  const reader = new Database(file, { readonly: true });
  const countRows = () => (reader.prepare('SELECT count(*) AS n FROM alter_audit').get() as { n: number }).n;
  const reasons = () =>
    new Set((reader.prepare('SELECT reason FROM alter_audit').all() as Array<{ reason: string | null }>).map((r) => r.reason));
  return { vault, file, logs, countRows, reasons, closeReader: () => reader.close() };
}

describe('options.audit validation', () => {
  const bad: Array<[unknown, string]> = [
    ['sync', 'options.audit'],
    [{ durability: 'fast' }, 'options.audit.durability'],
    [{ durability: 1 }, 'options.audit.durability'],
    [{ maxBatchRows: 0 }, 'options.audit.maxBatchRows'],
    [{ maxBatchRows: 2.5 }, 'options.audit.maxBatchRows'],
    [{ maxBatchRows: 100_001 }, 'options.audit.maxBatchRows'],
    [{ maxBatchRows: '100' }, 'options.audit.maxBatchRows'],
    [{ maxDelayMs: -1 }, 'options.audit.maxDelayMs'],
    [{ maxDelayMs: 60_001 }, 'options.audit.maxDelayMs'],
    [{ maxDelayMs: Number.NaN }, 'options.audit.maxDelayMs'],
    [{ durability: 'sync', maxDelayMs: 10 }, 'options.audit.maxDelayMs'],
    [{ durability: 'sync', flushIntervalMs: 10 }, 'options.audit.flushIntervalMs'],
    [{ batchSize: 0 }, 'options.audit.batchSize'],
    [{ maxBatchRows: 10, batchSize: 10 }, 'options.audit.batchSize'],
    [{ maxDelayMs: 10, flushIntervalMs: 10 }, 'options.audit.flushIntervalMs'],
    // A typo must not silently fall back to the default (weaker) guarantee.
    [{ durabilty: 'sync' }, 'options.audit.durabilty'],
  ];
  it.each(bad)('refuses audit %p, naming %s', (audit, argument) => {
    expect(
      () => new AlterVault({ caller: 'x', providers: [], store: ':memory:', encryptionKey: key, audit: audit as AuditOptions }),
    ).toThrow(expect.objectContaining({ name: 'InvalidArgumentError', code: 'ALTER_INVALID_ARGUMENT', argument }));
  });

  it('accepts the documented forms (and the deprecated aliases)', () => {
    const good: AuditOptions[] = [
      {},
      { durability: 'sync' },
      { durability: 'sync', maxBatchRows: 50 },
      { durability: 'batched', maxBatchRows: 1, maxDelayMs: 0 },
      { maxBatchRows: 100_000, maxDelayMs: 60_000 },
      { batchSize: 500, flushIntervalMs: 50 },
    ];
    for (const audit of good)
      expect(() => new AlterVault({ caller: 'x', providers: [], store: ':memory:', encryptionKey: key, audit })).not.toThrow();
  });
});

describe('durability on a SQLite file', () => {
  it("'sync': every row is committed when its request() returns (concurrent requests share transactions)", async () => {
    const { vault, countRows, reasons, closeReader } = await setup({ durability: 'sync' });
    const N = 400;
    let next = 0;
    const violations: string[] = [];
    const worker = async () => {
      while (next < N) {
        const id = `s-${next++}`;
        await vault.request('acme', 'GET', `${server.origin}/sync/{id}`, { user: 'alice', pathParams: { id }, reason: id });
        // Read through ANOTHER connection: only committed rows are visible there.
        if (!reasons().has(id)) violations.push(id);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(violations).toEqual([]);
    expect(countRows()).toBe(N);
    closeReader();
    expect(await vault.audit.verify()).toMatchObject({ ok: true, checked: N });
    await vault.close();
  }, 60_000);

  it("'batched': at most maxBatchRows completed requests are ever unwritten, even when the delay is long", async () => {
    // maxDelayMs is a minute: only the row window makes the writer write (and requests wait).
    const maxBatchRows = 10;
    const { vault, countRows, closeReader } = await setup({ durability: 'batched', maxBatchRows, maxDelayMs: 60_000 });
    const N = 300;
    let next = 0;
    let completed = 0;
    let worst = 0;
    const worker = async () => {
      while (next < N) {
        const i = next++;
        await vault.request('acme', 'GET', `${server.origin}/batched/${i}`, { user: 'alice' });
        completed += 1;
        worst = Math.max(worst, completed - countRows());
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(worst).toBeLessThanOrEqual(maxBatchRows);
    // ... and the writer did batch: rows were not written one request at a time.
    expect(worst).toBeGreaterThan(0);
    await vault.close();
    expect(countRows()).toBe(N);
    closeReader();
  }, 60_000);

  it("'sync': a failed append fails the request with StoreError, and the retry writes the row", async () => {
    const { vault, file, reasons, closeReader } = await setup({ durability: 'sync' }, 20);
    await vault.request('acme', 'GET', `${server.origin}/ok`, { user: 'alice', reason: 'before' });
    // Another connection holds SQLite's write lock: the append times out (busy_timeout 20 ms).
    const blocker = new Database(file);
    blocker.prepare('BEGIN IMMEDIATE').run();
    const err = await vault.request('acme', 'GET', `${server.origin}/blocked`, { user: 'alice', reason: 'blocked' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ name: 'StoreError', code: 'ALTER_STORE' });
    expect((err as Error).message).toContain('was sent (HTTP 200) but its audit row could not be committed');
    leak.inspect(err, 'sync append failure');
    expect(reasons().has('blocked')).toBe(false);
    blocker.prepare('ROLLBACK').run();
    blocker.close();
    // The row stayed queued: the next flush writes it, and the chain is intact.
    await vault.audit.flush();
    expect(reasons().has('blocked')).toBe(true);
    expect(await vault.audit.verify()).toMatchObject({ ok: true, checked: 2 });
    closeReader();
    await vault.close();
  }, 60_000);

  it("'batched': a failed append is logged, keeps its rows queued and is retried without a flush()", async () => {
    const { vault, file, logs, reasons, closeReader } = await setup({ durability: 'batched', maxBatchRows: 50, maxDelayMs: 10 }, 20);
    await vault.request('acme', 'GET', `${server.origin}/ok`, { user: 'alice', reason: 'before' });
    await vault.audit.flush();
    const blocker = new Database(file);
    blocker.prepare('BEGIN IMMEDIATE').run();
    const logged = logs.length;
    // Inside the window: the request does not wait, so the failing write cannot fail it.
    const res = await vault.request('acme', 'GET', `${server.origin}/while-locked`, { user: 'alice', reason: 'while-locked' });
    expect(res.status).toBe(200);
    for (let i = 0; i < 200 && !logs.slice(logged).some((l) => l.includes('Writing audit rows failed')); i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(logs.slice(logged).join('\n')).toContain('Writing audit rows failed; they stay queued and are retried.');
    expect(reasons().has('while-locked')).toBe(false);
    blocker.prepare('ROLLBACK').run();
    blocker.close();
    // The writer retries by itself (after its 1 s pause); no flush() here.
    for (let i = 0; i < 400 && !reasons().has('while-locked'); i++) await new Promise((r) => setTimeout(r, 25));
    expect(reasons().has('while-locked')).toBe(true);
    expect(await vault.audit.verify()).toMatchObject({ ok: true, checked: 2 });
    closeReader();
    await vault.close();
    leak.assertClean();
  }, 60_000);

  it('close() whose last flush fails ends the writer: its lost rows are reported once, and nothing retries after it', async () => {
    const { vault, file, logs, reasons, closeReader } = await setup({ durability: 'batched', maxBatchRows: 50, maxDelayMs: 10 }, 20);
    const blocker = new Database(file);
    blocker.prepare('BEGIN IMMEDIATE').run();
    await vault.request('acme', 'GET', `${server.origin}/at-close`, { user: 'alice', reason: 'at-close' });
    const closeErr = await vault.close().then(
      () => undefined,
      (e: unknown) => e,
    );
    // close() says that its flush failed (the store's error), and the log says what was lost.
    expect(closeErr).toMatchObject({ name: 'StoreError', code: 'ALTER_STORE' });
    leak.inspect(closeErr, 'close() with a failed flush');
    const afterClose = logs.length;
    blocker.prepare('ROLLBACK').run();
    blocker.close();
    // Before: the writer's retry timer (1 s after a failure) kept appending to the closed store
    // and logged a failure every second. Now nothing runs after close().
    await new Promise((r) => setTimeout(r, 2_500));
    expect(logs.slice(afterClose)).toEqual([]);
    expect(logs.filter((l) => l.includes('audit rows its store did not take'))).toHaveLength(1);
    expect(reasons().has('at-close')).toBe(false);
    await expect(vault.audit.flush()).rejects.toMatchObject({ name: 'VaultConfigError' });
    closeReader();
    leak.assertClean();
  }, 60_000);
});
