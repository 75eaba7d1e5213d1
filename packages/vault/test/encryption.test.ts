/** Encryption at rest: sealing, wrong keys, rotation, the dev key file, tampering. */
import { statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createLeakCheck, type LeakCheck } from '@alter/testing';
import { AlterVault, EncryptionKeyError, type SqliteGrantStore } from '@alter/vault';
import Database from 'better-sqlite3';
import { resolveEncryptionKey } from '../src/encryption-key.js';
import { keyIdOf, parseEncryptionKey, SecretBox } from '../src/secret-box.js';
import { loopbackProvider, newKey, newToken, tempDir, type TempDir } from './support/fixtures.js';
import { type RecordingServer, startRecordingServer } from './support/recording-server.js';

let tmp: TempDir;
let leak: LeakCheck;
let server: RecordingServer;

beforeEach(async () => {
  tmp = tempDir('alter-crypto');
  leak = createLeakCheck();
  server = await startRecordingServer();
});
afterEach(async () => {
  await server.close();
  tmp.remove();
  leak.assertClean();
});

const open = (key: string, previousKeys?: string[]) =>
  new AlterVault({
    caller: 'crypto',
    providers: [loopbackProvider('acme')],
    store: tmp.file('v.db'),
    encryptionKey: key,
    logger: leak.logger,
    ...(previousKeys ? { previousKeys } : {}),
  });

function grantRows(): Array<{ access_token: string; refresh_token: string | null }> {
  const db = new Database(tmp.file('v.db'));
  try {
    return db.prepare('SELECT access_token, refresh_token FROM alter_grants ORDER BY id').all() as Array<{
      access_token: string;
      refresh_token: string | null;
    }>;
  } finally {
    db.close();
  }
}

describe('SecretBox', () => {
  it('seals with a random IV and a key id, and opens only with that key', () => {
    const key = parseEncryptionKey(newKey());
    const box = new SecretBox(key);
    const a = box.seal('same');
    const b = box.seal('same');
    expect(a).not.toBe(b);
    expect(a.split('.')).toHaveLength(5);
    expect(a.split('.')[1]).toBe(keyIdOf(key));
    expect(box.open(a)).toBe('same');
    const other = new SecretBox(parseEncryptionKey(newKey()));
    expect(() => other.open(a)).toThrow(EncryptionKeyError);
    const parts = a.split('.');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow(/failed authentication/);
  });

  it('rejects malformed keys with a message saying how to make one', () => {
    expect(() => parseEncryptionKey('short')).toThrow(/32/);
    expect(() => parseEncryptionKey('not base64 !!')).toThrow(EncryptionKeyError);
    expect(() => open('dGVzdA==')).toThrow(/openssl rand -base64 32/);
  });
});

describe('vault keys', () => {
  it('stores tokens sealed (never in plaintext) and reads them back', async () => {
    const key = leak.secret(newKey(), 'key');
    const token = leak.secret(newToken('at'), 'token');
    const refresh = leak.secret(newToken('rt'), 'refresh');
    const v = open(key);
    await v.grants.put({ user: 'alice', provider: 'acme', accessToken: token, refreshToken: refresh, scopes: [] });
    await v.request('acme', 'GET', `${server.origin}/x`, { user: 'alice' });
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${token}`);
    await v.close();
    leak.inspect(grantRows(), 'raw grant rows in the database');
    expect(grantRows()[0]!.access_token.startsWith('v2.')).toBe(true);
  });

  it('refuses to open a store written with another key, naming the key id, and overwrites nothing', async () => {
    const keyA = leak.secret(newKey(), 'key A');
    const keyB = leak.secret(newKey(), 'key B');
    const a = open(keyA);
    await a.grants.put({ user: 'alice', provider: 'acme', accessToken: leak.secret(newToken('at'), 'token'), scopes: [] });
    await a.close();
    const before = grantRows();
    const b = open(keyB);
    const err = await b.ready().catch((e: unknown) => e);
    leak.inspect(err, 'wrong key error');
    expect(err).toBeInstanceOf(EncryptionKeyError);
    const idA = keyIdOf(parseEncryptionKey(keyA));
    expect((err as EncryptionKeyError).keyId).toBe(idA);
    expect((err as Error).message).toContain(idA);
    expect((err as Error).message).toContain(keyIdOf(parseEncryptionKey(keyB)));
    await expect(b.grants.put({ user: 'bob', provider: 'acme', accessToken: 'x-token-value', scopes: [] })).rejects.toBeInstanceOf(
      EncryptionKeyError,
    );
    await b.close();
    expect(grantRows()).toEqual(before);
    // The right key still works.
    const again = open(keyA);
    await again.request('acme', 'GET', `${server.origin}/x`, { user: 'alice' });
    await again.close();
  });

  it('rotateKey re-encrypts every secret; the new key alone opens the store, the old key alone does not', async () => {
    const oldKey = leak.secret(newKey(), 'old key');
    const newK = leak.secret(newKey(), 'new key');
    const token = leak.secret(newToken('at'), 'token');
    const v = open(oldKey);
    await v.grants.put({
      user: 'alice',
      provider: 'acme',
      accessToken: token,
      refreshToken: leak.secret(newToken('rt'), 'refresh'),
      scopes: [],
    });
    await v.grants.put({ user: 'bob', provider: 'acme', accessToken: leak.secret(newToken('at2'), 'token 2'), scopes: [] });
    const sealedExtra = v.sealSecret('extension-secret-value');
    leak.secret('extension-secret-value', 'extension secret');
    await v.store.kvPut('ext', 'signing-key', sealedExtra);
    const result = await v.rotateKey(newK);
    // 3 grant tokens + the extension's kv secret + the vault's key-check canary.
    expect(result).toEqual({ resealed: 5, keyId: keyIdOf(parseEncryptionKey(newK)) });
    // Still usable in the same process.
    await v.request('acme', 'GET', `${server.origin}/x`, { user: 'alice' });
    await v.close();
    expect(grantRows().every((r) => r.access_token.split('.')[1] === result.keyId)).toBe(true);

    const fresh = open(newK);
    await fresh.request('acme', 'GET', `${server.origin}/x`, { user: 'alice' });
    expect(fresh.openSecret((await fresh.store.kvGet('ext', 'signing-key'))!.value)).toBe('extension-secret-value');
    await fresh.close();
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${token}`, `Bearer ${token}`]);

    const stale = open(oldKey);
    await expect(stale.ready()).rejects.toBeInstanceOf(EncryptionKeyError);
    await stale.close();
  });

  it('accepts previousKeys for reading during a rotation', async () => {
    const oldKey = leak.secret(newKey(), 'old key');
    const newK = leak.secret(newKey(), 'new key');
    const v = open(oldKey);
    await v.grants.put({ user: 'alice', provider: 'acme', accessToken: leak.secret(newToken('at'), 'token'), scopes: [] });
    await v.close();
    const both = open(newK, [oldKey]);
    await both.request('acme', 'GET', `${server.origin}/x`, { user: 'alice' });
    await both.close();
  });

  it('reports a tampered stored token as EncryptionKeyError', async () => {
    const key = leak.secret(newKey(), 'key');
    const v = open(key);
    await v.grants.put({ user: 'alice', provider: 'acme', accessToken: leak.secret(newToken('at'), 'token'), scopes: [] });
    await v.close();
    const db = new Database(tmp.file('v.db'));
    const row = db.prepare('SELECT id, access_token FROM alter_grants').get() as { id: string; access_token: string };
    const parts = row.access_token.split('.');
    parts[4] = Buffer.from('evil').toString('base64url');
    db.prepare('UPDATE alter_grants SET access_token = ? WHERE id = ?').run(parts.join('.'), row.id);
    db.close();
    const again = open(key);
    const err = await again.request('acme', 'GET', `${server.origin}/x`, { user: 'alice' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EncryptionKeyError);
    expect(server.requests).toHaveLength(0);
    await again.close();
  });
});

describe('key sources', () => {
  it('generates a dev key once (mode 0600) with a warning, then reuses it', () => {
    const saved = process.env.ALTER_VAULT_KEY;
    delete process.env.ALTER_VAULT_KEY;
    try {
      const file = tmp.file('.alter/key');
      const warnings: string[] = [];
      const logger = { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} };
      const first = resolveEncryptionKey(undefined, logger, file);
      expect(first.source).toBe('dev-file');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(warnings[0]).toMatch(/generated a development key/);
      const second = resolveEncryptionKey(undefined, logger, file);
      expect(second.key.equals(first.key)).toBe(true);
      for (const w of warnings) expect(w).not.toContain(first.key.toString('base64'));
    } finally {
      if (saved !== undefined) process.env.ALTER_VAULT_KEY = saved;
    }
  });

  it('prefers the option, then ALTER_VAULT_KEY', () => {
    const saved = process.env.ALTER_VAULT_KEY;
    const envKey = newKey();
    process.env.ALTER_VAULT_KEY = envKey;
    try {
      const logger = { debug() {}, info() {}, warn() {}, error() {} };
      expect(resolveEncryptionKey(undefined, logger, tmp.file('nokey')).source).toBe('env');
      expect(resolveEncryptionKey(newKey(), logger, tmp.file('nokey')).source).toBe('option');
      process.env.ALTER_VAULT_KEY = 'garbage';
      expect(() => resolveEncryptionKey(undefined, logger, tmp.file('nokey'))).toThrow(/ALTER_VAULT_KEY/);
    } finally {
      if (saved === undefined) delete process.env.ALTER_VAULT_KEY;
      else process.env.ALTER_VAULT_KEY = saved;
    }
  });

  it('shows no key in inspect/JSON of the vault or its store', async () => {
    const key = leak.secret(newKey(), 'key');
    const v = open(key);
    await v.ready();
    leak.inspect(v, 'vault');
    leak.inspect(JSON.stringify(v), 'vault JSON');
    leak.inspect(v.store as SqliteGrantStore, 'store');
    await v.close();
  });
});
