/**
 * Single use of an approval given through a 2026-07-28 `input_required` round trip
 * (approval-round.ts). The approval's id travels in the sealed request state, which the client
 * may send back any number of times; the first use records the id in the vault store's kv, with
 * an insert-if-absent that is atomic in the store (one SQLite transaction, one PostgreSQL
 * statement), so of two retries racing with one state — in one process or in several sharing the
 * store — exactly one is approved.
 */
import type { AlterVault } from '@alter/vault';

/** Store kv namespace of used approval ids (the key is the id; the value says nothing secret). */
export const APPROVAL_USE_KV_NAMESPACE = 'mcp:approval-used';

/**
 * How long a record outlives its approval: after the approval's expiry its state is refused as
 * expired anyway, but that is checked on the server's clock and the record's expiry on the
 * store's (a PostgreSQL server's clock may differ), so the record is kept an hour longer.
 */
const KEEP_AFTER_EXPIRY_MS = 60 * 60_000;

/** Records `approvalId` as used. True for the first use; false when it was used before (a replay). */
export async function markApprovalUsed(vault: AlterVault, approvalId: string, expiresAt: Date): Promise<boolean> {
  await vault.ready();
  const record = JSON.stringify({ usedAt: new Date().toISOString() });
  return vault.store.kvCompareAndSet(
    APPROVAL_USE_KV_NAMESPACE,
    approvalId,
    0,
    record,
    new Date(expiresAt.getTime() + KEEP_AFTER_EXPIRY_MS),
  );
}

/** True when `approvalId` was used already (an early, non-atomic check; {@link markApprovalUsed} decides). */
export async function approvalWasUsed(vault: AlterVault, approvalId: string): Promise<boolean> {
  await vault.ready();
  return (await vault.store.kvGet(APPROVAL_USE_KV_NAMESPACE, approvalId)) !== undefined;
}
