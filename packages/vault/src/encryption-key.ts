/** Where the vault's encryption key comes from: option → ALTER_VAULT_KEY → a generated dev key file. */
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EncryptionKeyError } from './errors.js';
import type { Logger } from './logger.js';
import { parseEncryptionKey } from './secret-box.js';
import { createOwnerOnlyDirectory } from './internal/owner-only-files.js';

export interface ResolvedKey {
  readonly key: Buffer;
  readonly source: 'option' | 'env' | 'dev-file';
}

/** Default location of the generated development key. */
export const DEV_KEY_PATH = path.join('.alter', 'key');

export function resolveEncryptionKey(option: string | undefined, logger: Logger, devKeyPath = DEV_KEY_PATH): ResolvedKey {
  if (option !== undefined) return { key: parseEncryptionKey(option, 'encryptionKey'), source: 'option' };
  const env = process.env.ALTER_VAULT_KEY;
  if (env !== undefined && env.trim() !== '') return { key: parseEncryptionKey(env, 'ALTER_VAULT_KEY'), source: 'env' };
  const file = path.resolve(devKeyPath);
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new EncryptionKeyError(`Cannot read the development key file ${file}: ${(err as Error).message}`);
    }
  }
  if (text === undefined) {
    // The directory a vault keeps beside its key (./.alter) is the owner's alone, like the key.
    createOwnerOnlyDirectory(path.dirname(file));
    const generated = randomBytes(32).toString('base64');
    try {
      // 'wx': never overwrite a key another process just wrote.
      writeFileSync(file, `${generated}\n`, { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600);
      logger.warn(
        `No encryption key configured: generated a development key at ${file} (mode 0600). Set ALTER_VAULT_KEY (openssl rand -base64 32) in production; losing the key makes stored grants unreadable.`,
      );
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    text = readFileSync(file, 'utf8');
  } else {
    logger.warn(`Using the development encryption key at ${file}. Set ALTER_VAULT_KEY in production.`);
  }
  return { key: parseEncryptionKey(text, `key file ${file}`), source: 'dev-file' };
}
