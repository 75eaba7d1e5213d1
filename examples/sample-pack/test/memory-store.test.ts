/**
 * The GrantStore contract of @alter/testing, run by node:test against the pack's own store: the
 * checks are plain named async functions, so any runner can run them.
 */
import { describe, it } from 'node:test';
import { grantStoreContract } from '@alter/testing';
import { MemoryGrantStore } from './memory-grant-store.js';

describe('GrantStore contract: MemoryGrantStore', () => {
  for (const check of grantStoreContract(() => new MemoryGrantStore())) it(check.name, check.run);
});
