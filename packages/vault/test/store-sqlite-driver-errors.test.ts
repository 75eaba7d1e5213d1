/**
 * better-sqlite3 errors after open (here SQLITE_BUSY: another connection holds the write lock)
 * reach callers as StoreError (code ALTER_STORE) naming the method, the file and what to do —
 * never as the driver's raw SqliteError.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { SqliteGrantStore, StoreError } from '@alter/vault';
import Database from 'better-sqlite3';
import { AuditLog } from '../src/audit-log.js';
import { silentLogger } from '../src/logger.js';
import { tempDir } from './support/fixtures.js';

const tmp = tempDir('alter-sqlite-driver-errors');
afterAll(() => tmp.remove());

const grant = {
  user: 'alice',
  provider: 'github',
  account: '',
  accessToken: 'v2.sealed-a',
  refreshToken: null,
  expiresAt: null,
  scopes: ['repo'],
};

/** A store on a fresh file, and a second connection holding the write lock on it. */
async function lockedStore(name: string): Promise<{ store: SqliteGrantStore; filename: string; release: () => void }> {
  const filename = tmp.file(name);
  const store = new SqliteGrantStore({ filename, busyTimeoutMs: 0 });
  await store.open();
  const other = new Database(filename);
  other.exec('BEGIN IMMEDIATE');
  return {
    store,
    filename,
    release: () => {
      other.exec('ROLLBACK');
      other.close();
    },
  };
}

describe('SqliteGrantStore driver errors', () => {
  it('a write blocked by another connection (SQLITE_BUSY) fails with StoreError naming the file, the method and busyTimeoutMs', async () => {
    const { store, filename, release } = await lockedStore('busy-put.db');
    try {
      const err = await store.putGrant(grant).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StoreError);
      expect(err).toMatchObject({ code: 'ALTER_STORE', name: 'StoreError' });
      const message = (err as Error).message;
      expect(message).toContain(filename);
      expect(message).toContain('putGrant');
      expect(message).toContain('SQLITE_BUSY');
      expect(message).toContain('busyTimeoutMs');
      expect((err as Error).cause).toMatchObject({ code: 'SQLITE_BUSY' });
    } finally {
      release();
    }
    // The lock is gone: the same store works again.
    await expect(store.putGrant(grant)).resolves.toMatchObject({ user: 'alice' });
    await store.close();
  });

  it('audit appends, kv writes, grant updates and the refresh lease map SQLITE_BUSY to StoreError too', async () => {
    const setup = new SqliteGrantStore({ filename: tmp.file('busy-many.db') });
    await setup.open();
    const g = await setup.putGrant(grant);
    await setup.close();
    const { store, release } = await lockedStore('busy-many.db');
    try {
      const row = {
        id: 'a1',
        at: new Date(),
        caller: 'test',
        user: 'alice',
        provider: 'github',
        account: '',
        method: 'GET',
        url: 'https://api.github.com/user',
        status: 200,
        durationMs: 1,
        tool: null,
        parentTool: null,
        chain: [],
        callId: null,
        reason: null,
        errorCode: null,
        prevHash: '0'.repeat(64),
        hash: '1'.repeat(64),
      };
      await expect(store.appendAudit([row])).rejects.toMatchObject({
        code: 'ALTER_STORE',
        message: expect.stringContaining('appendAudit'),
      });
      await expect(store.kvPut('ns', 'k', 'v')).rejects.toMatchObject({
        code: 'ALTER_STORE',
        message: expect.stringContaining('SQLITE_BUSY'),
      });
      await expect(store.updateGrant(g.id, { status: 'revoked' })).rejects.toBeInstanceOf(StoreError);
      await expect(store.createGrantLock().tryAcquire(g.id, 'owner', 1_000)).rejects.toMatchObject({
        code: 'ALTER_STORE',
        message: expect.stringContaining('SQLITE_BUSY'),
      });
    } finally {
      release();
    }
    await store.close();
  });

  it("maps a driver error of the audit writer's in-store chain to StoreError, and the rows are appended once the lock is free", async () => {
    const { store, release } = await lockedStore('audit-chain.db');
    const log = new AuditLog(store, silentLogger, { durability: 'sync' });
    const row = {
      id: 'r1',
      at: new Date(),
      caller: 'test',
      user: 'alice',
      provider: 'github',
      account: '',
      method: 'GET',
      url: 'https://api.github.com/user',
      status: 200,
      durationMs: 1,
      tool: null,
      parentTool: null,
      chain: [],
      callId: null,
      reason: null,
      errorCode: null,
    };
    try {
      await expect(log.record(row)).rejects.toMatchObject({
        code: 'ALTER_STORE',
        message: expect.stringMatching(/appendAudit.*SQLITE_BUSY/),
      });
    } finally {
      release();
    }
    await log.flush();
    expect(await log.verify()).toMatchObject({ ok: true, checked: 1 });
    await store.close();
  });
});
