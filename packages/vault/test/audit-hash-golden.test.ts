/**
 * The audit hash must never change: chains written by any version verify with every later one.
 * The writer now builds each row's canonical JSON without prevHash before taking the store's
 * append lock and hashes prefix + prevHash under it (issue #15); these vectors were computed with
 * the code before that change (main f11d790), so both ways of hashing must reproduce them.
 */
import { describe, expect, it } from '@jest/globals';
import { auditHash, auditHashOfPrefix, auditHashWith, canonicalAuditPrefix } from '../src/audit-hash.js';

const first = {
  id: 'row-1',
  at: new Date(Date.UTC(2026, 10, 30, 3, 4, 5, 678)),
  caller: 'caller "q"',
  user: 'ünï 🙂',
  provider: 'acme',
  account: 'default',
  method: 'GET',
  url: 'https://api.example.com/items/1?q=%22x%22',
  status: 200,
  durationMs: 12.5,
  tool: 'get_item',
  parentTool: null,
  chain: ['outer', 'get_item'],
  callId: 'call-1',
  reason: null,
  errorCode: null,
  prevHash: 'ab'.repeat(32),
};
const second = {
  ...first,
  status: null,
  durationMs: 0.1 + 0.2,
  tool: null,
  chain: [],
  reason: 'because\nnewline',
  errorCode: 'ALTER_X',
  prevHash: '0'.repeat(64),
};

const VECTORS = [
  [first, '53f1cd9a867fc58e3be8eb47f7da0c72144fe2b9ba8ba3a7ac2dd8ff2e1a1f6e'],
  [second, '00ffe2b7976e4c7a5566205a14d88b42129fbf668b20878a5b0069f8da43f768'],
] as const;

describe('audit hash', () => {
  it.each(VECTORS.map(([row, hash], i) => [i + 1, row, hash] as const))(
    'vector %i: every way of hashing gives the recorded hash',
    (_n, row, hash) => {
      const { prevHash, ...unhashed } = row;
      expect(auditHash(row)).toBe(hash);
      expect(auditHashWith(unhashed, prevHash)).toBe(hash);
      expect(auditHashOfPrefix(canonicalAuditPrefix(unhashed), prevHash)).toBe(hash);
    },
  );
});
