import { describe, expect, it } from '@jest/globals';
import { csvField, csvRow } from '../../src/output/csv.js';
import { parseCsv } from '../support/parse-csv.js';

describe('csv', () => {
  it('leaves plain fields bare and writes null as an empty field', () => {
    expect(csvRow(['a', 1, null, undefined, true])).toBe('a,1,,,true\r\n');
  });

  it('quotes commas, quotes, CR, LF and edge spaces, doubling inner quotes', () => {
    expect(csvField('b,c')).toBe('"b,c"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line1\nline2')).toBe('"line1\nline2"');
    expect(csvField('a\rb')).toBe('"a\rb"');
    expect(csvField(' padded ')).toBe('" padded "');
  });

  it('round-trips awkward values through an RFC 4180 parser', () => {
    const rows = [
      ['seq', 'url', 'reason'],
      ['1', 'https://x.test/a?b=1,2', 'he said "no"\r\nthen left'],
      ['2', '', ' =SUM(A1) '],
      ['3', 'ünïcødé ☃', '"'],
    ];
    const text = rows.map(csvRow).join('');
    expect(parseCsv(text)).toEqual(rows);
  });
});
