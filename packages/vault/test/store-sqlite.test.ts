import { afterAll, describe, expect, it } from '@jest/globals';
import { statSync, writeFileSync } from 'node:fs';
import { SqliteGrantStore } from '@alter/vault';
import { InProcessGrantLock } from '../src/in-process-grant-lock.js';
import Database from 'better-sqlite3';
import { grantLockContract, grantStoreContract } from '@alter/testing';
import { tempDir } from './support/fixtures.js';

const tmp = tempDir('alter-sqlite-contract');
let n = 0;
afterAll(() => tmp.remove());

// The contracts exported by @alter/testing for every store, ours and users' (docs/vault.md).
describe('GrantStore contract: SQLite file', () => {
  for (const check of grantStoreContract(() => new SqliteGrantStore({ filename: tmp.file(`contract-${++n}.db`) })))
    it(check.name, check.run);
});

describe('GrantLock contract: SQLite file (two connections)', () => {
  const twoConnections = async () => {
    const filename = tmp.file(`lease-${++n}.db`);
    const one = new SqliteGrantStore({ filename });
    const two = new SqliteGrantStore({ filename });
    await one.open();
    await two.open();
    return { a: one.createGrantLock(), b: two.createGrantLock(), close: async () => void (await Promise.all([one.close(), two.close()])) };
  };
  for (const check of grantLockContract(twoConnections)) it(check.name, check.run);
});

describe('GrantLock contract: in-process', () => {
  const oneLock = async () => {
    const lock = new InProcessGrantLock();
    return { a: lock, b: lock, close: async () => {} };
  };
  for (const check of grantLockContract(oneLock)) it(check.name, check.run);
});

describe('SqliteGrantStore specifics', () => {
  it('creates the directory, uses WAL and busy_timeout, and records the migration version', async () => {
    const file = tmp.file('nested/dir/vault.db');
    const store = new SqliteGrantStore({ filename: file, busyTimeoutMs: 1234 });
    await store.open();
    await store.close();
    expect(statSync(file).isFile()).toBe(true);
    const db = new Database(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT version FROM alter_migrations ORDER BY version').all()).toEqual([
      { version: 1 },
      { version: 2 },
      { version: 3 },
      { version: 4 },
      { version: 5 },
    ]);
    db.close();
  });

  it('names the file when it cannot be opened', async () => {
    const blocker = tmp.file('a-file');
    writeFileSync(blocker, 'not a directory');
    const filename = `${blocker}/vault.db`;
    const store = new SqliteGrantStore({ filename });
    await expect(store.open()).rejects.toMatchObject({ code: 'ALTER_STORE', message: expect.stringContaining(filename) });
  });
});
