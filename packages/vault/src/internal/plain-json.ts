/**
 * JSON of strings without JSON.stringify when they need no escaping: the audit writer serializes a
 * dozen short strings per row (its canonical JSON, the stored chain), and a JSON.stringify call
 * costs far more than the few characters it copies (callgrind, docs/performance.md).
 */

/**
 * A character JSON.stringify escapes in a string: '"', '\\', a control character (U+0000–U+001F),
 * or a surrogate (a lone one is escaped as \uXXXX; a paired one is not, but is left to
 * JSON.stringify rather than told apart here). Everything else, U+2028/U+2029 and non-ASCII
 * included, JSON.stringify writes as is — so a string without these is `"${s}"` in JSON.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are exactly what it must find
export const NEEDS_JSON_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * A list of strings as stored (the same bytes as `toJsonList` in store-rows.ts: JSON of the array,
 * of a copy for another iterable): written out when it is an array without toJSON of strings none
 * of which needs escaping, else through JSON.stringify.
 */
export function jsonStringList(values: readonly string[]): string {
  if (!Array.isArray(values)) return JSON.stringify([...values]);
  if ((values as { toJSON?: unknown }).toJSON !== undefined) return JSON.stringify(values);
  let json = '[';
  let probe = '';
  for (let i = 0; i < values.length; i++) {
    const value: unknown = values[i];
    if (typeof value !== 'string') return JSON.stringify(values);
    probe += value;
    json += i === 0 ? `"${value}"` : `,"${value}"`;
  }
  return NEEDS_JSON_ESCAPE.test(probe) ? JSON.stringify(values) : `${json}]`;
}
