/**
 * The CLI reads the same configuration as the servers: the `AlterVault` options object. It comes
 * from, in order of precedence:
 *
 * 1. command-line flags (`--store`, `--caller`);
 * 2. the config file (`--config <file>`, else `alter.config.mjs`, `.js` or `.json` in the current
 *    directory) — a module whose default export is the options object (or a function returning
 *    it), or JSON whose `providers` map is turned into provider configs by `providers.<id>()`;
 * 3. environment variables `ALTER_VAULT_STORE`, `ALTER_VAULT_KEY`, `ALTER_CALLER`;
 * 4. the vault's own defaults (SQLite at `./.alter/vault.db`, the dev key in `./.alter/key`).
 *
 * File before environment on purpose: a server started with that config file ignores
 * `ALTER_VAULT_KEY` when the file sets `encryptionKey`, and the CLI must open the vault exactly as
 * the server does.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigFileError } from './cli-error.js';

/** The names the CLI looks for in the current directory, in this order. */
export const DEFAULT_CONFIG_FILES = ['alter.config.mjs', 'alter.config.js', 'alter.config.json'] as const;

/** Where a setting came from (shown by `alter doctor`). */
export type SettingSource = 'flag' | 'config file' | 'environment' | 'default';

/**
 * The vault options as the CLI hands them to `new AlterVault()`. Kept open (`[key: string]`)
 * because a config module may set any option the vault accepts (`connect`, `http`, …).
 */
export interface VaultOptionsInput {
  caller: string;
  store?: unknown;
  encryptionKey?: string;
  previousKeys?: readonly string[];
  providers: readonly unknown[];
  [option: string]: unknown;
}

/** A provider factory: `providers.google`, `providers.oidc`, … */
export type ProviderFactory = (options: Record<string, unknown>) => unknown;

/** The result of {@link loadConfig}. Never printed whole: it may hold secrets. */
export interface LoadedConfig {
  readonly options: VaultOptionsInput;
  /** Absolute path of the config file, or undefined when none was found. */
  readonly file: string | undefined;
  readonly sources: { readonly store: SettingSource; readonly encryptionKey: SettingSource; readonly caller: SettingSource };
  /**
   * Problems that do not stop every command (an unset `clientSecretEnv` variable): `doctor`
   * reports them, `connect` fails on them.
   */
  readonly problems: readonly string[];
}

export interface LoadConfigInput {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** `--config`, `--store`, `--caller`. */
  readonly flags: { readonly config?: string; readonly store?: string; readonly caller?: string };
  /** `providers` from @alter/vault (injected so this file stays testable without a vault). */
  readonly providerFactories: Readonly<Record<string, ProviderFactory | unknown>>;
}

/** Default `caller` when neither the file, `--caller` nor `ALTER_CALLER` names one. */
export const DEFAULT_CALLER = 'alter-cli';

/**
 * Finds and loads the configuration.
 *
 * @throws ConfigFileError when `--config` names a missing file, or the file cannot be read,
 *   parsed or imported, or its shape is wrong (the message names the file and the field).
 */
export async function loadConfig(input: LoadConfigInput): Promise<LoadedConfig> {
  const { cwd, env, flags } = input;
  const file = findConfigFile(cwd, flags.config);
  const problems: string[] = [];
  const fromFile: Record<string, unknown> = file ? await readConfigFile(file, env, input.providerFactories, problems) : {};

  const options: VaultOptionsInput = { ...fromFile, caller: DEFAULT_CALLER, providers: [] };
  if (Array.isArray(fromFile.providers)) options.providers = fromFile.providers;

  const pick = (flag: string | undefined, fileValue: unknown, envName: string): [unknown, SettingSource] => {
    if (flag !== undefined && flag !== '') return [flag, 'flag'];
    if (fileValue !== undefined && fileValue !== null && fileValue !== '') return [fileValue, 'config file'];
    const e = env[envName];
    if (e !== undefined && e.trim() !== '') return [e.trim(), 'environment'];
    return [undefined, 'default'];
  };

  const [store, storeSource] = pick(flags.store, fromFile.store, 'ALTER_VAULT_STORE');
  if (store === undefined) delete options.store;
  else options.store = store;

  const [key, keySource] = pick(undefined, fromFile.encryptionKey, 'ALTER_VAULT_KEY');
  if (key === undefined) delete options.encryptionKey;
  else if (typeof key !== 'string') throw new ConfigFileError(`${describe(file)}: encryptionKey must be a base64 string`);
  else options.encryptionKey = key;

  const [caller, callerSource] = pick(flags.caller, fromFile.caller, 'ALTER_CALLER');
  if (caller !== undefined) {
    if (typeof caller !== 'string') throw new ConfigFileError(`${describe(file)}: caller must be a string`);
    options.caller = caller;
  }

  return Object.freeze({
    options,
    file,
    sources: Object.freeze({ store: storeSource, encryptionKey: keySource, caller: caller === undefined ? 'default' : callerSource }),
    problems: Object.freeze(problems),
  });
}

/** The config file to read: `--config` (must exist) or the first default name present in `cwd`. */
export function findConfigFile(cwd: string, explicit: string | undefined): string | undefined {
  if (explicit !== undefined) {
    const abs = path.resolve(cwd, explicit);
    if (!existsSync(abs)) throw new ConfigFileError(`config file ${explicit} does not exist (--config)`);
    return abs;
  }
  for (const name of DEFAULT_CONFIG_FILES) {
    const abs = path.join(cwd, name);
    if (existsSync(abs)) return abs;
  }
  return undefined;
}

async function readConfigFile(
  file: string,
  env: NodeJS.ProcessEnv,
  factories: LoadConfigInput['providerFactories'],
  problems: string[],
): Promise<Record<string, unknown>> {
  if (file.endsWith('.json')) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigFileError(`${describe(file)} is not valid JSON: ${firstLine(err)}`, { cause: err });
    }
    if (!isPlainObject(json)) throw new ConfigFileError(`${describe(file)} must contain a JSON object`);
    return fromJson(json, file, env, factories, problems);
  }
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (err) {
    throw new ConfigFileError(`cannot load ${describe(file)}: ${firstLine(err)}`, { cause: err });
  }
  let value = mod.default;
  if (typeof value === 'function') {
    try {
      value = await (value as () => unknown)();
    } catch (err) {
      throw new ConfigFileError(`the default export of ${describe(file)} threw: ${firstLine(err)}`, { cause: err });
    }
  }
  if (!isPlainObject(value)) {
    throw new ConfigFileError(`${describe(file)} must default-export the AlterVault options object (or a function returning it)`);
  }
  if (value.providers !== undefined && !Array.isArray(value.providers)) {
    throw new ConfigFileError(`${describe(file)}: providers must be an array of provider configs (providers.google({...}), …)`);
  }
  return value;
}

/**
 * JSON cannot hold functions, so providers are written as a map and built here:
 * `{ "google": { "clientId": "…", "clientSecretEnv": "GOOGLE_CLIENT_SECRET" } }` becomes
 * `providers.google({ clientId: "…", clientSecret: process.env.GOOGLE_CLIENT_SECRET })`. A
 * `"type"` field picks another factory (`"type": "oidc"` for `providers.oidc`), the map key being
 * the provider id then. `encryptionKeyEnv` names the variable holding the key.
 */
function fromJson(
  json: Record<string, unknown>,
  file: string,
  env: NodeJS.ProcessEnv,
  factories: LoadConfigInput['providerFactories'],
  problems: string[],
): Record<string, unknown> {
  const { providers: providerMap, encryptionKeyEnv, ...rest } = json;
  const out: Record<string, unknown> = { ...rest };
  if (encryptionKeyEnv !== undefined) {
    if (typeof encryptionKeyEnv !== 'string')
      throw new ConfigFileError(`${describe(file)}: encryptionKeyEnv must name an environment variable`);
    const key = env[encryptionKeyEnv];
    if (key === undefined || key === '') problems.push(`encryptionKeyEnv names ${encryptionKeyEnv}, which is not set`);
    else out.encryptionKey = key;
  }
  if (providerMap === undefined) return out;
  if (!isPlainObject(providerMap)) {
    throw new ConfigFileError(
      `${describe(file)}: providers must be an object like { "google": { "clientId": "…", "clientSecretEnv": "…" } }`,
    );
  }
  const built: unknown[] = [];
  for (const [id, raw] of Object.entries(providerMap)) {
    if (!isPlainObject(raw)) throw new ConfigFileError(`${describe(file)}: providers.${id} must be an object`);
    const { type, clientSecretEnv, ...opts } = raw;
    const factoryName = typeof type === 'string' ? type : id;
    const factory = factories[factoryName];
    if (typeof factory !== 'function') {
      const known = Object.keys(factories)
        .filter((k) => typeof factories[k] === 'function')
        .join(', ');
      throw new ConfigFileError(
        `${describe(file)}: providers.${id}: unknown provider type "${factoryName}" (known: ${known}; set "type" for a custom id)`,
      );
    }
    if (clientSecretEnv !== undefined) {
      if (typeof clientSecretEnv !== 'string')
        throw new ConfigFileError(`${describe(file)}: providers.${id}.clientSecretEnv must name an environment variable`);
      const secret = env[clientSecretEnv];
      if (secret === undefined || secret === '') {
        // Left out rather than failing the whole config: listing grants or exporting the audit
        // log needs no client secret, and `doctor` / `connect` report the problem.
        problems.push(`providers.${id}.clientSecretEnv names ${clientSecretEnv}, which is not set (provider ${id} is left out)`);
        continue;
      }
      opts.clientSecret = secret;
    }
    if (typeof type === 'string' && opts.id === undefined) opts.id = id;
    try {
      built.push((factory as ProviderFactory)(opts));
    } catch (err) {
      throw new ConfigFileError(`${describe(file)}: providers.${id}: ${firstLine(err)}`, { cause: err });
    }
  }
  out.providers = built;
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(file: string | undefined): string {
  return file ? path.basename(file) : 'the configuration';
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}
