/**
 * The key that seals 2026-07-28 request states (request-state-seal.ts): 32 random bytes, generated
 * once per vault store, kept in the store sealed with the vault key. So every process sharing the
 * store (a 2026 retry may reach any of them) verifies what another sealed, a restart keeps states
 * valid, `vault.rotateKey()` re-seals it with the other stored secrets, and it is never derived
 * from a provider token. Creation is race-safe: processes starting together compare-and-set an
 * empty slot; one wins and the others read the winner's key.
 */
import { randomBytes } from 'node:crypto';
import { StoreError } from '@alter/vault';
import type { AlterVault } from '@alter/vault';
import { RequestStateSeal } from './request-state-seal.js';

/** Store kv namespace and slot of the sealed key. */
export const REQUEST_STATE_KV = Object.freeze({ namespace: 'mcp:recovery', key: 'request-state-hmac' });

/**
 * Loads the store's request-state key, creating it when the store has none.
 * @throws StoreError when the slot keeps changing under us (should never happen).
 * @throws EncryptionKeyError (from the vault) when the vault key cannot open the stored key.
 */
export async function loadRequestStateKey(vault: AlterVault): Promise<Buffer> {
  await vault.ready();
  for (let attempt = 0; attempt < 5; attempt++) {
    const entry = await vault.store.kvGet(REQUEST_STATE_KV.namespace, REQUEST_STATE_KV.key);
    if (entry) return keyFrom(vault.openSecret(entry.value));
    const fresh = randomBytes(32).toString('base64url');
    if (await vault.store.kvCompareAndSet(REQUEST_STATE_KV.namespace, REQUEST_STATE_KV.key, 0, vault.sealSecret(fresh), null))
      return keyFrom(fresh);
  }
  throw new StoreError('Could not create or read the MCP request-state key (its store slot kept changing). Check the vault store.');
}

function keyFrom(encoded: string): Buffer {
  const key = Buffer.from(encoded, 'base64url');
  if (key.length !== 32)
    throw new StoreError(
      `The stored MCP request-state key is malformed (${key.length} bytes, expected 32). Delete the kv entry ${REQUEST_STATE_KV.namespace}/${REQUEST_STATE_KV.key}; a new key is created (pending 2026 retries then start over).`,
    );
  return key;
}

/** One seal per vault, loaded on first use (most servers never answer a 2026 input_required). */
const seals = new WeakMap<AlterVault, Promise<RequestStateSeal>>();

/** The request-state seal of `vault` (its key loaded, or created, once). A failed load is retried next time. */
export function requestStateSealOf(vault: AlterVault): Promise<RequestStateSeal> {
  let seal = seals.get(vault);
  if (seal === undefined) {
    seal = loadRequestStateKey(vault).then((key) => new RequestStateSeal(key));
    seals.set(vault, seal);
    seal.catch(() => seals.delete(vault));
  }
  return seal;
}
