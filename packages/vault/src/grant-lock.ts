/**
 * The refresh lease seam: who may refresh a grant right now, across processes.
 *
 * A refresh must be single-flight across every process sharing a vault, or a provider that
 * rotates refresh tokens sees the old one twice, answers `invalid_grant` and (RFC 9700 §4.14.2)
 * revokes the grant. It must also never hold a database transaction across the provider's HTTP
 * call (a blip then discards freshly rotated tokens). So the token pipeline takes a short-lived
 * *lease* — owner + expiry written by one atomic compare-and-set, after which no transaction is
 * open — calls the token endpoint, persists the new tokens and releases the lease. A process that
 * dies holding a lease blocks nobody for longer than the lease's TTL.
 *
 * The seam is separate from {@link GrantStore} so a lease kept elsewhere (Redis `SET NX PX`, etcd)
 * can be plugged in without touching a store. SQLite and PostgreSQL stores bring their own
 * (`store.createGrantLock()`, a table `alter_grant_leases` in the store's database).
 */

/** A lease held on one grant. Plain data, frozen; owner ids are not secret. */
export interface GrantLease {
  readonly grantId: string;
  /** Opaque id of the holder (one per refresh attempt). */
  readonly owner: string;
  /** When the lease lapses if it is not released (the lock's clock). */
  readonly expiresAt: Date;
}

/**
 * Cross-process mutual exclusion for refreshing one grant, as expiring leases.
 *
 * Implementations must make `tryAcquire` atomic across every process that shares the vault
 * (a compare-and-set under a row lock, `BEGIN IMMEDIATE`, `SET NX`), must not keep anything open
 * after it returns, and must let an expired lease be taken by anyone.
 *
 * @example
 * const lock: GrantLock = new InProcessGrantLock();
 * const lease = await lock.tryAcquire('grant-1', 'me', 45_000);
 * if (lease) {
 *   try {
 *     // refresh, persist
 *   } finally {
 *     await lock.release('grant-1', 'me');
 *   }
 * }
 */
export interface GrantLock {
  /** Human-readable kind for logs: `'sqlite'`, `'postgres'`, `'in-process'`. */
  readonly kind: string;
  /**
   * Takes (or renews, for the same `owner`) the lease of `grantId` for `ttlMs`, unless another
   * owner holds a lease that has not expired.
   * @returns the lease, or `undefined` when another owner holds a live one.
   * @throws StoreError when the backing store fails.
   */
  tryAcquire(grantId: string, owner: string, ttlMs: number): Promise<GrantLease | undefined>;
  /**
   * Ends `owner`'s lease early. A lease that already expired, or was taken over, is left alone.
   * @returns true when this call removed the owner's lease.
   * @throws StoreError when the backing store fails (the lease then simply expires).
   */
  release(grantId: string, owner: string): Promise<boolean>;
}
