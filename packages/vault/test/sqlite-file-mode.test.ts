/**
 * Who may read a SQLite vault: the grants' sealed tokens, the audit trail and Connect sessions
 * live in the file and its -wal/-shm. What the vault creates is the owner's alone (0600 files,
 * 0700 directories) whatever the umask; what the user made before is left as it is.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AlterVault, SqliteGrantStore } from '@alter/vault';
import { resolveEncryptionKey } from '../src/encryption-key.js';
import { loopbackProvider, newKey, tempDir } from './support/fixtures.js';

const tmp = tempDir('alter-sqlite-mode');
afterAll(() => tmp.remove());

const modeOf = (file: string): number => statSync(file).mode & 0o777;
const octal = (mode: number): string => mode.toString(8).padStart(4, '0');
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

// POSIX permission bits: Windows has none to check.
const onPosix = process.platform === 'win32' ? describe.skip : describe;

onPosix('SQLite vault file modes', () => {
  let umask: number;
  beforeEach(() => {
    // The usual default umask, which leaves new files world-readable unless the creator asks otherwise.
    umask = process.umask(0o022);
  });
  afterEach(() => {
    process.umask(umask);
  });

  it('creates the vault file, its -wal and -shm 0600 and the directories it creates 0700 under umask 022', async () => {
    const file = tmp.file('created/.alter/vault.db');
    const vault = new AlterVault({
      caller: 'file-mode',
      providers: [loopbackProvider('acme')],
      store: file,
      encryptionKey: newKey(),
      logger: quiet,
    });
    try {
      // A write, so the WAL holds a frame; -wal and -shm exist while the connection is open.
      await vault.grants.put({ user: 'alice', provider: 'acme', accessToken: 'at-file-mode', scopes: [] });
      const modes = Object.fromEntries(
        [file, `${file}-wal`, `${file}-shm`, path.dirname(file), tmp.file('created')].map((f) => [
          path.relative(tmp.dir, f),
          octal(modeOf(f)),
        ]),
      );
      expect(modes).toEqual({
        'created/.alter/vault.db': '0600',
        'created/.alter/vault.db-wal': '0600',
        'created/.alter/vault.db-shm': '0600',
        'created/.alter': '0700',
        created: '0700',
      });
    } finally {
      await vault.close();
    }
  });

  it('leaves the mode of a directory and a vault file that already exist as they are', async () => {
    const dir = tmp.file('chosen');
    mkdirSync(dir);
    chmodSync(dir, 0o750);
    const file = path.join(dir, 'vault.db');
    writeFileSync(file, '');
    chmodSync(file, 0o640);
    const store = new SqliteGrantStore({ filename: file });
    await store.open();
    await store.close();
    expect({ dir: octal(modeOf(dir)), file: octal(modeOf(file)) }).toEqual({ dir: '0750', file: '0640' });
  });

  it('creates the directory of a generated development key 0700 (./.alter, where the vault file goes too)', () => {
    const saved = process.env.ALTER_VAULT_KEY;
    delete process.env.ALTER_VAULT_KEY;
    try {
      const keyFile = tmp.file('dev/.alter/key');
      resolveEncryptionKey(undefined, quiet, keyFile);
      expect({ dir: octal(modeOf(path.dirname(keyFile))), key: octal(modeOf(keyFile)) }).toEqual({ dir: '0700', key: '0600' });
    } finally {
      if (saved !== undefined) process.env.ALTER_VAULT_KEY = saved;
    }
  });

  it('creates no file for an in-memory vault', async () => {
    const store = new SqliteGrantStore({ filename: ':memory:' });
    await store.open();
    await store.close();
    expect(existsSync(':memory:')).toBe(false);
  });
});
