/**
 * {@link GrantLock} on PostgreSQL: table `alter_grant_leases`, created by the PostgreSQL store's
 * migration 3. `tryAcquire` is ONE autocommit statement — `INSERT … ON CONFLICT DO UPDATE … WHERE
 * the lease expired or is ours` — so the row lock lives only for that statement, and no
 * transaction stays open while the caller talks to the token endpoint. Expiry uses the database
 * clock (`clock_timestamp()`), so processes on hosts with skewed clocks agree.
 */
import type { GrantLease, GrantLock } from './grant-lock.js';

/** Runs one statement on a pooled connection (the store's own `#q`, which wraps errors in StoreError). */
export type PostgresLeaseQuery = <R extends Record<string, unknown>>(sql: string, params: unknown[]) => Promise<R[]>;

/** Package-internal: built by `PostgresGrantStore.createGrantLock()`. */
export class PostgresGrantLock implements GrantLock {
  readonly kind = 'postgres';
  readonly #table: string;
  readonly #query: PostgresLeaseQuery;

  /** @param quotedSchema the store's schema, already validated and quoted (`"name"`). */
  constructor(quotedSchema: string, query: PostgresLeaseQuery) {
    this.#table = `${quotedSchema}.alter_grant_leases`;
    this.#query = query;
  }

  async tryAcquire(grantId: string, owner: string, ttlMs: number): Promise<GrantLease | undefined> {
    const rows = await this.#query<{ expires_at: Date }>(
      `INSERT INTO ${this.#table} AS l (grant_id, owner, expires_at)
       VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
       ON CONFLICT (grant_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE l.expires_at <= clock_timestamp() OR l.owner = excluded.owner
       RETURNING expires_at`,
      [grantId, owner, Math.ceil(ttlMs)],
    );
    const row = rows[0];
    return row ? Object.freeze({ grantId, owner, expiresAt: row.expires_at }) : undefined;
  }

  async release(grantId: string, owner: string): Promise<boolean> {
    const rows = await this.#query<{ grant_id: string }>(
      `DELETE FROM ${this.#table} WHERE grant_id = $1 AND owner = $2 RETURNING grant_id`,
      [grantId, owner],
    );
    return rows.length > 0;
  }
}
