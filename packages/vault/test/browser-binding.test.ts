/** The binding primitives of Connect (browser-binding.ts): cookie shape, reading, constant-time checks. */
import { describe, expect, it } from '@jest/globals';
import {
  bindingCookieName,
  bindingHash,
  bindingSetCookie,
  confirmToken,
  isBoundBrowser,
  isValidConfirmToken,
  newBrowserSecret,
  readBrowserSecret,
} from '../src/connect/browser-binding.js';

const ID = 'AbCdEfGhIjKlMnOpQrStUvWxYz012345';

describe('browser binding', () => {
  it("scopes the cookie to Connect's paths under the base URL, HttpOnly and SameSite=Lax, Secure on https", () => {
    const secret = newBrowserSecret();
    expect(bindingSetCookie(ID, secret, 'http://127.0.0.1:8080', 600)).toBe(
      `alter_connect_AbCdEfGhIjKlMnOp=${secret}; Path=/connect/; HttpOnly; SameSite=Lax; Max-Age=600`,
    );
    expect(bindingSetCookie(ID, secret, 'https://app.example/alter/', 1.2)).toBe(
      `alter_connect_AbCdEfGhIjKlMnOp=${secret}; Path=/alter/connect/; HttpOnly; SameSite=Lax; Max-Age=2; Secure`,
    );
  });

  it('reads only a well-formed secret of this session', () => {
    const secret = newBrowserSecret();
    const name = bindingCookieName(ID);
    expect(readBrowserSecret({ headers: { cookie: `a=1; ${name}=${secret}; b=2` } }, ID)).toBe(secret);
    expect(readBrowserSecret({ headers: { cookie: `${name}=short` } }, ID)).toBeUndefined();
    expect(readBrowserSecret({ headers: { cookie: `${name}x=${secret}` } }, ID)).toBeUndefined();
    expect(readBrowserSecret({ headers: { cookie: `alter_connect_ZZZZZZZZZZZZZZZZ=${secret}` } }, ID)).toBeUndefined();
    expect(readBrowserSecret({ headers: {} }, ID)).toBeUndefined();
  });

  it('matches the bound browser only, and never without a binding or a secret', () => {
    const secret = newBrowserSecret();
    const record = { binding: bindingHash(secret) };
    expect(isBoundBrowser(record, secret)).toBe(true);
    expect(isBoundBrowser(record, newBrowserSecret())).toBe(false);
    expect(isBoundBrowser(record, undefined)).toBe(false);
    expect(isBoundBrowser({}, secret)).toBe(false);
    expect(record.binding).not.toContain(secret);
  });

  it('derives the confirmation token from the session and the browser', () => {
    const secret = newBrowserSecret();
    const token = confirmToken(ID, secret);
    expect(isValidConfirmToken(ID, secret, token)).toBe(true);
    expect(isValidConfirmToken(ID, newBrowserSecret(), token)).toBe(false);
    expect(isValidConfirmToken(`${ID.slice(0, -1)}6`, secret, token)).toBe(false);
    expect(isValidConfirmToken(ID, undefined, token)).toBe(false);
    expect(isValidConfirmToken(ID, secret, undefined)).toBe(false);
    expect(isValidConfirmToken(ID, secret, `${token}x`)).toBe(false);
  });
});
