/** URL templating: a value is always exactly one encoded piece of one segment. */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { UrlTemplateError } from '@alter/vault';
import { buildUrl } from '../src/url-template.js';
import { redactUrl } from '../src/redact-url.js';
import { checkHostAllowed, hostMatches } from '../src/host-policy.js';
import { loopbackProvider } from './support/fixtures.js';

describe('buildUrl', () => {
  it('round-trips any value as exactly one path segment (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1 }).filter((s) => s !== '.' && s !== '..'),
        (value) => {
          const url = buildUrl('https://api.acme.test/a/{v}/b', { v: value });
          const segments = url.pathname.split('/');
          expect(segments).toHaveLength(4);
          expect(decodeURIComponent(segments[2]!)).toBe(value);
          expect(url.search).toBe('');
          expect(url.hash).toBe('');
          expect(url.host).toBe('api.acme.test');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('rejects lone surrogates, empty values and bad placeholder names', () => {
    expect(() => buildUrl('https://a.test/{v}', { v: '\uD800' })).toThrow(UrlTemplateError);
    expect(() => buildUrl('https://a.test/{v}', { v: '' })).toThrow(/empty/);
    expect(() => buildUrl('https://a.test/{a b}', {})).toThrow(/not a valid name/);
    expect(() => buildUrl('https://a.test/{v}', { v: {} as never })).toThrow(/string or a finite number/);
    expect(buildUrl('https://a.test/{n}', { n: 42 }).pathname).toBe('/42');
  });

  it('keeps an existing query and appends queryParams', () => {
    expect(buildUrl('https://a.test/x?a=1', undefined, { b: '2', c: undefined }).href).toBe('https://a.test/x?a=1&b=2');
  });
});

describe('redactUrl', () => {
  it('redacts secret query values case-insensitively and drops userinfo and fragment', () => {
    expect(redactUrl('https://u:p@a.test/x?Access_Token=abc&page=2&sig=zz#frag')).toBe(
      'https://a.test/x?Access_Token=%5BREDACTED%5D&page=2&sig=%5BREDACTED%5D',
    );
    expect(redactUrl('https://a.test/x?q=hello')).toBe('https://a.test/x?q=hello');
  });
});

describe('host policy', () => {
  it('matches exact hosts and leading wildcards (not the apex)', () => {
    expect(hostMatches('gmail.googleapis.com', 443, 443, ['*.googleapis.com'])).toBe(true);
    expect(hostMatches('googleapis.com', 443, 443, ['*.googleapis.com'])).toBe(false);
    expect(hostMatches('evilgoogleapis.com', 443, 443, ['*.googleapis.com'])).toBe(false);
    expect(hostMatches('API.GitHub.com', 443, 443, ['api.github.com'])).toBe(true);
    expect(hostMatches('api.github.com.evil.test', 443, 443, ['api.github.com'])).toBe(false);
  });

  it('matches the entry port: the default port without one, the listed one, any for loopback ":*"', () => {
    expect(hostMatches('api.github.com', 8443, 443, ['api.github.com'])).toBe(false);
    expect(hostMatches('api.github.com', 8443, 443, ['api.github.com:8443'])).toBe(true);
    expect(hostMatches('api.github.com', 443, 443, ['api.github.com:8443'])).toBe(false);
    expect(hostMatches('x.googleapis.com', 444, 443, ['*.googleapis.com'])).toBe(false);
    expect(hostMatches('127.0.0.1', 5123, 80, ['127.0.0.1'])).toBe(false);
    expect(hostMatches('127.0.0.1', 80, 80, ['127.0.0.1'])).toBe(true);
    expect(hostMatches('127.0.0.1', 5123, 80, ['127.0.0.1:*'])).toBe(true);
    // ":*" on a non-loopback host is not an entry at all (defineProvider refuses it too).
    expect(hostMatches('api.github.com', 8443, 443, ['api.github.com:*'])).toBe(false);
  });

  it('allows https to listed hosts only', () => {
    const p = loopbackProvider('g', { allowedHosts: ['api.github.com'], allowInsecureLoopback: false });
    expect(() => checkHostAllowed(p, new URL('https://api.github.com/x'))).not.toThrow();
    expect(() => checkHostAllowed(p, new URL('http://api.github.com/x'))).toThrow(/https only/);
    expect(() => checkHostAllowed(p, new URL('https://api.github.com.evil.test/x'))).toThrow(/allowlist/);
  });
});
