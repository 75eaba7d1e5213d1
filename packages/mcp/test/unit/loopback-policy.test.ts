/**
 * @alter/mcp makes its loopback decisions (redirect URIs, client-id URLs) with @alter/vault's
 * `isLoopbackHost`: the same answer for every host in the shared table (Trust I, finding 7).
 */
import { describe, expect, it } from '@jest/globals';
import { isLoopbackHost } from '@alter/vault/internal';
import { clientIdUrlProblem } from '../../src/auth/client-id-metadata-document.js';
import { redirectUriProblem } from '../../src/auth/redirect-uri.js';
import { LOOPBACK_TABLE } from '../../../../test-support/loopback-table.js';

const HTTP_TABLE = LOOPBACK_TABLE.map(([url, loopback]) => [url.replace(/^https:/, 'http:'), loopback] as const);

describe('one loopback policy in @alter/mcp', () => {
  it.each(HTTP_TABLE)('%s: vault, redirect URI and client-id checks all say loopback=%s', (url, loopback) => {
    const answers = {
      vault: isLoopbackHost(new URL(url).hostname),
      redirectUri: redirectUriProblem(url) === undefined,
      clientId: clientIdUrlProblem(url, true) === undefined,
    };
    expect(answers).toEqual({ vault: loopback, redirectUri: loopback, clientId: loopback });
  });

  it('refuses http://evil.localhost everywhere', () => {
    expect(isLoopbackHost('evil.localhost')).toBe(false);
    expect(redirectUriProblem('http://evil.localhost/cb')).toMatch(/must use https/);
    expect(clientIdUrlProblem('http://evil.localhost/client.json', true)).toMatch(/https/);
  });
});
