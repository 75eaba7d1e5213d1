/** Plain-text tables for human-readable command output (`grants list`, `audit tail`). */
import { escapeControl } from './sanitize.js';

/** One column: its header and, optionally, right alignment (numbers). */
export interface TableColumn {
  readonly header: string;
  readonly align?: 'left' | 'right';
}

/**
 * Renders rows under a header, columns padded to their widest cell and separated by two spaces.
 * Cells are escaped with {@link escapeControl}; the last column is not padded (no trailing spaces).
 *
 * @example
 * renderTable([{ header: 'USER' }, { header: 'PROVIDER' }], [['alice', 'github']]);
 * // 'USER   PROVIDER\nalice  github\n'
 */
export function renderTable(columns: readonly TableColumn[], rows: ReadonlyArray<readonly string[]>): string {
  const cells = rows.map((row) => columns.map((_, i) => escapeControl(row[i] ?? '')));
  const widths = columns.map((col, i) => Math.max(col.header.length, ...cells.map((r) => width(r[i]!))));
  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => {
        const last = i === values.length - 1;
        const pad = widths[i]! - width(v);
        if (columns[i]!.align === 'right') return ' '.repeat(pad) + v;
        return last ? v : v + ' '.repeat(pad);
      })
      .join('  ');
  return `${[line(columns.map((c) => c.header)), ...cells.map(line)].join('\n')}\n`;
}

/** Display width in code points (good enough for ids, URLs and scopes; no East-Asian width table). */
function width(value: string): number {
  let n = 0;
  for (const _ of value) n += 1;
  return n;
}
