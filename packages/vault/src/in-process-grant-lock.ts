/**
 * A {@link GrantLock} inside one process (a map). Right for a store only one process uses;
 * with several processes refreshes are not single-flight across them, so the vault uses it only
 * for custom stores that come without a lock (and says so in a warning).
 */
import type { GrantLease, GrantLock } from './grant-lock.js';

/**
 * Leases kept in memory.
 *
 * @example
 * const vault = new AlterVault({ caller: 'app', store: myStore, grantLock: new InProcessGrantLock(), providers });
 */
export class InProcessGrantLock implements GrantLock {
  readonly kind = 'in-process';
  readonly #leases = new Map<string, GrantLease>();

  async tryAcquire(grantId: string, owner: string, ttlMs: number): Promise<GrantLease | undefined> {
    const now = Date.now();
    const held = this.#leases.get(grantId);
    if (held && held.owner !== owner && held.expiresAt.getTime() > now) return undefined;
    const lease = Object.freeze({ grantId, owner, expiresAt: new Date(now + ttlMs) });
    this.#leases.set(grantId, lease);
    return lease;
  }

  async release(grantId: string, owner: string): Promise<boolean> {
    if (this.#leases.get(grantId)?.owner !== owner) return false;
    this.#leases.delete(grantId);
    return true;
  }
}
