import { describe, expect, it } from '@jest/globals';
import { buildPlainTextMessage, toGmailRaw } from '../../src/internal/mime-message.js';

function parse(message: string): { headers: Map<string, string>; body: string } {
  const encoded = /Content-Transfer-Encoding: base64/.test(message);
  const [head = '', ...rest] = message.split('\r\n\r\n');
  const headers = new Map<string, string>();
  // Unfold continuation lines (RFC 2822 §2.2.3) before splitting.
  for (const line of head.replace(/\r\n /g, ' ').split('\r\n')) {
    const i = line.indexOf(':');
    headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  const body = rest.join('\r\n\r\n');
  return { headers, body: encoded ? Buffer.from(body.replace(/\r\n/g, ''), 'base64').toString('utf8') : body.replace(/\r\n$/, '') };
}

describe('buildPlainTextMessage', () => {
  it('writes RFC 2822 headers with CRLF and an 8bit UTF-8 body', () => {
    const text = buildPlainTextMessage({
      to: ['a@example.com', 'b@example.com'],
      cc: ['c@example.com'],
      subject: 'Hello',
      body: 'Line 1\nLine 2 — ünïcode',
    });
    expect(text).not.toMatch(/[^\r]\n/);
    const { headers, body } = parse(text);
    expect(headers.get('to')).toBe('a@example.com, b@example.com');
    expect(headers.get('cc')).toBe('c@example.com');
    expect(headers.get('subject')).toBe('Hello');
    expect(headers.get('content-type')).toBe('text/plain; charset="UTF-8"');
    expect(headers.get('mime-version')).toBe('1.0');
    expect(headers.get('content-transfer-encoding')).toBe('8bit');
    expect(body).toBe('Line 1\r\nLine 2 — ünïcode');
  });

  it('switches to base64 when a line is longer than 998 octets, so nothing is re-wrapped', () => {
    const long = 'é'.repeat(600); // 1200 octets in UTF-8
    const text = buildPlainTextMessage({ to: ['a@example.com'], subject: 'Long', body: `short\n${long}` });
    const { headers, body } = parse(text);
    expect(headers.get('content-transfer-encoding')).toBe('base64');
    for (const line of text.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
    expect(body).toBe(`short\r\n${long}`);
  });

  it('encodes a non-ASCII subject as RFC 2047 words that never split a character', () => {
    const subject = 'Réunion 📅 '.repeat(8);
    const { headers } = parse(buildPlainTextMessage({ to: ['a@example.com'], subject, body: '' }));
    const words = (headers.get('subject') ?? '').split(' ');
    for (const w of words) expect(w).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/);
    const decoded = words.map((w) => Buffer.from(w.slice(10, -2), 'base64').toString('utf8'));
    expect(decoded.join('')).toBe(subject);
    for (const d of decoded) expect(d).not.toContain('\uFFFD');
  });

  it('refuses line breaks in header fields (no header injection)', () => {
    expect(() => buildPlainTextMessage({ to: ['a@example.com'], subject: 'Hi\r\nBcc: evil@example.com', body: '' })).toThrow(/subject/);
    expect(() => buildPlainTextMessage({ to: ['a@example.com\nBcc: x@y.z'], subject: 'Hi', body: '' })).toThrow(/to/);
  });

  it('adds In-Reply-To and References for replies', () => {
    const { headers } = parse(
      buildPlainTextMessage({ to: ['a@example.com'], subject: 'Re: x', body: 'ok', inReplyTo: '<abc@mail.example.com>' }),
    );
    expect(headers.get('in-reply-to')).toBe('<abc@mail.example.com>');
    expect(headers.get('references')).toBe('<abc@mail.example.com>');
  });
});

describe('toGmailRaw', () => {
  it('is base64url without padding and decodes back to the message', () => {
    const message = buildPlainTextMessage({ to: ['a@example.com'], subject: '??>>', body: '~~~???>>>' });
    const raw = toGmailRaw(message);
    expect(raw).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(raw, 'base64url').toString('utf8')).toBe(message);
  });
});
