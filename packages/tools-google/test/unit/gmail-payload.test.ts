import { describe, expect, it } from '@jest/globals';
import { attachmentNames, type GmailMessagePart, header, textBody } from '../../src/internal/gmail-payload.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

// The shape Gmail returns for a typical HTML mail with a plain-text alternative and a PDF.
const multipart: GmailMessagePart = {
  mimeType: 'multipart/mixed',
  headers: [
    { name: 'From', value: 'Bob <bob@example.com>' },
    { name: 'subject', value: 'Invoice' },
  ],
  parts: [
    {
      mimeType: 'multipart/alternative',
      parts: [
        { mimeType: 'text/plain', body: { size: 9, data: b64('Hi — été\n') } },
        { mimeType: 'text/html', body: { size: 20, data: b64('<p>Hi — été</p>') } },
      ],
    },
    { mimeType: 'application/pdf', filename: 'invoice.pdf', body: { size: 1000, attachmentId: 'att-1' } },
    { mimeType: 'text/plain', filename: 'notes.txt', body: { size: 5, data: b64('notes') } },
  ],
};

describe('reading a Gmail message payload', () => {
  it('finds headers case-insensitively', () => {
    expect(header(multipart, 'from')).toBe('Bob <bob@example.com>');
    expect(header(multipart, 'Subject')).toBe('Invoice');
    expect(header(multipart, 'Cc')).toBeUndefined();
  });

  it('prefers the text/plain alternative and decodes base64url UTF-8', () => {
    expect(textBody(multipart)).toEqual({ text: 'Hi — été\n', mimeType: 'text/plain' });
  });

  it('falls back to the HTML part without tags, scripts or entities', () => {
    const html: GmailMessagePart = {
      mimeType: 'text/html',
      body: { data: b64('<html><style>p{}</style><script>alert(1)</script><p>A &amp; B</p><div>C&nbsp;&lt;D&gt;</div></html>') },
    };
    expect(textBody(html)).toEqual({ text: 'A & B\nC <D>', mimeType: 'text/html' });
  });

  it('does not take an attached .txt file for the body, and lists attachments', () => {
    const onlyAttachment: GmailMessagePart = { mimeType: 'multipart/mixed', parts: [multipart.parts?.[2] as GmailMessagePart] };
    expect(textBody(onlyAttachment)).toBeUndefined();
    expect(attachmentNames(multipart)).toEqual(['invoice.pdf', 'notes.txt']);
  });
});
