/**
 * Several writers on one PostgreSQL audit chain (issue #15): each used to hash its batch against
 * the tail it remembered, and whenever another writer had appended first the transaction failed
 * with a chain conflict, re-read the tail, re-hashed and retried — so writers mostly redid each
 * other's work. The store now reads the tail while holding the append lock and the writer hashes
 * the batch onto it there: no conflicts, one lock hold per batch, the chain intact.
 * CountingStore overrides appendAudit, so the writer uses this client-side linking path (the one
 * kept for PostgreSQL before 11) rather than the server-side one (audit-pg-chain-in-server.test.ts).
 * Real parts: PostgreSQL (ALTER_TEST_PG_URL; skipped with the reason when unset), a loopback API,
 * two vaults with their own connection pools (as two processes have).
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { createLeakCheck } from '@alter/testing';
import { AlterVault, AuditChainConflictError, type AuditInput, PostgresGrantStore } from '@alter/vault';
import { loopbackProvider, newKey, newToken } from './support/fixtures.js';
import { describeWithPostgres } from './support/pg.js';
import { type RecordingServer, startRecordingServer } from './support/recording-server.js';

/** Counts appends refused because another writer moved the tail (observes; writes as usual). */
class CountingStore extends PostgresGrantStore {
  conflicts = 0;
  override async appendAudit(rows: readonly AuditInput[]): Promise<void> {
    try {
      return await super.appendAudit(rows);
    } catch (err) {
      if (err instanceof AuditChainConflictError) this.conflicts += 1;
      throw err;
    }
  }
}

let server: RecordingServer;
beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(async () => {
  await server.close();
});

describeWithPostgres('audit on one PostgreSQL chain from two writers', (pg) => {
  it('appends without a single chain conflict and the chain verifies', async () => {
    const key = newKey();
    const leak = createLeakCheck();
    const token = leak.secret(newToken('linked-at'), 'access token');
    // 'sync' makes every request wait for its own small append: the most appends, the most races.
    const stores = [0, 1].map(() => new CountingStore({ connectionString: pg.urlWithSchema }));
    const vaults = stores.map(
      (store, i) =>
        new AlterVault({
          caller: `writer-${i}`,
          providers: [loopbackProvider('acme')],
          store,
          encryptionKey: key,
          logger: leak.logger,
          audit: { durability: 'sync' },
        }),
    );
    await vaults[0]!.grants.put({ user: 'alice', provider: 'acme', accessToken: token, scopes: [] });
    await vaults[1]!.ready();
    const PER_VAULT = 150;
    await Promise.all(
      vaults.map(async (vault) => {
        let next = 0;
        await Promise.all(
          Array.from({ length: 8 }, async () => {
            while (next < PER_VAULT) await vault.request('acme', 'GET', `${server.origin}/items/${next++}`, { user: 'alice' });
          }),
        );
      }),
    );
    expect(stores.map((s) => s.conflicts)).toEqual([0, 0]);
    expect(await vaults[0]!.audit.verify()).toMatchObject({ ok: true, checked: 2 * PER_VAULT });
    for (const v of vaults) await v.close();
    leak.assertClean();
  }, 180_000);
});
