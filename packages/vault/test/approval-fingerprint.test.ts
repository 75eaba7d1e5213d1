/**
 * Issue #16: what an approval binds to and what the user is shown. The hash covers method, URL,
 * body and the caller's headers exactly (any change → another hash); the summary is readable and
 * hides secret-named fields; audit rows without an approval keep the hash they had before
 * approvals existed.
 */
import { describe, expect, it } from '@jest/globals';
import { bodySummary, requestHash } from '../src/approval/request-fingerprint.js';
import { auditHash } from '../src/audit-hash.js';

/** The grant most cases send with: the user's only GitHub grant. */
const GH = { provider: 'github', account: null };

describe('requestHash', () => {
  const base = requestHash(GH, 'POST', 'https://api.github.com/repos/a/b/issues', '{"title":"x"}');
  it.each([
    ['method', requestHash(GH, 'PUT', 'https://api.github.com/repos/a/b/issues', '{"title":"x"}')],
    ['URL', requestHash(GH, 'POST', 'https://api.github.com/repos/a/c/issues', '{"title":"x"}')],
    ['query', requestHash(GH, 'POST', 'https://api.github.com/repos/a/b/issues?x=1', '{"title":"x"}')],
    ['body', requestHash(GH, 'POST', 'https://api.github.com/repos/a/b/issues', '{"title":"y"}')],
    ['no body', requestHash(GH, 'POST', 'https://api.github.com/repos/a/b/issues', undefined)],
    // Length prefixes: moving bytes between URL and body cannot give the same hash.
    ['a shifted boundary', requestHash(GH, 'POST', 'https://api.github.com/repos/a/b/issues{', '"title":"x"}')],
  ])('changes when the %s changes', (_what, other) => {
    expect(other).not.toBe(base);
  });

  it('covers the headers the caller sets: a changed value is another request; name case and order are not', () => {
    const url = 'https://www.googleapis.com/gmail/v1/users/me/messages/1';
    const post = requestHash(GH, 'POST', url, '{}', { 'content-type': 'application/json' });
    expect(requestHash(GH, 'POST', url, '{}', { 'content-type': 'application/json', 'X-HTTP-Method-Override': 'DELETE' })).not.toBe(post);
    expect(requestHash(GH, 'POST', url, '{}', { 'content-type': 'text/plain' })).not.toBe(post);
    expect(requestHash(GH, 'POST', url, '{}')).not.toBe(post);
    expect(requestHash(GH, 'POST', url, '{}', { 'Content-Type': 'application/json' })).toBe(post);
    expect(requestHash(GH, 'POST', url, '{}', { a: '1', b: '2' })).toBe(requestHash(GH, 'POST', url, '{}', { b: '2', a: '1' }));
  });

  it('is the same for the same request, whatever the body type', () => {
    expect(requestHash(GH, 'POST', 'https://x.test/', 'a=1')).toBe(
      requestHash(GH, 'POST', 'https://x.test/', new URLSearchParams({ a: '1' })),
    );
    expect(requestHash(GH, 'POST', 'https://x.test/', 'abc')).toBe(requestHash(GH, 'POST', 'https://x.test/', Buffer.from('abc')));
  });
});

describe('bodySummary', () => {
  it('pretty-prints JSON and redacts secret-named fields at any depth', () => {
    const text = bodySummary(
      JSON.stringify({
        to: 'bob@example.com',
        auth: { client_secret: 'hunter2-secret-value' },
        list: [{ access_token: 'tok-secret-value' }],
      }),
    );
    expect(text).toContain('"to": "bob@example.com"');
    expect(text).not.toContain('hunter2-secret-value');
    expect(text).not.toContain('tok-secret-value');
    expect(text).toContain('[REDACTED]');
  });
  it('shows form fields one a line, text as is, binary as its size, nothing for no body', () => {
    expect(bodySummary(new URLSearchParams({ channel: 'C1', text: 'hi', client_secret: 's3cret-value' }))).toBe(
      'channel: C1\ntext: hi\nclient_secret: [REDACTED]',
    );
    expect(bodySummary('plain text')).toBe('plain text');
    expect(bodySummary(Buffer.from([1, 2, 3]))).toBe('(3 bytes of binary data)');
    expect(bodySummary(undefined)).toBe('');
  });
  it('shows JSON exactly as sent when re-formatting it would change what the user reads', () => {
    // A number beyond double precision would show rounded: another account than the one paid.
    expect(bodySummary('{"to_account":9007199254740993,"amount":10}')).toContain('9007199254740993');
    // Duplicate keys: the provider may read either one, so both are shown.
    const dup = bodySummary('{"title":"Fix a typo","title":"Add mallory as admin","client_secret":"dup-secret-value"}');
    expect(dup).toContain('Fix a typo');
    expect(dup).toContain('Add mallory as admin');
    expect(dup).not.toContain('dup-secret-value');
    expect(dup).toContain('"client_secret":"[REDACTED]"');
    // JSON that re-formats faithfully is still pretty-printed.
    expect(bodySummary('{ "title": "x", "n": [1, 2] }')).toBe('{\n  "title": "x",\n  "n": [\n    1,\n    2\n  ]\n}');
  });

  it('writes out characters that would make the text read differently from what is sent', () => {
    // A right-to-left override makes "pay <U+202E>1234" read "pay 4321"; a terminal escape can erase a line.
    const bidi = bodySummary(JSON.stringify({ memo: 'pay \u202e1234' }));
    expect(bidi).toContain('pay \\u{202e}1234');
    expect(bidi).not.toContain('\u202e');
    expect(bodySummary('first line\r\x1b[2Kshown instead')).toBe('first line\\u{d}\\u{1b}[2Kshown instead');
    expect(bodySummary(new URLSearchParams({ text: 'a\u200bb' }))).toBe('text: a\\u{200b}b');
    expect(bodySummary('windows\r\nlines\tand tabs')).toBe('windows\nlines\tand tabs');
  });

  it('cuts long bodies and says how much was left out', () => {
    const text = bodySummary('x'.repeat(5000));
    expect(text.startsWith('x'.repeat(4000))).toBe(true);
    expect(text).toMatch(/… \(1000 more characters\)$/);
  });
});

describe('audit hash with approvals', () => {
  const row = {
    id: 'r1',
    at: new Date('2026-01-01T00:00:00Z'),
    caller: 'c',
    user: 'u',
    provider: 'github',
    account: 'a',
    method: 'POST',
    url: 'https://x.test/',
    status: 201,
    durationMs: 1,
    tool: 't',
    parentTool: null,
    chain: ['t'],
    callId: null,
    reason: null,
    errorCode: null,
    prevHash: '0'.repeat(64),
  };
  it('keeps the hash of rows without an approval (null fields count as absent)', () => {
    expect(auditHash({ ...row, approval: null, approvalBy: null, approvalVia: null, approvalAt: null })).toBe(auditHash(row));
  });
  it('covers every approval field when set', () => {
    const approved = {
      ...row,
      approval: 'approved' as const,
      approvalBy: 'u',
      approvalVia: 'elicitation',
      approvalAt: new Date('2026-01-01T00:00:01Z'),
    };
    const h = auditHash(approved);
    expect(h).not.toBe(auditHash(row));
    for (const change of [
      { approval: 'declined' as const },
      { approvalBy: 'mallory' },
      { approvalVia: 'url' },
      { approvalAt: new Date('2026-01-01T00:00:02Z') },
    ]) {
      expect(auditHash({ ...approved, ...change })).not.toBe(h);
    }
  });
});
