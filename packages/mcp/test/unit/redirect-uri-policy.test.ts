/**
 * The one redirect-URI policy (src/auth/redirect-uri.ts): which URIs a client may register for
 * each `application_type`, and how a requested URI matches the registered ones (exact, plus any
 * port on loopback for native clients, RFC 8252 §7.3). Every refusal names the URI.
 */
import { describe, expect, it } from '@jest/globals';
import { redirectUriMatches, redirectUriProblem } from '../../src/auth/redirect-uri.js';

describe('redirectUriProblem', () => {
  it.each([
    ['https://app.example/cb', undefined],
    ['https://www.cursor.com/agents/mcp/oauth/callback', 'web'],
    ['http://localhost:8787/callback', undefined],
    ['http://127.0.0.1/callback', 'native'],
    ['http://[::1]:4000/cb', 'native'],
    ['cursor://anysphere.cursor-mcp/oauth/callback', 'native'],
    ['cursor://anysphere.cursor-mcp/oauth/callback', undefined],
    ['vscode://vscode.github-authentication/did-authenticate', 'native'],
    ['com.example.app:/oauth2redirect', 'native'],
    ['com.example.app://callback', undefined],
  ] as const)('accepts %s (application_type %s)', (uri, type) => {
    expect(redirectUriProblem(uri, type)).toBeUndefined();
  });

  it.each([
    ['http://app.example/cb', undefined, /must use https, or http on a loopback host/],
    ['http://evil.localhost/cb', 'native', /must use https/],
    ['cursor:callback', 'native', /private-use scheme of an app/],
    ['myapp://callback', 'native', /private-use scheme of an app/],
    ['myapp:/callback', 'native', /private-use scheme of an app/],
    ['file:///etc/passwd', 'native', /private-use scheme of an app/],
    ['ftp://ftp.example.com/cb', 'native', /private-use scheme of an app/],
    ['wss://socket.example.com/cb', 'native', /private-use scheme of an app/],
    ['javascript:alert(1)', 'native', /javascript: scheme/],
    ['data:text/html,hi', undefined, /data: scheme/],
    ['com.example.app:/cb', 'web', /only a native app can receive; register with application_type "native"/],
    ['cursor://anysphere.cursor-mcp/oauth/callback', 'web', /application_type "native"/],
    ['https://app.example/cb#frag', undefined, /has a fragment/],
    ['https://user:pw@app.example/cb', undefined, /contains credentials/],
    ['/relative/cb', undefined, /not an absolute URI/],
  ] as const)('refuses %s (application_type %s), naming it', (uri, type, why) => {
    const problem = redirectUriProblem(uri, type);
    expect(problem).toMatch(why);
    expect(problem).toContain(uri);
  });
});

describe('redirectUriMatches', () => {
  const registered = ['http://localhost:8787/callback', 'http://127.0.0.1:9/cb?x=1', 'cursor://anysphere.cursor-mcp/oauth/callback'];

  it('matches exactly for every client', () => {
    for (const type of [undefined, 'web', 'native'] as const) {
      for (const uri of registered) expect(redirectUriMatches(uri, registered, type)).toBe(true);
      expect(redirectUriMatches('cursor://anysphere.cursor-mcp/oauth/callback/', registered, type)).toBe(false);
    }
  });

  it('lets a native client use any port on a registered loopback URI, nothing else', () => {
    expect(redirectUriMatches('http://localhost:51234/callback', registered, 'native')).toBe(true);
    expect(redirectUriMatches('http://localhost/callback', registered, 'native')).toBe(true);
    expect(redirectUriMatches('http://127.0.0.1:1/cb?x=1', registered, 'native')).toBe(true);
    for (const other of [
      'http://127.0.0.1:51234/callback',
      'http://localhost:51234/other',
      'http://localhost:51234/callback?x=1',
      'https://localhost:51234/callback',
      'http://127.0.0.1:1/cb',
      'http://localhost:51234/callback#f',
    ]) {
      expect([other, redirectUriMatches(other, registered, 'native')]).toEqual([other, false]);
    }
  });

  it('never relaxes the port for a web or undeclared client', () => {
    expect(redirectUriMatches('http://localhost:51234/callback', registered, 'web')).toBe(false);
    expect(redirectUriMatches('http://localhost:51234/callback', registered, undefined)).toBe(false);
  });
});
