/**
 * The options of the stores and of the vault are exact: a key the constructor does not know is
 * refused with the key and the option it most likely meant, instead of being ignored while the
 * default is used — for a store that default is another database (`new SqliteGrantStore({ path })`
 * opened ./.alter/vault.db, and `{ schemaName }` wrote to PostgreSQL's public schema).
 * Constructors only: nothing here opens a store or needs a server.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AlterVault, type AlterVaultOptions, InvalidArgumentError, PostgresGrantStore, SqliteGrantStore } from '@alter/vault';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'alter-store-options-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The error `make` throws (options as plain JavaScript or JSON config would pass them). */
function refusal(make: () => unknown): InvalidArgumentError {
  try {
    make();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return err as InvalidArgumentError;
  }
  throw new Error('expected the constructor to refuse its options');
}

const sqlite = (options: unknown) => new SqliteGrantStore(options as ConstructorParameters<typeof SqliteGrantStore>[0]);
const postgres = (options: unknown) => new PostgresGrantStore(options as ConstructorParameters<typeof PostgresGrantStore>[0]);
const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

describe('new SqliteGrantStore(options)', () => {
  it('refuses `path` (the default file would be opened instead), naming filename', () => {
    const file = path.join(dir, 'vault.db');
    const err = refusal(() => sqlite({ path: file }));
    expect(err.code).toBe('ALTER_INVALID_ARGUMENT');
    expect(err.argument).toBe('options.path');
    expect(err.message).toBe('options.path: unknown option (did you mean filename?); expected filename or busyTimeoutMs');
    expect(existsSync(file)).toBe(false);
  });

  it('names the option a typo or another library’s name stands for', () => {
    expect(refusal(() => sqlite({ fileName: 'x.db' })).message).toMatch(/^options\.fileName: unknown option \(did you mean filename\?\)/);
    expect(refusal(() => sqlite({ busyTimeout: 10 })).message).toMatch(/\(did you mean busyTimeoutMs\?\)/);
    expect(refusal(() => sqlite({ timeout: 10 })).message).toMatch(/\(did you mean busyTimeoutMs\?\)/);
    expect(refusal(() => sqlite({ filename: 'x.db', verbose: console.log })).message).toBe(
      'options.verbose: unknown option; expected filename or busyTimeoutMs',
    );
  });

  it('accepts its own keys, undefined values and no options', () => {
    expect(sqlite({ filename: path.join(dir, 'a.db'), busyTimeoutMs: 10 }).filename).toBe(path.join(dir, 'a.db'));
    expect(sqlite({ filename: undefined, busyTimeoutMs: undefined }).filename).toBe(path.join('.alter', 'vault.db'));
    expect(new SqliteGrantStore().filename).toBe(path.join('.alter', 'vault.db'));
  });
});

describe('new PostgresGrantStore(options)', () => {
  it('refuses `schemaName` (the public schema would be used instead), naming schema', () => {
    const err = refusal(() => postgres({ connectionString: PG_URL, schemaName: 'tenant_a' }));
    expect(err.argument).toBe('options.schemaName');
    expect(err.message).toMatch(
      /^options\.schemaName: unknown option \(did you mean schema\?\); expected one of connectionString, schema, max, /,
    );
  });

  it('names connectionString for node-postgres’ and other libraries’ names of the URL', () => {
    for (const key of ['url', 'uri', 'connectionUrl', 'databaseUrl']) {
      const err = refusal(() => postgres({ [key]: PG_URL }));
      expect(err.argument).toBe(`options.${key}`);
      expect(err.message).toContain('(did you mean connectionString?)');
    }
    expect(refusal(() => postgres({ connectionString: PG_URL, connectionTimeoutMillis: 100 })).message).toContain(
      '(did you mean connectTimeoutMs?)',
    );
  });

  it('accepts its own keys', () => {
    const store = postgres({ connectionString: PG_URL, schema: 'tenant_a', max: 2, queryTimeoutMs: 1000, logger: undefined });
    expect(store.schema).toBe('tenant_a');
  });
});

describe('new AlterVault(options)', () => {
  const base = () => ({
    caller: 'store-options',
    store: path.join(dir, 'vault.db'),
    encryptionKey: randomBytes(32).toString('base64'),
    providers: [],
  });
  const vault = (extra: Record<string, unknown>) => new AlterVault({ ...base(), ...extra } as unknown as AlterVaultOptions);

  it('refuses an unknown top-level key, naming the option it stands for', () => {
    const { store: _store, ...withoutStore } = base();
    const err = refusal(() => new AlterVault({ ...withoutStore, storePath: path.join(dir, 'other.db') } as unknown as AlterVaultOptions));
    expect(err.argument).toBe('options.storePath');
    expect(err.message).toMatch(/^options\.storePath: unknown option \(did you mean store\?\); expected one of caller, providers, store, /);
    expect(refusal(() => vault({ timeoutMs: 5000 })).message).toContain('(did you mean http.timeoutMs?)');
    expect(refusal(() => vault({ providerz: [] })).message).toContain('(did you mean providers?)');
  });

  it('refuses unknown keys of options.http and options.refresh', () => {
    expect(refusal(() => vault({ http: { timeout: 5000 } })).message).toBe(
      'options.http.timeout: unknown option (did you mean timeoutMs?); expected timeoutMs',
    );
    expect(refusal(() => vault({ refresh: { leaseTtl: 5000 } })).argument).toBe('options.refresh.leaseTtl');
  });

  it('accepts every documented key', async () => {
    const v = vault({ http: { timeoutMs: 5000 }, refresh: { leaseTtlMs: 60_000 }, audit: { durability: 'sync' }, telemetry: false });
    await v.close();
  });
});
