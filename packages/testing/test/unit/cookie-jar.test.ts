import { describe, expect, it } from '@jest/globals';
import { CookieJar } from '../../src/internal/cookie-jar.js';

describe('CookieJar', () => {
  it('sends host-only cookies to every port of the same host, not to another host', () => {
    const jar = new CookieJar();
    jar.store(new URL('http://127.0.0.1:1000/a/b'), ['sid=1; Path=/; HttpOnly']);
    expect(jar.header(new URL('http://127.0.0.1:2000/x'))).toBe('sid=1');
    expect(jar.header(new URL('http://localhost:1000/x'))).toBeUndefined();
  });

  it('matches paths on segment boundaries and uses the default path', () => {
    const jar = new CookieJar();
    jar.store(new URL('http://127.0.0.1/interaction/abc'), ['i=1; Path=/interaction/abc']);
    jar.store(new URL('http://127.0.0.1/auth/x/y'), ['d=2']); // default path /auth/x
    expect(jar.header(new URL('http://127.0.0.1/interaction/abc/login'))).toBe('i=1');
    expect(jar.header(new URL('http://127.0.0.1/interaction/abcd'))).toBeUndefined();
    expect(jar.header(new URL('http://127.0.0.1/auth/x/z'))).toBe('d=2');
    expect(jar.header(new URL('http://127.0.0.1/auth'))).toBeUndefined();
  });

  it('replaces and expires cookies (Max-Age=0, past Expires), longer paths first', () => {
    const jar = new CookieJar();
    const u = new URL('http://127.0.0.1/p/q');
    jar.store(u, ['a=1; Path=/', 'b=2; Path=/p']);
    expect(jar.header(u)).toBe('b=2; a=1');
    jar.store(u, ['a=3; Path=/']);
    expect(jar.header(u)).toBe('b=2; a=3');
    jar.store(u, ['a=; Path=/; Max-Age=0', 'b=; Path=/p; Expires=Thu, 01 Jan 1970 00:00:00 GMT']);
    expect(jar.header(u)).toBeUndefined();
  });

  it('ignores a Domain attribute naming another host', () => {
    const jar = new CookieJar();
    jar.store(new URL('http://127.0.0.1/'), ['x=1; Domain=example.com']);
    expect(jar.header(new URL('http://127.0.0.1/'))).toBeUndefined();
  });
});
