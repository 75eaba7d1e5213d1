/**
 * The background sweeper's contract: configurable interval (0 = off), bounded batches, an unref'd
 * timer, stopped by vault.close(); bad options are named; a store without kvSweep is reported.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { AlterVault, type GrantStore, type Logger, SqliteGrantStore, silentLogger } from '@alter/vault';
import Database from 'better-sqlite3';
import { loopbackProvider, newKey, tempDir } from './support/fixtures.js';

const tmp = tempDir('alter-sweeper');
afterAll(() => tmp.remove());
let n = 0;

const vaultWith = (sweep: unknown, store: GrantStore | string = tmp.file(`v${++n}.db`), logger: Logger = silentLogger) =>
  new AlterVault({
    caller: 'sweeper-test',
    store,
    encryptionKey: newKey(),
    providers: [loopbackProvider()],
    logger,
    sweep: sweep as never,
  });

describe('StoreSweeper via AlterVault', () => {
  it.each([
    [{ intervalMs: -1 }, 'options.sweep.intervalMs'],
    [{ intervalMs: 1.5 }, 'options.sweep.intervalMs'],
    [{ intervalMs: 2 ** 31 }, 'options.sweep.intervalMs'],
    [{ batchSize: 0 }, 'options.sweep.batchSize'],
    [{ batchSize: 10_001 }, 'options.sweep.batchSize'],
    ['often', 'options.sweep'],
  ])('refuses sweep option %j, naming %s', (sweep, argument) => {
    expect(() => vaultWith(sweep)).toThrow(expect.objectContaining({ code: 'ALTER_INVALID_ARGUMENT', argument }));
  });

  it('refuses bad pruneExpired options before opening the store', async () => {
    const vault = vaultWith(undefined);
    await expect(vault.pruneExpired({ batchSize: 0 })).rejects.toMatchObject({ argument: 'options.batchSize' });
    await expect(vault.pruneExpired({ onProgress: 'x' as never })).rejects.toMatchObject({ argument: 'options.onProgress' });
    await vault.close();
  });

  it('sweeps in the background on its interval, and stops when the vault closes', async () => {
    const file = tmp.file('bg.db');
    const vault = vaultWith({ intervalMs: 20, batchSize: 7 }, file);
    await vault.ready();
    const past = new Date(Date.now() - 1000);
    for (let i = 0; i < 50; i++) await vault.store.kvPut('connect', `s${i}`, 'x', past);
    await vault.store.kvPut('connect', 'live', 'x', new Date(Date.now() + 60_000));
    // The first background sweep runs after min(intervalMs, 60 s) = 20 ms.
    for (let i = 0; i < 400 && expiredRows(file) > 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(expiredRows(file)).toBe(0);
    expect(await vault.store.kvGet('connect', 'live')).toBeDefined();
    await vault.close();

    // After close nothing sweeps any more: an expired row written now stays.
    const other = new SqliteGrantStore({ filename: file });
    await other.open();
    try {
      await other.kvPut('connect', 'later', 'x', past);
      await new Promise((r) => setTimeout(r, 200));
      expect(expiredRows(file)).toBe(1);
    } finally {
      await other.close();
    }
  });

  it('intervalMs 0 turns the background sweep off; pruneExpired still works', async () => {
    const vault = vaultWith({ intervalMs: 0 });
    await vault.ready();
    for (let i = 0; i < 5; i++) await vault.store.kvPut('auth:codes', `c${i}`, 'x', new Date(Date.now() - 1000));
    await new Promise((r) => setTimeout(r, 200));
    expect(await vault.pruneExpired({ batchSize: 2 })).toEqual({ removed: 5, batches: 3 });
    await vault.close();
  });

  it('warns once and does not crash with a store that has no kvSweep (written before it existed)', async () => {
    const inner = new SqliteGrantStore({ filename: tmp.file('legacy.db') });
    const legacy = new Proxy(inner, {
      get: (target, prop) => {
        if (prop === 'kvSweep') return undefined;
        const value: unknown = Reflect.get(target, prop, target);
        // Private fields need the real instance as `this`.
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as GrantStore;
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (m) => warnings.push(m) };
    const vault = vaultWith({ intervalMs: 10 }, legacy, logger);
    await vault.ready();
    expect(warnings).toEqual([expect.stringContaining('the store has no kvSweep()')]);
    await expect(vault.pruneExpired()).rejects.toMatchObject({
      code: 'ALTER_CONFIG',
      message: expect.stringContaining('Implement GrantStore.kvSweep'),
    });
    await vault.close();
  });
});

/** Expired kv rows in the file, read behind the vault's back. */
function expiredRows(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM alter_kv WHERE expires_at <= ?').get(Date.now()) as { n: number }).n;
  } finally {
    db.close();
  }
}
