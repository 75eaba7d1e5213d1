/**
 * AES-256-GCM sealing of secrets at rest. Each secret gets a random 96-bit IV; the sealed form
 * names the key it was sealed with, so several keys (current + previous) can coexist during a
 * rotation. Two formats, all parts base64url:
 *
 * - `v1.<keyId>.<iv>.<tag>.<ciphertext>`: not bound to anything (kv values, extension secrets).
 * - `v2.<keyId>.<iv>.<tag>.<ciphertext>.<context>`: bound to `context` (a canonical string, e.g.
 *   the grant a token belongs to), which is the GCM additional authenticated data. The context
 *   travels with the value so it can be opened without knowing it (and a value moved to another
 *   row can be told apart from a corrupted one), but changing it breaks authentication: a reader
 *   that compares it with the row it read the value from detects a moved value.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { EncryptionKeyError } from './errors.js';
import type { SealedSecret } from './grant-store.js';

const PREFIX = 'v1';
const BOUND_PREFIX = 'v2';

/** Decodes a base64 (or base64url) 32-byte key. @throws EncryptionKeyError when malformed. */
export function parseEncryptionKey(value: string, argument = 'encryptionKey'): Buffer {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new EncryptionKeyError(
      `${argument} must be a base64 string encoding 32 random bytes (generate one with: openssl rand -base64 32).`,
    );
  }
  const trimmed = value.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    throw new EncryptionKeyError(`${argument} is not base64. Generate a key with: openssl rand -base64 32.`);
  }
  const key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== 32) {
    throw new EncryptionKeyError(
      `${argument} decodes to ${key.length} bytes; AES-256 needs exactly 32. Generate one with: openssl rand -base64 32.`,
    );
  }
  return key;
}

/** The public, non-secret id of a key: 8 base64url characters of a hash of it. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('alter-vault-key-id:').update(key).digest('base64url').slice(0, 8);
}

/** The key id a sealed value names, or undefined when it is not a sealed value. */
export function sealedKeyId(sealed: string): string | undefined {
  const parts = sealed.split('.');
  if (parts.length === 5 && parts[0] === PREFIX) return parts[1];
  return parts.length === 6 && parts[0] === BOUND_PREFIX ? parts[1] : undefined;
}

/** A value opened by {@link SecretBox.openBound}: the plaintext and the authenticated context (null for v1). */
export interface OpenedSecret {
  readonly plain: string;
  readonly context: string | null;
}

/** Seals with the current key; opens with the current key or any previous one. Holds keys privately. */
export class SecretBox {
  readonly #keys = new Map<string, Buffer>();
  readonly #currentId: string;

  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    this.#currentId = keyIdOf(current);
    this.#keys.set(this.#currentId, current);
    for (const k of previous) {
      const id = keyIdOf(k);
      if (!this.#keys.has(id)) this.#keys.set(id, k);
    }
  }

  /** Id of the key new secrets are sealed with. */
  get keyId(): string {
    return this.#currentId;
  }

  /** Ids of every key this box can open (current first). */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  hasKey(keyId: string): boolean {
    return this.#keys.has(keyId);
  }

  /**
   * Seals `plain`. With `context`, the value is bound to it (format `v2`, context as GCM
   * additional authenticated data); without, format `v1`.
   */
  seal(plain: string, context?: string): SealedSecret {
    const key = this.#keys.get(this.#currentId)!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    if (context !== undefined) cipher.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    const parts = [
      context === undefined ? PREFIX : BOUND_PREFIX,
      this.#currentId,
      iv.toString('base64url'),
      tag.toString('base64url'),
      ct.toString('base64url'),
    ];
    if (context !== undefined) parts.push(Buffer.from(context, 'utf8').toString('base64url'));
    return parts.join('.');
  }

  /**
   * Opens a `v1` or `v2` value (a `v2` value is authenticated together with its embedded context,
   * which is NOT compared with anything here: use {@link openBound} to check it).
   * @throws EncryptionKeyError naming the key id when the key is unknown or the value was tampered with.
   */
  open(sealed: SealedSecret): string {
    return this.openBound(sealed).plain;
  }

  /**
   * Opens a value and returns the context it is bound to (authenticated; null for `v1`), so the
   * caller can compare it with where the value was read from.
   * @throws EncryptionKeyError naming the key id when the key is unknown or the value (or its context) was tampered with.
   */
  openBound(sealed: SealedSecret): OpenedSecret {
    const parts = typeof sealed === 'string' ? sealed.split('.') : [];
    const bound = parts.length === 6 && parts[0] === BOUND_PREFIX;
    if (!bound && (parts.length !== 5 || parts[0] !== PREFIX)) {
      throw new EncryptionKeyError(
        'A stored secret is not in the sealed format (v1.<keyId>.… or v2.<keyId>.…); the store may be corrupted.',
      );
    }
    const [, keyId, iv, tag, ct, encodedContext] = parts as [string, string, string, string, string, string | undefined];
    const key = this.#keys.get(keyId);
    if (!key) {
      throw new EncryptionKeyError(
        `A stored secret was sealed with key id "${keyId}", but the configured keys are ${this.keyIds.map((k) => `"${k}"`).join(', ')}. Configure that key as encryptionKey (or in previousKeys).`,
        { keyId },
      );
    }
    const context = bound ? Buffer.from(encodedContext ?? '', 'base64url').toString('utf8') : null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      if (context !== null) decipher.setAAD(Buffer.from(context, 'utf8'));
      const plain = Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
      return { plain, context };
    } catch {
      throw new EncryptionKeyError(`A stored secret sealed with key id "${keyId}" failed authentication (modified or corrupted).`, {
        keyId,
        cause: new Error('GCM authentication failed'),
      });
    }
  }

  /** A box sealing with `key`, still opening everything this box opens (for rotation). */
  rotatedTo(key: Buffer): SecretBox {
    return new SecretBox(key, [...this.#keys.values()]);
  }

  toJSON(): { keyId: string } {
    return { keyId: this.#currentId };
  }

  [inspect.custom](): string {
    return `SecretBox { keyId: '${this.#currentId}', keys: ${this.#keys.size} }`;
  }
}
