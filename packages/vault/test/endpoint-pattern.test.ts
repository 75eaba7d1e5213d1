/** Declared endpoints: parsing and matching (docs/policies.md). */
import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '../src/errors.js';
import { checkDeclaredEndpoints, endpointMatches, parseEndpoint } from '../src/policy/endpoint-pattern.js';

const matches = (endpoint: string, method: string, url: string) => endpointMatches(parseEndpoint(endpoint, 'e'), method, new URL(url));

describe('endpoint patterns', () => {
  it('a {param} matches exactly one non-empty segment', () => {
    const e = 'GET /gmail/v1/users/me/messages/{id}';
    expect(matches(e, 'GET', 'https://gmail.googleapis.com/gmail/v1/users/me/messages/abc')).toBe(true);
    expect(matches(e, 'GET', 'https://gmail.googleapis.com/gmail/v1/users/me/messages/')).toBe(false);
    expect(matches(e, 'GET', 'https://gmail.googleapis.com/gmail/v1/users/me/messages/abc/attachments')).toBe(false);
    expect(matches(e, 'GET', 'https://gmail.googleapis.com/gmail/v1/users/me/messages')).toBe(false);
  });

  it('an encoded "/" stays inside its segment; literal segments compare decoded', () => {
    const e = 'GET /repos/{owner}/{repo}/issues';
    expect(matches(e, 'GET', 'https://api.github.com/repos/alice/hello%2Fworld/issues')).toBe(true);
    expect(matches(e, 'GET', 'https://api.github.com/repos/alice/hello/world/issues')).toBe(false);
    expect(matches('GET /files/a%20b', 'GET', 'https://api.github.com/files/a%20b')).toBe(true);
    expect(matches('GET /files/%C3%A9', 'GET', 'https://api.github.com/files/%C3%A9')).toBe(true);
    expect(matches('GET /files/%C3%A9', 'GET', 'https://api.github.com/files/é')).toBe(true);
    // Written either way, with or without a host, a declaration means the same path.
    expect(matches('GET https://api.github.com/files/%C3%A9', 'GET', 'https://api.github.com/files/%C3%A9')).toBe(true);
    expect(matches('GET https://api.github.com/repos/{owner}/a%2Fb', 'GET', 'https://api.github.com/repos/x/a%2Fb')).toBe(true);
    expect(matches('GET /repos/{owner}/a%2Fb', 'GET', 'https://api.github.com/repos/x/a%2Fb')).toBe(true);
    expect(matches('GET /repos/{owner}/a%2Fb', 'GET', 'https://api.github.com/repos/x/a/b')).toBe(false);
    // A malformed escape neither throws nor matches a different literal.
    expect(matches('GET /files/x', 'GET', 'https://api.github.com/files/%E0%A4%A')).toBe(false);
  });

  it('dot segments cannot escape: URL parsing resolves them before the match', () => {
    expect(matches('GET /repos/{owner}/{repo}', 'GET', 'https://api.github.com/repos/alice/hello/../../user')).toBe(false);
    expect(matches('GET /user', 'GET', 'https://api.github.com/repos/alice/../../user')).toBe(true);
  });

  it('the method must match exactly', () => {
    expect(matches('GET /user', 'POST', 'https://api.github.com/user')).toBe(false);
    expect(matches('DELETE /user', 'DELETE', 'https://api.github.com/user')).toBe(true);
  });

  it('host-relative endpoints match any host; host-specific ones only theirs (case-insensitive)', () => {
    expect(matches('GET /user', 'GET', 'https://uploads.github.com/user')).toBe(true);
    expect(matches('GET https://api.github.com/user', 'GET', 'https://API.github.com/user')).toBe(true);
    expect(matches('GET https://api.github.com/user', 'GET', 'https://uploads.github.com/user')).toBe(false);
    expect(matches('GET https://api.github.com/repos/{owner}', 'GET', 'https://api.github.com/repos/alice')).toBe(true);
  });

  it('the query string is ignored', () => {
    expect(matches('GET /user/repos', 'GET', 'https://api.github.com/user/repos?per_page=100&page=2')).toBe(true);
    expect(matches('GET /user/repos', 'GET', 'https://api.github.com/user/repos#x')).toBe(true);
  });

  it('a trailing slash is a different path', () => {
    expect(matches('GET /user', 'GET', 'https://api.github.com/user/')).toBe(false);
  });

  it.each([
    ['FETCH /x', 'METHOD one of'],
    ['get /x', 'METHOD one of'],
    ['GET', 'is not an endpoint'],
    ['GET x/y', 'must start with "/"'],
    ['GET /a/{b}c', 'whole path segment'],
    ['GET /a/{1b}', 'whole path segment'],
    ['GET /a?b=1', 'leave the query out'],
    ['GET https://api.github.com/user?per_page=5', 'leave the query out'],
    ['GET https://api.github.com/user#x', 'leave the query out'],
    ['GET https://api.github.com/a/{b}c', 'whole path segment'],
    ['GET https://[bad/x', 'does not parse'],
  ])('refuses %s naming what to write', (endpoint, says) => {
    expect(() => parseEndpoint(endpoint, 'tools[0].endpoints[0]')).toThrow(InvalidArgumentError);
    expect(() => parseEndpoint(endpoint, 'tools[0].endpoints[0]')).toThrow(says);
  });

  it('startup check: a host-specific endpoint must be on an allowed host', () => {
    const allowed = (url: URL) => {
      if (url.host !== 'api.github.com') throw new Error('no');
    };
    expect(checkDeclaredEndpoints({ id: 'github' }, ['GET /user', 'GET https://api.github.com/user'], 'w', allowed)).toHaveLength(2);
    expect(() => checkDeclaredEndpoints({ id: 'github' }, ['GET /user', 'POST https://evil.example/x'], 'w', allowed)).toThrow(
      /w\[1\].*"POST https:\/\/evil\.example\/x" is on host evil\.example, which the github provider does not allow/,
    );
  });

  it('parsed patterns are frozen', () => {
    const p = parseEndpoint('GET /a/{b}', 'e');
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.segments)).toBe(true);
    expect(p.segments).toEqual(['a', null]);
  });
});
