/**
 * Maps better-sqlite3's errors (SQLITE_BUSY, SQLITE_FULL, SQLITE_IOERR…) to {@link StoreError}
 * for every method of a store class, so callers see one error type with a stable code and a
 * message that says what to do — never a raw driver error. Applied once to the prototype, so a
 * method added later is covered without anyone remembering to wrap it.
 */
import type Database from 'better-sqlite3';
import { AlterError, StoreError } from '../errors.js';
import { loadedDriver } from './optional-driver.js';

/** What to do, by SQLite primary result code (extended codes such as SQLITE_IOERR_WRITE map by prefix). */
const HINTS: ReadonlyArray<readonly [prefix: string, hint: string]> = [
  [
    'SQLITE_BUSY',
    'another connection held the database lock longer than busyTimeoutMs; retry, or raise busyTimeoutMs (for several processes writing one vault, use PostgreSQL)',
  ],
  ['SQLITE_LOCKED', 'the table is locked by another statement on this connection; retry'],
  ['SQLITE_FULL', 'the disk is full; free space and retry'],
  ['SQLITE_READONLY', 'the database file (or its directory) is read-only for this process; fix its permissions'],
  ['SQLITE_IOERR', 'the file system reported an I/O error; check the disk'],
  ['SQLITE_CORRUPT', 'the database file is damaged; restore it from a backup'],
  ['SQLITE_NOTADB', 'the file is not a SQLite database; check the path or restore it from a backup'],
  ['SQLITE_CANTOPEN', 'the database file cannot be opened; check the path and permissions'],
  ['SQLITE_PERM', 'access to the database file was denied; check its permissions'],
  ['SQLITE_CONSTRAINT', 'a constraint was violated'],
];

/**
 * True for the driver's own errors (and its "connection is not open" after close()). Checked by
 * shape as well as class: the native addon keeps the SqliteError class it was first given, so with
 * two copies of better-sqlite3 (or a test runner that reloads modules in a new realm) `instanceof` misses.
 */
function isDriverError(err: unknown): err is Error {
  const SqliteError = loadedDriver<typeof Database>('better-sqlite3')?.SqliteError;
  if (SqliteError !== undefined && err instanceof SqliteError) return true;
  if (err === null || typeof err !== 'object') return false;
  // No `instanceof Error` either: the class may come from another realm (a vm context).
  const { name, code, message } = err as { name?: unknown; code?: unknown; message?: unknown };
  if (name === 'SqliteError' && typeof code === 'string' && code.startsWith('SQLITE_') && typeof message === 'string') return true;
  return name === 'TypeError' && typeof message === 'string' && /database connection is not open/i.test(message);
}

/** `err` as a StoreError naming the store method and the file; other errors unchanged. */
export function sqliteStoreError(err: unknown, method: string, filename: string): unknown {
  if (err instanceof AlterError || !isDriverError(err)) return err;
  const rawCode: unknown = (err as { code?: unknown }).code;
  const code = typeof rawCode === 'string' ? rawCode : 'closed';
  const hint =
    code === 'closed'
      ? 'the store was closed; open a new one'
      : (HINTS.find(([prefix]) => code.startsWith(prefix))?.[1] ?? 'check the database file and retry');
  return new StoreError(`SQLite store ${method} failed on ${filename} (${code}: ${err.message.slice(0, 200)}): ${hint}.`, { cause: err });
}

/**
 * Replaces every method on `cls.prototype` by one that maps driver errors (thrown or rejected)
 * with {@link sqliteStoreError}. Getters and symbol-keyed members are left alone.
 */
export function mapSqliteDriverErrors<T extends object>(cls: { readonly prototype: T }, filenameOf: (store: T) => string): void {
  const proto = cls.prototype;
  for (const name of Object.getOwnPropertyNames(proto)) {
    if (name === 'constructor') continue;
    const desc = Object.getOwnPropertyDescriptor(proto, name);
    if (!desc || typeof desc.value !== 'function') continue;
    const original = desc.value as (this: T, ...args: unknown[]) => unknown;
    const mapped = function (this: T, ...args: unknown[]): unknown {
      let result: unknown;
      try {
        result = original.apply(this, args);
      } catch (err) {
        throw sqliteStoreError(err, name, filenameOf(this));
      }
      if (result instanceof Promise) {
        return result.catch((err: unknown) => {
          throw sqliteStoreError(err, name, filenameOf(this));
        });
      }
      return result;
    };
    Object.defineProperty(mapped, 'name', { value: name });
    Object.defineProperty(proto, name, { ...desc, value: mapped });
  }
}
