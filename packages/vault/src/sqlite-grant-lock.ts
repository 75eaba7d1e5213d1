/**
 * {@link GrantLock} on the vault's SQLite file: table `alter_grant_leases`, created by the
 * SQLite store's migration 3. `tryAcquire` is a compare-and-set inside `BEGIN IMMEDIATE`, which
 * takes SQLite's write lock for the whole file, so it is atomic across every process on the host
 * that opens the file (WAL mode; not across hosts — SQLite over a network filesystem is unsafe
 * anyway). The transaction ends before `tryAcquire` returns; the clock is the host's.
 */
import type Database from 'better-sqlite3';
import type { GrantLease, GrantLock } from './grant-lock.js';
import { sqliteStoreError } from './internal/sqlite-errors.js';

/** Package-internal: built by `SqliteGrantStore.createGrantLock()`, which lends its connection. */
export class SqliteGrantLock implements GrantLock {
  readonly kind = 'sqlite';
  readonly #conn: () => Database.Database;
  readonly #filename: string;

  constructor(conn: () => Database.Database, filename: string) {
    this.#conn = conn;
    this.#filename = filename;
  }

  async tryAcquire(grantId: string, owner: string, ttlMs: number): Promise<GrantLease | undefined> {
    const db = this.#conn();
    try {
      const cas = db.transaction((): GrantLease | undefined => {
        const now = Date.now();
        const held = db.prepare('SELECT owner, expires_at FROM alter_grant_leases WHERE grant_id = ?').get(grantId) as
          | { owner: string; expires_at: number }
          | undefined;
        if (held && held.owner !== owner && held.expires_at > now) return undefined;
        const expires = now + ttlMs;
        db.prepare(
          `INSERT INTO alter_grant_leases (grant_id, owner, expires_at) VALUES (?, ?, ?)
           ON CONFLICT (grant_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at`,
        ).run(grantId, owner, expires);
        return Object.freeze({ grantId, owner, expiresAt: new Date(expires) });
      });
      return cas.immediate();
    } catch (cause) {
      // SQLITE_BUSY & co. become the store's StoreError (naming the method, the file and the fix).
      throw sqliteStoreError(cause, 'GrantLock.tryAcquire', this.#filename);
    }
  }

  async release(grantId: string, owner: string): Promise<boolean> {
    try {
      return this.#conn().prepare('DELETE FROM alter_grant_leases WHERE grant_id = ? AND owner = ?').run(grantId, owner).changes > 0;
    } catch (cause) {
      // The lease then expires on its own.
      throw sqliteStoreError(cause, 'GrantLock.release', this.#filename);
    }
  }
}
