/**
 * A minimal RFC 2822 / MIME writer for plain-text mail, enough for Gmail's `messages.send`
 * (which takes the whole message base64url-encoded in `raw`). Header values are checked for
 * CR/LF so user input can never inject a header; non-ASCII subjects use RFC 2047 encoded words.
 */

export interface PlainTextMessage {
  readonly to: readonly string[];
  readonly cc?: readonly string[];
  readonly bcc?: readonly string[];
  readonly subject: string;
  readonly body: string;
  /** Message-ID of the message replied to (`<…@mail.gmail.com>`). */
  readonly inReplyTo?: string;
}

import { InvalidArgumentError } from '@alter/vault';

const CRLF = '\r\n';

/** Builds the message text with CRLF line endings. */
export function buildPlainTextMessage(msg: PlainTextMessage): string {
  const headers: string[] = [];
  headers.push(`To: ${addressList(msg.to, 'to')}`);
  if (msg.cc?.length) headers.push(`Cc: ${addressList(msg.cc, 'cc')}`);
  if (msg.bcc?.length) headers.push(`Bcc: ${addressList(msg.bcc, 'bcc')}`);
  headers.push(`Subject: ${encodeHeaderText(noLineBreaks(msg.subject, 'subject'))}`);
  if (msg.inReplyTo) {
    const id = noLineBreaks(msg.inReplyTo, 'inReplyTo');
    headers.push(`In-Reply-To: ${id}`, `References: ${id}`);
  }
  headers.push('MIME-Version: 1.0', 'Content-Type: text/plain; charset="UTF-8"');
  const text = msg.body.replace(/\r?\n/g, CRLF);
  // 8bit UTF-8 while every line fits RFC 5322's 998-octet limit (readable in any raw view);
  // base64 otherwise, so no line is ever cut or re-wrapped.
  const fits = text.split(CRLF).every((line) => Buffer.byteLength(line, 'utf8') <= 998);
  headers.push(`Content-Transfer-Encoding: ${fits ? '8bit' : 'base64'}`);
  const body = fits ? text : wrap(Buffer.from(text, 'utf8').toString('base64'), 76);
  return `${headers.join(CRLF)}${CRLF}${CRLF}${body}${CRLF}`;
}

/** Gmail's `raw`: the message as base64url without padding. */
export function toGmailRaw(message: string): string {
  return Buffer.from(message, 'utf8').toString('base64url');
}

function addressList(addresses: readonly string[], field: string): string {
  return addresses.map((a) => noLineBreaks(a, field)).join(', ');
}

function noLineBreaks(value: string, field: string): string {
  if (/[\r\n]/.test(value)) throw new InvalidArgumentError(field, 'must not contain line breaks');
  return value;
}

function encodeHeaderText(value: string): string {
  // Printable ASCII goes as is; anything else becomes one RFC 2047 "B" encoded word per chunk.
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  const bytes = Buffer.from(value, 'utf8');
  const words: string[] = [];
  // 45 bytes → 60 base64 chars, keeping each encoded word under the 75-char limit.
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + 45, bytes.length);
    // Never split a UTF-8 sequence across words: back up to a lead byte.
    while (end < bytes.length && end > start + 1 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
    words.push(`=?UTF-8?B?${bytes.subarray(start, end).toString('base64')}?=`);
    start = end;
  }
  return words.join(`${CRLF} `);
}

function wrap(text: string, width: number): string {
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += width) lines.push(text.slice(i, i + width));
  return lines.join(CRLF);
}
