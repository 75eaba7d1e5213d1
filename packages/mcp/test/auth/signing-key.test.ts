/**
 * The access-token signing key against a real SQLite vault store: generated once, sealed at rest,
 * the same for every process and restart (race-safe creation), and never shown by inspect/JSON.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AlterVault, type ProviderConfig } from '@alter/vault';
import { createLeakCheck } from '@alter/testing';
import { AUTH_KV } from '../../src/auth/auth-records.js';
import { mintAccessToken, verifyAccessTokenJwt } from '../../src/auth/access-token.js';
import { loadSigningKey } from '../../src/auth/signing-key.js';

const provider: ProviderConfig = {
  id: 'acme',
  displayName: 'Acme',
  clientId: 'acme-client',
  tokenEndpointAuthMethod: 'none',
  authorizationEndpoint: 'https://auth.acme.test/authorize',
  tokenEndpoint: 'https://auth.acme.test/token',
  defaultScopes: [],
  scopeSeparator: ' ',
  allowedHosts: ['api.acme.test'],
};

describe('auth-server signing key', () => {
  let dir: string;
  let dbFile: string;
  const encryptionKey = randomBytes(32).toString('base64');
  const vaults: AlterVault[] = [];
  const open = async () => {
    const v = new AlterVault({ caller: 'key-test', store: dbFile, encryptionKey, providers: [provider], logger: createLeakCheck().logger });
    await v.ready();
    vaults.push(v);
    return v;
  };
  const deps = (v: AlterVault) => ({ store: v.store, seal: (p: string) => v.sealSecret(p), open: (s: string) => v.openSecret(s) });

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'alter-auth-key-'));
    dbFile = path.join(dir, 'vault.db');
  });
  afterAll(async () => {
    for (const v of vaults) await v.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates one key even when many "processes" race to create it, and reuses it after a restart', async () => {
    const racers = await Promise.all(Array.from({ length: 8 }, () => open()));
    const keys = await Promise.all(racers.map((v) => loadSigningKey(deps(v))));
    expect(new Set(keys.map((k) => k.kid)).size).toBe(1);
    const restarted = await open();
    expect((await loadSigningKey(deps(restarted))).kid).toBe(keys[0]!.kid);
  });

  it('stores the key sealed (no private JWK member in the database) and hides it from inspect/JSON', async () => {
    const v = await open();
    const key = await loadSigningKey(deps(v));
    const stored = await v.store.kvGet(AUTH_KV.keys, 'es256');
    expect(stored!.value.startsWith('v1.')).toBe(true);
    const privateD = (JSON.parse(v.openSecret(stored!.value)) as { d: string }).d;
    const raw = readFileSync(dbFile).toString('latin1') + readFileSync(`${dbFile}-wal`, { flag: 'a+' }).toString('latin1');
    expect(raw.includes(privateD)).toBe(false);
    const leak = createLeakCheck();
    leak.secret(privateD, 'signing key d');
    leak.secret(key.cookieKey.toString('base64url'), 'cookie key');
    leak.inspect(key, 'signing key object');
    leak.inspect(inspect(key), 'util.inspect');
    leak.assertClean();
  });

  it('a token signed by one process verifies in another; a different vault key cannot open it', async () => {
    const [a, b] = [await open(), await open()];
    const ka = await loadSigningKey(deps(a));
    const kb = await loadSigningKey(deps(b));
    const { token } = await mintAccessToken(ka, 'http://127.0.0.1:1', {
      user: 'u1',
      clientId: 'c1',
      scopes: ['mcp'],
      familyId: 'f1',
      resource: 'http://127.0.0.1:1/mcp',
      ttlSec: 60,
    });
    const claims = await verifyAccessTokenJwt(kb, 'http://127.0.0.1:1', 'http://127.0.0.1:1/mcp', token);
    expect(claims).toMatchObject({ sub: 'u1', client_id: 'c1', scope: 'mcp', fid: 'f1', aud: 'http://127.0.0.1:1/mcp' });
    await expect(verifyAccessTokenJwt(kb, 'http://127.0.0.1:1', 'http://127.0.0.1:1/other', token)).rejects.toThrow(
      'not issued for this resource',
    );
    await expect(verifyAccessTokenJwt(kb, 'http://127.0.0.1:2', 'http://127.0.0.1:1/mcp', token)).rejects.toThrow('"iss"');

    const wrongKey = new AlterVault({
      caller: 'key-test',
      store: dbFile,
      encryptionKey: randomBytes(32).toString('base64'),
      providers: [provider],
      logger: createLeakCheck().logger,
    });
    vaults.push(wrongKey);
    await expect(wrongKey.ready().then(() => loadSigningKey(deps(wrongKey)))).rejects.toMatchObject({ code: 'ALTER_ENCRYPTION_KEY' });
  });
});
