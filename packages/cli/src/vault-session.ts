/**
 * Opens the vault a command works on, from the loaded config, with guards a CLI needs and a
 * server does not: it never creates a development key or an empty SQLite file by accident (a
 * mistyped path would otherwise show "no grants" instead of an error).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AlterVault, type AlterVaultOptions, type Logger, providers } from '@alter/vault';
import { stringOption } from './args.js';
import { ConfigFileError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import type { OptionValues } from './command.js';
import { type LoadedConfig, loadConfig } from './config.js';

/** The vault as commands see it. */
export type CliVault = AlterVault;

/** Where the vault keeps its development key and default SQLite file, relative to the working directory. */
export const DEV_KEY_FILE = path.join('.alter', 'key');
export const DEFAULT_SQLITE_FILE = path.join('.alter', 'vault.db');

/**
 * The SQLite file a `store` option points at (resolved against `cwd`), or undefined for
 * PostgreSQL or a store object.
 */
export function sqliteFileOf(store: unknown, cwd: string): string | undefined {
  if (store === undefined) return path.resolve(cwd, DEFAULT_SQLITE_FILE);
  if (typeof store !== 'string') return undefined;
  const s = store.trim();
  if (/^postgres(ql)?:\/\//i.test(s)) return undefined;
  const file = s.startsWith('sqlite:') ? s.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '') : s;
  return file === ':memory:' ? undefined : path.resolve(cwd, file);
}

/**
 * Query parameters of a PostgreSQL URL shown as they are. pg reads every query parameter into its
 * connection options (`?password=…` included), so any other one may carry a secret: an
 * allowlist, because a denylist would miss the next option that does.
 */
const SHOWN_POSTGRES_PARAMS: ReadonlySet<string> = new Set([
  'schema',
  'host',
  'port',
  'user',
  'ssl',
  'sslmode',
  'application_name',
  'connect_timeout',
]);

/**
 * A store option made printable: in a PostgreSQL URL the userinfo password and the value of every
 * query parameter not in {@link SHOWN_POSTGRES_PARAMS} are shown as `***`.
 */
export function describeStore(store: unknown, cwd: string): string {
  if (store === undefined) return `sqlite ${DEFAULT_SQLITE_FILE} (default)`;
  if (typeof store === 'string') {
    const s = store.trim();
    if (/^postgres(ql)?:\/\//i.test(s)) {
      try {
        const u = new URL(s);
        if (u.password !== '') u.password = '***';
        for (const [name, value] of [...u.searchParams]) {
          if (!SHOWN_POSTGRES_PARAMS.has(name) && value !== '') u.searchParams.set(name, '***');
        }
        return `postgres ${u.href}`;
      } catch {
        return 'postgres (unparseable URL)';
      }
    }
    return `sqlite ${path.relative(cwd, sqliteFileOf(s, cwd) ?? s) || s}`;
  }
  const kind = (store as { kind?: unknown } | null)?.kind;
  return `custom store (${typeof kind === 'string' ? kind : 'unknown kind'})`;
}

/** The CLI's logger: vault warnings as `alter: warning: …` lines on stderr; debug with `DEBUG=alter:*`. */
export function cliLogger(io: CliIo): Logger {
  const verbose = (io.env.DEBUG ?? '').split(/[\s,]+/).some((p) => p === '*' || p.startsWith('alter:'));
  // Fields are shown only in debug mode: they are secret-free but noisy for a one-line CLI.
  const line = (level: string, message: string, fields?: Readonly<Record<string, unknown>>) =>
    io.stderr.write(`alter: ${level}: ${message}${verbose && fields && Object.keys(fields).length > 0 ? ` ${safeJson(fields)}` : ''}\n`);
  return {
    debug: (m, f) => verbose && line('debug', m, f),
    info: (m, f) => verbose && line('info', m, f),
    warn: (m, f) => line('warning', m, f),
    error: (m, f) => line('error', m, f),
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return '[unserializable]';
  }
}

export interface OpenOptions {
  /** Refuse a SQLite file that does not exist yet (default true; `connect` may create the vault). */
  readonly requireExistingStore?: boolean;
}

/** Loads the config and opens the vault once per command; `close()` closes whatever was opened. */
export class VaultSession {
  #config: Promise<LoadedConfig> | undefined;
  #vault: Promise<AlterVault> | undefined;

  constructor(
    private readonly io: CliIo,
    private readonly values: OptionValues,
  ) {}

  /** The configuration (flags, file, environment). */
  config(): Promise<LoadedConfig> {
    this.#config ??= loadConfig({
      cwd: this.io.cwd,
      env: this.io.env,
      flags: {
        ...(stringOption(this.values, 'config') !== undefined ? { config: stringOption(this.values, 'config')! } : {}),
        ...(stringOption(this.values, 'store') !== undefined ? { store: stringOption(this.values, 'store')! } : {}),
        ...(stringOption(this.values, 'caller') !== undefined ? { caller: stringOption(this.values, 'caller')! } : {}),
      },
      providerFactories: providers,
    });
    return this.#config;
  }

  /**
   * Opens the vault and waits until its store is open and the key checked against it.
   * @throws ConfigFileError when no key is configured, or the SQLite file does not exist;
   *   EncryptionKeyError / StoreError from the vault.
   */
  open(options: OpenOptions = {}): Promise<AlterVault> {
    this.#vault ??= (async () => {
      const config = await this.config();
      const { cwd } = this.io;
      if (config.sources.encryptionKey === 'default' && !existsSync(path.resolve(cwd, DEV_KEY_FILE))) {
        throw new ConfigFileError(
          `no encryption key: set ALTER_VAULT_KEY or encryptionKey in the config (no development key at ${DEV_KEY_FILE} either; run alter from the server's directory to use it)`,
        );
      }
      const file = sqliteFileOf(config.options.store, cwd);
      if (file !== undefined && options.requireExistingStore !== false && !existsSync(file)) {
        throw new ConfigFileError(
          `the SQLite vault ${path.relative(cwd, file) || file} does not exist: check --store, ALTER_VAULT_STORE or the config's store`,
        );
      }
      const vault = new AlterVault({
        logger: cliLogger(this.io),
        ...(config.options as unknown as AlterVaultOptions),
        // A relative SQLite path means "relative to where alter runs", like it does for a server.
        ...(file !== undefined ? { store: file } : {}),
      });
      try {
        await vault.ready();
      } catch (err) {
        await vault.close().catch(() => {});
        throw err;
      }
      return vault;
    })();
    return this.#vault;
  }

  /** Closes the vault if it was opened (flushes audit, stops a Connect listener). */
  async close(): Promise<void> {
    const pending = this.#vault;
    this.#vault = undefined;
    if (!pending) return;
    const vault = await pending.catch(() => undefined);
    await vault?.close();
  }
}
