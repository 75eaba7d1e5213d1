import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ConfigFileError } from '../../src/cli-error.js';
import { loadConfig } from '../../src/config.js';

const factories = {
  google: (o: Record<string, unknown>) => ({ kind: 'google', ...o }),
  oidc: (o: Record<string, unknown>) => ({ kind: 'oidc', ...o }),
};

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'alter-cli-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const load = (env: NodeJS.ProcessEnv = {}, flags: { config?: string; store?: string; caller?: string } = {}) =>
    loadConfig({ cwd: dir, env, flags, providerFactories: factories });

  it('works with no file at all: environment, then defaults', async () => {
    const none = await load();
    expect(none.file).toBeUndefined();
    expect(none.options).toEqual({ caller: 'alter-cli', providers: [] });
    expect(none.sources).toEqual({ store: 'default', encryptionKey: 'default', caller: 'default' });

    const env = await load({ ALTER_VAULT_STORE: '/tmp/v.db', ALTER_VAULT_KEY: 'k'.repeat(44), ALTER_CALLER: 'ops' });
    expect(env.options).toMatchObject({ store: '/tmp/v.db', encryptionKey: 'k'.repeat(44), caller: 'ops' });
    expect(env.sources).toEqual({ store: 'environment', encryptionKey: 'environment', caller: 'environment' });
  });

  it('loads alter.config.mjs (object or function) and lets the file win over the environment, flags over both', async () => {
    writeFileSync(
      path.join(dir, 'alter.config.mjs'),
      `export default async () => ({ caller: 'srv', store: 'file.db', providers: [{ id: 'x' }], connect: { baseUrl: 'http://127.0.0.1:9' } });`,
    );
    const cfg = await load({ ALTER_VAULT_STORE: 'env.db', ALTER_CALLER: 'env' });
    expect(cfg.file).toBe(path.join(dir, 'alter.config.mjs'));
    expect(cfg.options).toMatchObject({
      caller: 'srv',
      store: 'file.db',
      providers: [{ id: 'x' }],
      connect: { baseUrl: 'http://127.0.0.1:9' },
    });
    expect(cfg.sources.store).toBe('config file');

    const flagged = await load({ ALTER_VAULT_STORE: 'env.db' }, { store: 'flag.db', caller: 'cli' });
    expect(flagged.options).toMatchObject({ store: 'flag.db', caller: 'cli' });
    expect(flagged.sources).toMatchObject({ store: 'flag', caller: 'flag' });
  });

  it('maps JSON providers through the factories, reading secrets from the environment', async () => {
    writeFileSync(
      path.join(dir, 'alter.config.json'),
      JSON.stringify({
        caller: 'json',
        encryptionKeyEnv: 'MY_KEY',
        providers: {
          google: { clientId: 'cid', clientSecretEnv: 'G_SECRET' },
          corp: { type: 'oidc', issuer: 'https://id.corp.test', clientId: 'c2', clientSecretEnv: 'MISSING' },
        },
      }),
    );
    const cfg = await load({ G_SECRET: 'shh-secret', MY_KEY: 'key-from-env' });
    expect(cfg.options.encryptionKey).toBe('key-from-env');
    expect(cfg.options.providers).toEqual([{ kind: 'google', clientId: 'cid', clientSecret: 'shh-secret' }]);
    expect(cfg.problems).toEqual(['providers.corp.clientSecretEnv names MISSING, which is not set (provider corp is left out)']);

    writeFileSync(
      path.join(dir, 'typed.json'),
      JSON.stringify({ providers: { corp: { type: 'oidc', issuer: 'https://id.corp.test', clientId: 'c2' } } }),
    );
    const typed = await load({}, { config: 'typed.json' });
    expect(typed.options.providers).toEqual([{ kind: 'oidc', id: 'corp', issuer: 'https://id.corp.test', clientId: 'c2' }]);
  });

  it('fails with a clear ConfigFileError on a bad file', async () => {
    await expect(load({}, { config: 'nope.json' })).rejects.toThrow('config file nope.json does not exist (--config)');

    writeFileSync(path.join(dir, 'bad.json'), '{ "caller": ');
    await expect(load({}, { config: 'bad.json' })).rejects.toThrow(/bad\.json is not valid JSON/);

    writeFileSync(path.join(dir, 'unknown.json'), JSON.stringify({ providers: { dropbox: { clientId: 'x' } } }));
    await expect(load({}, { config: 'unknown.json' })).rejects.toThrow(
      /providers\.dropbox: unknown provider type "dropbox" \(known: google, oidc/,
    );

    writeFileSync(path.join(dir, 'arr.mjs'), 'export default { providers: { google: {} } };');
    await expect(load({}, { config: 'arr.mjs' })).rejects.toThrow(/providers must be an array/);

    writeFileSync(path.join(dir, 'none.mjs'), 'export const x = 1;');
    await expect(load({}, { config: 'none.mjs' })).rejects.toBeInstanceOf(ConfigFileError);

    writeFileSync(path.join(dir, 'throws.mjs'), 'throw new Error("boom");');
    await expect(load({}, { config: 'throws.mjs' })).rejects.toThrow('cannot load throws.mjs: boom');
  });
});
