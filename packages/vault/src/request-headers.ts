/**
 * The headers `vault.request()` sends. Callers add headers through `extraHeaders`, but the vault
 * alone frames the request: a caller-set `Content-Length` shorter than the body leaves the rest
 * of the body on the keep-alive socket, where the server reads it as the start of the NEXT
 * request — which is another user's, carrying their Bearer token (request smuggling). So every
 * header that frames the message, routes it or controls the connection is refused, as are the
 * method-override headers, and names and values Node would reject or that could split a header line.
 */
import { HeaderNotAllowedError } from './errors.js';
import { requireObject } from './internal/args.js';

/** Headers that frame or route the message or control the connection (RFC 9110/9112 hop-by-hop). */
const FRAMING_HEADERS: ReadonlySet<string> = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'host',
  'expect',
  'http2-settings',
]);

/**
 * Headers that make APIs honouring them (Google's among them) run another method than the one
 * sent: a POST carrying `X-HTTP-Method-Override: DELETE` deletes, while the vault's policy,
 * endpoint declarations, approvals and audit all see a POST. The vault sends every method itself,
 * so no caller needs them.
 */
const METHOD_OVERRIDE_HEADERS: ReadonlySet<string> = new Set(['x-http-method-override', 'x-http-method', 'x-method-override']);

/** RFC 9110 `token`: the only characters a header name may have. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** RFC 9110 field-value characters (what Node's own check allows): HTAB, visible ASCII, obs-text. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Validates `extraHeaders` and returns the headers to send (the vault adds `authorization`).
 * Runs before any token is read.
 *
 * @throws HeaderNotAllowedError naming the first refused header; InvalidArgumentError when
 *   `extraHeaders` is not an object.
 */
export function buildRequestHeaders(extra: Readonly<Record<string, string>> | undefined, json: boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  if (json) headers['content-type'] = 'application/json';
  if (extra === undefined) return headers;
  requireObject(extra, 'options.extraHeaders');
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(extra)) {
    if (!TOKEN.test(name)) {
      // Shown escaped: the name may hold CR/LF or other control characters.
      throw new HeaderNotAllowedError({
        header: JSON.stringify(name).slice(0, 80),
        reason: "is not a valid header name (letters, digits and !#$%&'*+.^_`|~- only)",
      });
    }
    const lower = name.toLowerCase();
    if (lower === 'authorization' || lower.startsWith('proxy-')) {
      throw new HeaderNotAllowedError({
        header: name,
        reason: 'the vault sets Authorization itself (the token never passes through tool code), and Proxy-* headers are never sent',
      });
    }
    if (FRAMING_HEADERS.has(lower)) {
      throw new HeaderNotAllowedError({
        header: name,
        reason: `${name} frames or routes the request or controls the connection, which only the vault does (a caller-set value could smuggle a request onto a connection other users share)`,
      });
    }
    if (METHOD_OVERRIDE_HEADERS.has(lower)) {
      throw new HeaderNotAllowedError({
        header: name,
        reason: `${name} makes the API run another method than the one the vault's policy, endpoints, approvals and audit see; pass that method to request() instead (GET, HEAD, POST, PUT, PATCH, DELETE and OPTIONS are sent as themselves)`,
      });
    }
    if (typeof value !== 'string' || !FIELD_VALUE.test(value)) {
      throw new HeaderNotAllowedError({ header: name, reason: 'expected a string without CR, LF, NUL or other control characters' });
    }
    if (seen.has(lower)) throw new HeaderNotAllowedError({ header: name, reason: 'is given twice (header names are case-insensitive)' });
    seen.add(lower);
    if (lower === 'content-type' && json) delete headers['content-type'];
    headers[name] = value;
  }
  return headers;
}
