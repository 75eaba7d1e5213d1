/**
 * The request-state key lives in the vault store, sealed with the vault key (issue #12): every
 * process on the store seals and opens with the same key, a restart keeps it, key rotation keeps
 * it, and the stored value is not the key in clear.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { AlterVault, providers } from '@alter/vault';
import { loadRequestStateKey, REQUEST_STATE_KV, requestStateSealOf } from '../../../src/recovery/request-state-key.js';

const dirs: string[] = [];
const vaults: AlterVault[] = [];
afterEach(async () => {
  for (const v of vaults.splice(0)) await v.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function vaultOn(file: string, encryptionKey: string, previousKeys?: string[]): AlterVault {
  const vault = new AlterVault({
    caller: 'request-state-key-test',
    store: file,
    encryptionKey,
    ...(previousKeys ? { previousKeys } : {}),
    providers: [
      providers.oauth2({
        id: 'p',
        authorizeUrl: 'https://p.example/authorize',
        tokenUrl: 'https://p.example/token',
        clientId: 'c',
        allowedHosts: ['api.p.example'],
      }),
    ],
  });
  vaults.push(vault);
  return vault;
}

describe('request-state key', () => {
  it('is one key per store: two vaults (processes) on one store seal and open each other’s states; the stored value is sealed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'alter-rs-key-'));
    dirs.push(dir);
    const file = path.join(dir, 'vault.db');
    const encryptionKey = randomBytes(32).toString('base64');
    const [a, b] = [vaultOn(file, encryptionKey), vaultOn(file, encryptionKey)];
    const [keyA, keyB] = await Promise.all([loadRequestStateKey(a), loadRequestStateKey(b)]);
    expect(keyA.equals(keyB)).toBe(true);
    expect(keyA.length).toBe(32);
    const stored = await a.store.kvGet(REQUEST_STATE_KV.namespace, REQUEST_STATE_KV.key);
    expect(stored!.value).not.toContain(keyA.toString('base64url'));
    expect(stored!.value).not.toContain(keyA.toString('base64'));

    const binding = { user: 'u', tool: 't', args: { x: 1 } };
    const state = (await requestStateSealOf(a)).seal(binding, {
      kind: 'connect',
      sessionId: 's',
      provider: 'p',
      expiresAt: new Date(Date.now() + 60_000),
    });
    expect((await requestStateSealOf(b)).open(state, binding)).toMatchObject({ kind: 'connect', sessionId: 's' });
  });

  it('survives a restart and a vault key rotation', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'alter-rs-key-'));
    dirs.push(dir);
    const file = path.join(dir, 'vault.db');
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');
    const first = vaultOn(file, oldKey);
    const before = await loadRequestStateKey(first);
    await first.rotateKey(newKey);
    await first.close();
    const restarted = vaultOn(file, newKey);
    expect((await loadRequestStateKey(restarted)).equals(before)).toBe(true);
  });
});
