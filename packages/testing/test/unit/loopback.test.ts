/**
 * @alter/testing's loopback check is @alter/vault's `isLoopbackHost` plus the http(s) scheme: the
 * same answer for every host in the shared table (Trust I, finding 7).
 */
import { describe, expect, it } from '@jest/globals';
import { isLoopbackHost } from '@alter/vault/internal';
import { isLoopbackUrl } from '../../src/internal/loopback.js';
import { LOOPBACK_TABLE } from '../../../../test-support/loopback-table.js';

describe('isLoopbackUrl', () => {
  it.each([
    ['http://127.0.0.1:8080/x', true],
    ['http://127.1.2.3/', true],
    ['https://localhost/', true],
    ['http://[::1]:3000/', true],
    ['http://app.localhost/', false],
    ['http://10.0.0.1/', false],
    ['https://accounts.google.com/', false],
    ['http://127.0.0.1.evil.com/', false],
    ['ftp://127.0.0.1/', false],
  ])('%s → %s', (url, expected) => {
    expect(isLoopbackUrl(new URL(url))).toBe(expected);
  });

  it.each(LOOPBACK_TABLE)('%s: agrees with the vault (loopback=%s)', (url, loopback) => {
    expect({ vault: isLoopbackHost(new URL(url).hostname), testing: isLoopbackUrl(new URL(url)) }).toEqual({
      vault: loopback,
      testing: loopback,
    });
  });
});
