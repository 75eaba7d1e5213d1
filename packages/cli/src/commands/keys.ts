/** `alter keys rotate`: re-encrypt every stored secret with a new key. */
import { randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringOption } from '../args.js';
import { UsageError } from '../cli-error.js';
import type { CommandSpec } from '../command.js';
import { DEV_KEY_FILE } from '../vault-session.js';

/** Checks a base64 key the way the vault will, but naming the CLI option. */
function checkKey(value: string, option: string): string {
  const trimmed = value.trim();
  const bytes = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64').length : -1;
  if (bytes !== 32) {
    throw new UsageError(`${option}: the new key must be base64 for exactly 32 random bytes (generate one with: openssl rand -base64 32)`);
  }
  return trimmed;
}

export const keysRotate: CommandSpec = {
  path: ['keys', 'rotate'],
  summary: 'Re-encrypt every stored secret with a new key.',
  details:
    'The current key comes from the config (encryptionKey, ALTER_VAULT_KEY, or the development key file).\n' +
    'The new key comes from --new-key / --new-key-env, or is generated and printed ONCE on stdout: store it\n' +
    'before anything else. Everything is re-encrypted in one transaction; afterwards the old key no longer\n' +
    'opens the vault, so configure the new key on every server and restart them (a running server holding\n' +
    'only the old key fails to read grants until then). With the development key file, the file is updated.',
  options: {
    'new-key': {
      type: 'string',
      value: 'base64',
      description: 'the new key (32 bytes, base64); visible in shell history, prefer --new-key-env',
    },
    'new-key-env': { type: 'string', value: 'VAR', description: 'read the new key from this environment variable' },
  },
  positionals: [],
  examples: ['alter keys rotate > new-key.txt', 'NEW_KEY=$(openssl rand -base64 32) alter keys rotate --new-key-env NEW_KEY'],
  usesVault: true,
  async run({ io, values, openVault, loadConfig }) {
    const given = stringOption(values, 'new-key');
    const envName = stringOption(values, 'new-key-env');
    if (given !== undefined && envName !== undefined)
      throw new UsageError('give --new-key or --new-key-env, not both (see "alter keys rotate --help")');
    let newKey: string;
    let generated = false;
    if (given !== undefined) newKey = checkKey(given, '--new-key');
    else if (envName !== undefined) {
      const v = io.env[envName];
      if (v === undefined || v.trim() === '') throw new UsageError(`--new-key-env: environment variable ${envName} is not set`);
      newKey = checkKey(v, `--new-key-env ${envName}`);
    } else {
      newKey = randomBytes(32).toString('base64');
      generated = true;
    }

    const config = await loadConfig();
    const vault = await openVault();
    const oldKeyId = vault.keyId;
    if (generated) {
      // Printed before rotating: if the process dies mid-way, the operator already holds the key
      // the vault may now need (the rotation itself is one transaction: all or nothing).
      io.stdout.write(`${newKey}\n`);
      io.stderr.write(
        'alter: warning: the new key above is shown only once. Store it now (secret manager, ALTER_VAULT_KEY); without it the vault cannot be opened.\n',
      );
    }
    const { resealed, keyId } = await vault.rotateKey(newKey);
    if (keyId === oldKeyId) {
      // Rotating to the current key finishes a zero-downtime rotation: everything the servers
      // sealed with a previous key meanwhile is now sealed with the current one.
      io.stderr.write(`re-encrypted ${resealed} secrets with the current key (id ${keyId}); previousKeys are no longer needed\n`);
      return 0;
    }
    io.stderr.write(`rotated: ${resealed} secrets re-encrypted, key id ${oldKeyId} → ${keyId}\n`);

    if (config.sources.encryptionKey === 'default') {
      const file = path.resolve(io.cwd, DEV_KEY_FILE);
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, `${newKey}\n`, { mode: 0o600, flag: 'wx' });
      renameSync(tmp, file);
      io.stderr.write(`updated the development key file ${DEV_KEY_FILE}\n`);
    } else {
      const where =
        config.sources.encryptionKey === 'environment'
          ? 'ALTER_VAULT_KEY'
          : `encryptionKey in ${config.file ? path.basename(config.file) : 'the config'}`;
      io.stderr.write(
        `next: set ${where} to the new key on every server and restart them; the old key (id ${oldKeyId}) no longer opens this vault\n`,
      );
    }
    return 0;
  },
};
