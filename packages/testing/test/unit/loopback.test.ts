import { describe, expect, it } from '@jest/globals';
import { isLoopbackUrl } from '../../src/internal/loopback.js';

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
});
