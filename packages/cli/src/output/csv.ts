/**
 * CSV as RFC 4180 writes it: fields separated by commas, records by CRLF; a field containing a
 * comma, a double quote, CR or LF (or leading/trailing spaces) is enclosed in double quotes with
 * inner quotes doubled. Values are written exactly, so an export parses back to the same strings.
 */

/** Serializes one field. `null`/`undefined` become an empty field. */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  if (/[",\r\n]/.test(text) || text !== text.trim()) return `"${text.replaceAll('"', '""')}"`;
  return text;
}

/**
 * Serializes one record, including its CRLF terminator.
 *
 * @example
 * csvRow(['a', 'b,c', 'say "hi"']); // 'a,"b,c","say ""hi"""\r\n'
 */
export function csvRow(fields: ReadonlyArray<string | number | boolean | null | undefined>): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}
