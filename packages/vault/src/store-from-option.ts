/** Turns the `store` option of AlterVault into a {@link GrantStore}. */
import { InvalidArgumentError } from './errors.js';
import type { GrantStore } from './grant-store.js';
import { PostgresGrantStore } from './postgres-grant-store.js';
import { SqliteGrantStore } from './sqlite-grant-store.js';

/**
 * `undefined` → SQLite at `./.alter/vault.db`; `'postgres://…'`/`'postgresql://…'` → PostgreSQL
 * (a `?schema=` parameter picks the schema); `'sqlite:path'` or any other string → a SQLite file;
 * an object → used as is (it must implement GrantStore).
 */
export function storeFromOption(option: GrantStore | string | undefined): GrantStore {
  if (option === undefined) return new SqliteGrantStore();
  if (typeof option === 'string') {
    const s = option.trim();
    if (s === '') throw new InvalidArgumentError('options.store', 'expected a GrantStore, a postgres:// URL, or a SQLite file path');
    if (/^postgres(ql)?:\/\//i.test(s)) return new PostgresGrantStore({ connectionString: s });
    if (s.startsWith('sqlite:')) return new SqliteGrantStore({ filename: s.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '') });
    return new SqliteGrantStore({ filename: s });
  }
  const required = ['open', 'close', 'putGrant', 'listGrants', 'updateGrant', 'appendAudit', 'queryAudit', 'kvGet', 'resealAll'] as const;
  if (
    option === null ||
    typeof option !== 'object' ||
    required.some((m) => typeof (option as unknown as Record<string, unknown>)[m] !== 'function')
  ) {
    throw new InvalidArgumentError('options.store', 'expected a GrantStore (see grant-store.ts), a postgres:// URL, or a SQLite file path');
  }
  return option;
}
