/**
 * Values shown on a terminal come partly from outside (user ids, URLs, tool names in audit rows).
 * A control character in one of them could rewrite the operator's screen (ANSI escapes) or forge
 * an extra line, so human-readable output shows them escaped. JSONL escapes them by itself; CSV
 * keeps values byte-exact (it is an export format) and quotes line breaks.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Replaces every control character with a visible `\xNN` / `\uNNNN` escape. */
export function escapeControl(value: string): string {
  return value.replace(CONTROL, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * {@link escapeControl} for multi-line text (help, tables, several lines in one write): each `\n`
 * is kept, every other control character is escaped, so no value can move the cursor, clear the
 * screen or `\r`-overwrite a line. A value holding a `\n` still starts a new line here; output
 * that must stay one line per value escapes the value itself first (tables, `reportError`).
 *
 * @example
 * escapeControlPerLine('a\x1b[2J\nb\r\n'); // 'a\\x1b[2J\nb\\x0d\n'
 */
export function escapeControlPerLine(text: string): string {
  return text.split('\n').map(escapeControl).join('\n');
}
