/**
 * The one loopback policy (Trust I, finding 7): `isLoopbackHost` from @alter/vault decides for
 * every package. @alter/mcp and @alter/testing check that they agree with it on the same table.
 */
import { describe, expect, it } from '@jest/globals';
import { isLoopbackHost } from '@alter/vault/internal';
import { LOOPBACK_TABLE } from '../../../test-support/loopback-table.js';

describe('isLoopbackHost', () => {
  it.each(LOOPBACK_TABLE)('%s → %s', (url, expected) => {
    expect(isLoopbackHost(new URL(url).hostname)).toBe(expected);
  });

  it.each([
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['127.0.0.1', true],
    ['127.000.0.1', false], // not canonical: fail closed
    ['127.0.0.256', false],
    ['127.0.0', false],
    ['localhost:80', false],
    ['', false],
    ['::1%lo', false],
  ])('raw %p → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });

  it('answers false for a non-string', () => {
    expect(isLoopbackHost(undefined as unknown as string)).toBe(false);
  });
});
