/**
 * Package-internal seam: a store that can hash audit rows into the chain itself, in the same
 * statement that appends them, so the writer never waits for the tail.
 *
 * Why: with several processes on one PostgreSQL chain every append serializes on the append lock,
 * and the aggregate rows/s is bounded by how long one append holds it. Reading the tail, hashing
 * in the client and inserting costs several round trips under the lock; a store that links the
 * batch on the server (postgres-grant-store.ts, the `alter_audit_link` function) holds it for one
 * statement. The writer still builds each row's canonical JSON (everything but prevHash,
 * {@link canonicalAuditPrefix}); the store computes sha256(prefix + JSON(prevHash) + ']') there,
 * over the same bytes {@link auditHashOfPrefix} hashes, so `verify()` checks both kinds of rows
 * the same way.
 */
import type { AuditInput } from '../grant-store.js';

/** An audit row before hashing. */
export type UnlinkedAuditRow = Omit<AuditInput, 'prevHash' | 'hash'>;

/**
 * Appends `rows` in order, chained onto the current tail, atomically (all or none); `prefixes[i]`
 * is `canonicalAuditPrefix(rows[i])`, the characters (UTF-8) the store hashes for row i. Two
 * parallel arrays rather than an object per row: the writer builds them once per batch. A batch
 * whose leading rows are already stored (an earlier attempt committed but its answer was lost)
 * has those rows skipped, so a retry never duplicates them. Resolves with the hash of the newest
 * row written (undefined when every row was already stored).
 */
export type AuditChainAppend = (rows: readonly UnlinkedAuditRow[], prefixes: readonly string[]) => Promise<string | undefined>;

/** The key of a store's optional `[AUDIT_CHAIN_IN_STORE]()` method. */
export const AUDIT_CHAIN_IN_STORE = Symbol('alter.vault.internal.audit-chain-in-store');

/**
 * The store's in-store chaining append, or undefined when it has none (SQLite, a custom store, a
 * PostgreSQL server without `sha256()`): the writer then hashes the batch itself.
 */
export function auditChainInStoreOf(store: object): AuditChainAppend | undefined {
  const get = (store as { [AUDIT_CHAIN_IN_STORE]?: unknown })[AUDIT_CHAIN_IN_STORE];
  if (typeof get !== 'function') return undefined;
  const append: unknown = get.call(store);
  return typeof append === 'function' ? (append as AuditChainAppend) : undefined;
}
