import { describe, expect, it } from '@jest/globals';
import { escapeControl } from '../../src/output/sanitize.js';
import { renderTable } from '../../src/output/table.js';

describe('renderTable', () => {
  it('pads columns to the widest cell and leaves no trailing spaces', () => {
    const out = renderTable(
      [{ header: 'USER' }, { header: 'N', align: 'right' }, { header: 'PROVIDER' }],
      [
        ['alice', '7', 'github'],
        ['bo', '123', 'google'],
      ],
    );
    expect(out).toBe('USER     N  PROVIDER\nalice    7  github\nbo     123  google\n');
  });

  it('escapes control characters so a user id cannot forge lines or terminal escapes', () => {
    const out = renderTable([{ header: 'USER' }], [['eve\n\u001b[31mroot']]);
    expect(out).toBe('USER\neve\\x0a\\x1b[31mroot\n');
    expect(out.split('\n')).toHaveLength(3);
  });

  it('escapeControl keeps printable unicode', () => {
    expect(escapeControl('ünï ☃ a\tb\u2028')).toBe('ünï ☃ a\\x09b\\u2028');
  });
});
