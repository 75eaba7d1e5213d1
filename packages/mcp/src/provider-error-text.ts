/**
 * What a tool may copy from a provider's error body into an error message the model sees.
 *
 * A provider (or a gateway or debugging proxy in front of it) may echo the request in its error
 * text — headers with `Authorization: Bearer …`, URLs with keys, form bodies. A tool pack that
 * copies that text into its error hands it to the model. These two allowlists keep what helps
 * the model correct its call (a short human sentence, a machine code) and drop anything shaped
 * like echoed request data; what they drop, the status and the code still say. The MCP layer
 * additionally redacts every secret the vault used for the call (defence in depth).
 */

/** Characters of ordinary provider sentences ("Requested entity was not found."). No `/ ; = @ & ? % + { } [ ] < >`: the marks of URLs, header lists, query strings and JSON. */
const SENTENCE = /^[A-Za-z0-9 _.,:'"()-]+$/;
/** Tokens, keys, ids and base64 are long unbroken runs; sentences are not. */
const LONG_RUN = /\S{25,}/;
/** Words that only an echoed credential header or parameter puts in an error text. */
const CREDENTIAL_WORD = /\b(bearer|basic|authorization|cookie|token|secret|password|apikey|api_key)\b/i;
const MAX_SENTENCE = 200;
/** Provider error codes: `channel_not_found`, `NOT_FOUND`, `missing_field`, `rateLimitExceeded`. */
const CODE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/**
 * `value` when it is a short provider sentence with nothing shaped like echoed request data,
 * else undefined (trailing periods dropped; the error message adds its own).
 * @example
 * providerErrorText('Requested entity was not found.') // 'Requested entity was not found'
 * providerErrorText('Bad request. Headers: authorization: Bearer ya29…') // undefined
 */
export function providerErrorText(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim().replace(/\.+$/, '');
  if (text === '' || text.length > MAX_SENTENCE || !SENTENCE.test(text) || LONG_RUN.test(text) || CREDENTIAL_WORD.test(text))
    return undefined;
  return text;
}

/**
 * `value` when it is a provider error code (a letter, then up to 63 letters, digits, `_ . -`),
 * else undefined.
 * @example
 * providerErrorCode('channel_not_found') // 'channel_not_found'
 * providerErrorCode('invalid: Bearer xoxb-…') // undefined
 */
export function providerErrorCode(value: unknown): string | undefined {
  return typeof value === 'string' && CODE.test(value) ? value : undefined;
}
