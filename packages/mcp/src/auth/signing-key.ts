/**
 * The access-token signing key: one ES256 key per vault store, generated on first use, sealed
 * with the vault key and kept in the store, so every process (and every restart) signs and
 * verifies with the same key. Creation is race-safe: processes that start together all try a
 * compare-and-set on an empty slot; one wins and the others read the winner's key.
 */
import { hkdfSync } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { StoreError } from '@alter/vault';
import type { GrantStore, SealedSecret } from '@alter/vault';
import { AUTH_KV } from './auth-records.js';

/** The JWS algorithm of access tokens. */
export const ACCESS_TOKEN_ALG = 'ES256';
const KEY_SLOT = 'es256';

/** The loaded key: sign with `privateKey`, publish `publicJwk` (JWKS), derive other secrets from it. */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly publicJwk: JWK;
  /** 32 bytes derived from the private key (HKDF) for cookie and CSRF signatures. */
  readonly cookieKey: Buffer;
  /** Secret-free view for logs. */
  toJSON(): { kid: string; alg: string };
}

export interface SigningKeyDeps {
  readonly store: GrantStore;
  seal(plain: string): SealedSecret;
  open(sealed: SealedSecret): string;
}

/**
 * Loads the store's signing key, creating it when the store has none.
 * @throws StoreError when the key slot keeps changing under us (should never happen).
 * @throws EncryptionKeyError (from `open`) when the vault key cannot open the stored key.
 */
export async function loadSigningKey(deps: SigningKeyDeps): Promise<SigningKey> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const entry = await deps.store.kvGet(AUTH_KV.keys, KEY_SLOT);
    if (entry) return fromPrivateJwk(JSON.parse(deps.open(entry.value)) as JWK);
    const { privateKey } = await generateKeyPair(ACCESS_TOKEN_ALG, { extractable: true });
    const jwk = await exportJWK(privateKey);
    const created: JWK = { ...jwk, alg: ACCESS_TOKEN_ALG, use: 'sig', kid: await calculateJwkThumbprint(jwk) };
    // The sealed string is the whole kv value, so `vault.rotateKey()` re-seals it with the rest.
    if (await deps.store.kvCompareAndSet(AUTH_KV.keys, KEY_SLOT, 0, deps.seal(JSON.stringify(created)), null))
      return fromPrivateJwk(created);
  }
  throw new StoreError('Could not create or read the auth-server signing key (the key slot kept changing). Check the vault store.');
}

async function fromPrivateJwk(jwk: JWK): Promise<SigningKey> {
  const { d, ...publicJwk } = jwk;
  if (typeof d !== 'string') throw new StoreError('The stored auth-server signing key is malformed (no private part).');
  const privateKey = (await importJWK(jwk, ACCESS_TOKEN_ALG)) as CryptoKey;
  const publicKey = (await importJWK(publicJwk, ACCESS_TOKEN_ALG)) as CryptoKey;
  const cookieKey = Buffer.from(hkdfSync('sha256', Buffer.from(d, 'base64url'), 'alter-auth', 'cookie and csrf signatures', 32));
  const kid = String(jwk.kid);
  const key: SigningKey = {
    kid,
    privateKey,
    publicKey,
    publicJwk: { kty: publicJwk.kty, crv: publicJwk.crv, x: publicJwk.x, y: publicJwk.y, alg: ACCESS_TOKEN_ALG, use: 'sig', kid },
    cookieKey,
    toJSON: () => ({ kid, alg: ACCESS_TOKEN_ALG }),
  };
  // util.inspect must not show the key material either.
  Object.defineProperty(key, Symbol.for('nodejs.util.inspect.custom'), {
    value: () => `SigningKey { kid: '${kid}', alg: '${ACCESS_TOKEN_ALG}' }`,
  });
  Object.defineProperty(key, 'cookieKey', { enumerable: false });
  return key;
}
