import { describe, expect, it } from '@jest/globals';
import { intOption, parseCommandArgs } from '../../src/args.js';
import { UsageError } from '../../src/cli-error.js';
import type { CommandSpec } from '../../src/command.js';

const spec: CommandSpec = {
  path: ['grants', 'revoke'],
  summary: 'test',
  options: {
    user: { type: 'string', description: 'u' },
    json: { type: 'boolean', description: 'j' },
    limit: { type: 'string', short: 'n', description: 'n' },
  },
  positionals: [{ name: 'grant-id', description: 'g', required: true }],
  examples: [],
  usesVault: true,
  run: async () => 0,
};

describe('parseCommandArgs', () => {
  it('parses options, shorts, config options and positionals', () => {
    const r = parseCommandArgs(spec, ['g1', '--user', 'alice', '-n', '5', '--json', '--store', 'x.db']);
    expect(r.positionals).toEqual(['g1']);
    expect(r.values).toMatchObject({ user: 'alice', limit: '5', json: true, store: 'x.db' });
  });

  it('names the bad argument and points at --help, in one line', () => {
    const cases: Array<[string[], string]> = [
      [['g1', '--nope'], 'unknown option --nope (see "alter grants revoke --help")'],
      [['g1', '--user'], 'option --user needs a value'],
      [['g1', '--json=yes'], 'option --json takes no value'],
      [['g1', '--user', '--json'], 'option --user needs a value (see'],
      [[], 'missing <grant-id>'],
      [['g1', 'g2'], 'unexpected argument "g2"'],
    ];
    for (const [args, message] of cases) {
      let err: unknown;
      try {
        parseCommandArgs(spec, args);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toContain(message);
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('lets --help through without checking positionals', () => {
    expect(parseCommandArgs(spec, ['--help']).values.help).toBe(true);
  });

  it('intOption rejects non-integers naming the option', () => {
    expect(intOption({ limit: '12' }, 'limit', 1)).toBe(12);
    expect(intOption({}, 'limit', 7)).toBe(7);
    expect(() => intOption({ limit: '1.5' }, 'limit', 1)).toThrow('option --limit: "1.5" is not a whole number');
    expect(() => intOption({ limit: '-3' }, 'limit', 1)).toThrow(UsageError);
  });
});
