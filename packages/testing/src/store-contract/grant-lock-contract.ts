/**
 * The GrantLock contract (the refresh lease): the checks every lock passes — SQLite, PostgreSQL,
 * in-process, and any a user writes (Redis). Runner-agnostic, like `grantStoreContract`.
 */
import assert from 'node:assert/strict';
import type { GrantLock } from '@alter/vault';
import type { ContractCheck } from './grant-store-contract.js';
import { assertFields } from './partial-match.js';

/** Two locks over ONE backing database (two store instances: two "processes" in miniature). */
export interface LockPair {
  readonly a: GrantLock;
  readonly b: GrantLock;
  close(): Promise<void>;
}

/**
 * The checks of the GrantLock contract. `makePair` returns two opened locks sharing state, fresh
 * each call; each check closes its pair.
 * @example
 * ```ts
 * for (const check of grantLockContract(async () => twoLocksOverOneDatabase())) it(check.name, check.run);
 * ```
 */
export function grantLockContract(makePair: () => Promise<LockPair>): readonly ContractCheck[] {
  const check = (name: string, body: (pair: LockPair) => Promise<void>): ContractCheck =>
    Object.freeze({
      name,
      async run() {
        const pair = await makePair();
        try {
          await body(pair);
        } finally {
          await pair.close();
        }
      },
    });

  return Object.freeze([
    check('gives a live lease to one owner only, across lock instances', async ({ a, b }) => {
      const first = await a.tryAcquire('g1', 'owner-a', 60_000);
      assertFields(first, { grantId: 'g1', owner: 'owner-a' }, 'tryAcquire');
      assert.ok((first?.expiresAt.getTime() ?? 0) > Date.now() + 30_000, 'the lease lasts about its ttl');
      assert.ok(Object.isFrozen(first), 'a lease is frozen');
      assert.equal(await b.tryAcquire('g1', 'owner-b', 60_000), undefined, 'another owner gets nothing (other instance)');
      assert.equal(await a.tryAcquire('g1', 'owner-c', 60_000), undefined, 'another owner gets nothing (same instance)');
      // Other grants are independent.
      assertFields(await b.tryAcquire('g2', 'owner-b', 60_000), { grantId: 'g2', owner: 'owner-b' }, 'another grant');
    }),

    check('lets the same owner renew its lease', async ({ a, b }) => {
      const first = await a.tryAcquire('g1', 'owner-a', 1_000);
      const renewed = await b.tryAcquire('g1', 'owner-a', 60_000);
      assert.ok(renewed, 'the owner renews');
      assert.ok(renewed.expiresAt.getTime() > (first?.expiresAt.getTime() ?? Number.POSITIVE_INFINITY), 'the renewal extends the lease');
    }),

    check('frees the lease on release by its owner only', async ({ a, b }) => {
      await a.tryAcquire('g1', 'owner-a', 60_000);
      assert.equal(await b.release('g1', 'owner-b'), false, 'a stranger cannot release');
      assert.equal(await b.tryAcquire('g1', 'owner-b', 60_000), undefined);
      assert.equal(await a.release('g1', 'owner-a'), true);
      assert.equal(await a.release('g1', 'owner-a'), false, 'a second release finds nothing');
      assertFields(await b.tryAcquire('g1', 'owner-b', 60_000), { owner: 'owner-b' }, 'tryAcquire after release');
    }),

    check('lets anyone take over a lease whose owner never released it once it expired', async ({ a, b }) => {
      assert.ok(await a.tryAcquire('g1', 'dead-owner', 150));
      assert.equal(await b.tryAcquire('g1', 'owner-b', 60_000), undefined);
      let taken: Awaited<ReturnType<GrantLock['tryAcquire']>>;
      for (let i = 0; i < 200 && !taken; i++) {
        await new Promise((r) => setTimeout(r, 25));
        taken = await b.tryAcquire('g1', 'owner-b', 60_000);
      }
      assertFields(taken, { owner: 'owner-b' }, 'takeover after expiry');
      // The dead owner's late release does not free the new owner's lease.
      assert.equal(await a.release('g1', 'dead-owner'), false);
      assert.equal(await a.tryAcquire('g1', 'owner-c', 60_000), undefined);
    }),

    check('grants exactly one of 50 racing acquisitions', async ({ a, b }) => {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).tryAcquire('race', `owner-${i}`, 60_000)),
      );
      assert.equal(results.filter((r) => r !== undefined).length, 1);
    }),
  ]);
}
