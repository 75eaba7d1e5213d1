/**
 * The database drivers are optional peer dependencies: `better-sqlite3` for SQLite stores, `pg`
 * for PostgreSQL. Neither is imported when @alter/vault is imported; a store loads its driver
 * when it is constructed, so an app that uses one store never needs (or compiles) the other, and
 * a missing driver fails at startup with a {@link DependencyMissingError} naming the install
 * command — not at the first tool call.
 *
 * Two ways a driver gets here:
 * - `@alter/vault/sqlite` / `@alter/vault/postgres` import it statically and hand it over with
 *   {@link provideDriver} — what a bundler needs to see (see docs/bundling.md);
 * - otherwise {@link loadDriver} requires it by name, resolved from this package's location
 *   (both drivers are CommonJS, so a synchronous require works from ESM).
 */
import { createRequire } from 'node:module';
import { DependencyMissingError } from '../errors.js';

/** The optional drivers, by npm name. */
export type DriverName = 'better-sqlite3' | 'pg';

const drivers = new Map<DriverName, unknown>();

/** Records a statically imported driver module (used by the `sqlite` / `postgres` entry points). */
export function provideDriver(name: DriverName, driver: unknown): void {
  if (driver === null || (typeof driver !== 'object' && typeof driver !== 'function')) {
    throw new TypeError(`provideDriver("${name}"): expected the module's default export`);
  }
  if (!drivers.has(name)) drivers.set(name, driver);
}

/** The driver if it has been provided or loaded already; never loads it. */
export function loadedDriver<T>(name: DriverName): T | undefined {
  return drivers.get(name) as T | undefined;
}

/**
 * The driver module (its CommonJS `module.exports`), loading it on first use.
 * @throws DependencyMissingError when it is not installed, naming `feature` and the install command.
 */
export function loadDriver<T>(name: DriverName, feature: string): T {
  const known = drivers.get(name);
  if (known !== undefined) return known as T;
  let driver: unknown;
  try {
    driver = createRequire(import.meta.url)(name);
  } catch (cause) {
    if (isNotFound(cause, name)) throw new DependencyMissingError({ module: name, feature, cause });
    throw cause;
  }
  drivers.set(name, driver);
  return driver as T;
}

/** True when `err` says `name` itself cannot be found (not one of its own imports). */
function isNotFound(err: unknown, name: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : '';
  return code === 'MODULE_NOT_FOUND' && message.includes(`'${name}'`);
}
