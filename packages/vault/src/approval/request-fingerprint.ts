/**
 * The identity of one exact request, for approvals: a sha256 over the grant it is sent with
 * (provider and account), method, full URL, body bytes and the caller's headers (an approval binds
 * to it, so a changed request needs a new approval), and the readable summary of the body the user
 * is shown.
 */
import { createHash } from 'node:crypto';
import { SECRET_QUERY_PARAMS } from '../redact-url.js';

/**
 * Whose grant the request is sent with: an approval for the `personal` account must not send the
 * same request with the `work` account's token. `account` is the account the caller named, or null
 * for the user's only (or default) grant of the provider.
 */
export interface HashedGrant {
  readonly provider: string;
  readonly account: string | null;
}

/** The body as the vault sends it (`JSON.stringify(json)`, or the raw `body`). */
export type RequestBody = string | Buffer | Uint8Array | URLSearchParams | undefined;

/** Longest body summary shown to the user; the hash still covers the whole body. */
const SUMMARY_MAX_CHARS = 4000;
const REDACTED = '[REDACTED]';

function bodyBytes(body: RequestBody): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof URLSearchParams) return Buffer.from(body.toString(), 'utf8');
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/**
 * The headers as one canonical text: names lower-cased, sorted, one `name:value` a line. Header
 * names are case-insensitive and their order carries no meaning, so neither changes the hash; a
 * changed value does (`X-HTTP-Method-Override: DELETE` turns an approved POST into a delete at
 * APIs that honour it; `Content-Type` changes how the same bytes are read).
 */
function headerText(headers: Readonly<Record<string, string>>): string {
  return Object.entries(headers)
    .map(([name, value]) => `${name.toLowerCase()}:${value}`)
    .sort()
    .join('\n');
}

/**
 * sha256 (hex) of the grant, method, URL, body and the headers the caller set, length-prefixed so
 * no two requests share an encoding (a named account is prefixed with `=`, so no account and an
 * empty one differ too).
 */
export function requestHash(
  grant: HashedGrant,
  method: string,
  url: string,
  body: RequestBody,
  headers: Readonly<Record<string, string>> = {},
): string {
  const h = createHash('sha256');
  const parts = [
    Buffer.from(grant.provider, 'utf8'),
    Buffer.from(grant.account === null ? '' : `=${grant.account}`, 'utf8'),
    Buffer.from(method, 'utf8'),
    Buffer.from(url, 'utf8'),
    bodyBytes(body),
    Buffer.from(headerText(headers), 'utf8'),
  ];
  for (const part of parts) {
    h.update(`${part.byteLength}:`);
    h.update(part);
  }
  return h.digest('hex');
}

const SECRET_KEY = new Set([...SECRET_QUERY_PARAMS].map((k) => k.toLowerCase()));

function isSecretKey(key: string): boolean {
  return SECRET_KEY.has(key.toLowerCase());
}

function redactJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, isSecretKey(k) ? REDACTED : redactJson(v)]),
    );
  }
  return value;
}

function cap(text: string): string {
  return text.length <= SUMMARY_MAX_CHARS
    ? text
    : `${text.slice(0, SUMMARY_MAX_CHARS)}… (${text.length - SUMMARY_MAX_CHARS} more characters)`;
}

/**
 * True for characters that change how the text around them looks rather than showing themselves:
 * C0/C1 controls (terminal escapes, a lone CR that rewrites a line), bidirectional overrides and
 * isolates (which reorder what follows: "pay <U+202E>1234" reads as "pay 4321"), zero-width characters.
 */
function isDeceptive(code: number): boolean {
  return (
    (code < 0x20 && code !== 0x0a && code !== 0x09) ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x2028 && code <= 0x202e) ||
    (code >= 0x2060 && code <= 0x2069) ||
    code === 0x061c ||
    code === 0xfeff
  );
}

/** The text with every deceptive character written out as `\u{…}`: what the user reads is what is sent. */
function visible(text: string): string {
  let out = '';
  for (const ch of text.replace(/\r\n/g, '\n')) {
    const code = ch.codePointAt(0) ?? 0;
    out += isDeceptive(code) ? `\\u{${code.toString(16)}}` : ch;
  }
  return out;
}

/** `text` without the whitespace JSON allows between tokens (strings untouched). */
function minifiedJson(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') out += c;
  }
  return out;
}

/**
 * Secret-named string fields of JSON text shown as sent (it could not be re-formatted faithfully).
 * The names (SECRET_QUERY_PARAMS) are letters, digits, `_` and `-`: nothing to escape in a pattern.
 */
const SECRET_JSON_FIELD = new RegExp(`("(?:${[...SECRET_KEY].join('|')})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi');

/**
 * A readable summary of the body: JSON pretty-printed, form fields one per line, text as is,
 * binary as its size; fields named like secrets (`access_token`, `client_secret`, …) redacted.
 * JSON is re-formatted only when that loses nothing: duplicate keys (one of which the provider may
 * read), numbers beyond double precision (an id or an amount that would show rounded) or escapes
 * keep the text exactly as sent. Characters that would make the text read differently from what is
 * sent (controls, bidi overrides, zero-width) are written out as `\u{…}`.
 */
export function bodySummary(body: RequestBody): string {
  if (body === undefined) return '';
  if (body instanceof URLSearchParams) return cap(visible([...body].map(([k, v]) => `${k}: ${isSecretKey(k) ? REDACTED : v}`).join('\n')));
  if (typeof body !== 'string') return `(${body.byteLength} bytes of binary data)`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return cap(visible(body));
  }
  if (JSON.stringify(parsed) === minifiedJson(body)) return cap(visible(JSON.stringify(redactJson(parsed), null, 2)));
  return cap(visible(body.replace(SECRET_JSON_FIELD, `$1"${REDACTED}"`)));
}
