/** Help, usage errors and error reporting of the built `alter` bin (no vault needed for most). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { assertBuilt, runCli } from '../support/cli-process.js';

const COMMANDS = [
  ['grants', 'list'],
  ['grants', 'revoke'],
  ['connect'],
  ['approvals', 'list'],
  ['approvals', 'approve'],
  ['approvals', 'deny'],
  ['audit', 'tail'],
  ['audit', 'verify'],
  ['audit', 'export'],
  ['keys', 'rotate'],
  ['store', 'prune'],
  ['doctor'],
];

describe('alter usage (built bin)', () => {
  let cwd: string;
  beforeAll(() => {
    assertBuilt();
    cwd = mkdtempSync(path.join(tmpdir(), 'alter-cli-usage-'));
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));
  const alter = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd, env });

  it.each(COMMANDS)('%s %s --help prints the usage and exits 0', async (...cmd) => {
    const words = cmd.filter((w): w is string => typeof w === 'string');
    const r = await alter([...words, '--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^Usage: alter ${words.join(' ')}[ \\[<]`));
    expect(r.stdout).toContain('-h, --help');
    expect(r.stdout).toContain('--config <file>');
    expect(r.stdout).toContain('Examples:');
  });

  it('prints the overview with --help, help, and per group; --version', async () => {
    for (const args of [['--help'], ['help'], ['-h']]) {
      const r = await alter(args);
      expect(r.code).toBe(0);
      for (const [a, b] of COMMANDS) expect(r.stdout).toContain(`${a}${b ? ` ${b}` : ''}`);
    }
    const group = await alter(['audit', '--help']);
    expect(group.code).toBe(0);
    expect(group.stdout).toMatch(/^Usage: alter audit <command>/);
    expect(group.stdout).not.toContain('grants list');
    const topic = await alter(['help', 'audit', 'export']);
    expect(topic.stdout).toMatch(/^Usage: alter audit export/);
    const version = await alter(['--version']);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it.each([
    [['frobnicate'], 'alter: unknown command "frobnicate" (see "alter --help")'],
    [['grants', 'frob'], 'alter: unknown command "grants frob" (see "alter grants --help")'],
    [['audit', 'tail', '--bogus'], 'alter: unknown option --bogus (see "alter audit tail --help")'],
    [['--bogus'], 'alter: unknown option --bogus (see "alter --help")'],
    [['connect'], 'alter: missing <provider> (see "alter connect --help")'],
    [['connect', 'github'], 'alter: option --user is required'],
    [['audit', 'tail', '-n', 'many'], 'alter: option --lines: "many" is not a whole number'],
    [['audit', 'export', '--since', 'yesterday'], 'alter: --since: "yesterday" is not a date'],
    [['audit', 'export', '--user'], 'alter: option --user needs a value'],
    [['doctor', 'extra'], 'alter: unexpected argument "extra"'],
    [['keys', 'rotate', '--new-key', 'x', '--new-key-env', 'Y'], 'alter: give --new-key or --new-key-env, not both'],
    [['store', 'prune', '--batch-size', '20000'], 'alter: option --batch-size: "20000" is not a whole number between 0 and 10000'],
    [['store', 'prune', '--batch-size', '0'], 'alter: option --batch-size: must be at least 1'],
  ])('%j is a usage error: one line on stderr, nothing on stdout, exit 2', async (args, message) => {
    const r = await alter(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.endsWith('\n')).toBe(true);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(message);
  });

  it('a missing subcommand prints the group help on stderr and exits 2', async () => {
    const r = await alter(['grants']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Usage: alter grants <command>/);
  });

  it('runtime errors are one line without a stack trace, unless DEBUG=alter:*', async () => {
    const key = Buffer.alloc(32, 3).toString('base64');
    const missing = await alter(['grants', 'list'], { ALTER_VAULT_KEY: key, ALTER_VAULT_STORE: 'missing.db' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      "alter: the SQLite vault missing.db does not exist: check --store, ALTER_VAULT_STORE or the config's store\n",
    );

    const noKey = await alter(['audit', 'verify']);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/^alter: no encryption key: set ALTER_VAULT_KEY or encryptionKey in the config .*\n$/);

    const noConfig = await alter(['grants', 'list', '--config', 'nope.mjs']);
    expect(noConfig).toMatchObject({ code: 1, stderr: 'alter: config file nope.mjs does not exist (--config)\n' });

    const pgDown = await alter(['grants', 'list'], {
      ALTER_VAULT_KEY: key,
      ALTER_VAULT_STORE: 'postgres://nobody:pw-123456@127.0.0.1:1/none',
    });
    expect(pgDown.code).toBe(1);
    expect(pgDown.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(pgDown.stderr).toMatch(/^alter: .*ECONNREFUSED.*\[ALTER_STORE\]$/m);
    expect(pgDown.stderr).not.toContain('pw-123456');

    const debug = await alter(['grants', 'list'], { ALTER_VAULT_KEY: key, ALTER_VAULT_STORE: 'missing.db', DEBUG: 'alter:*' });
    expect(debug.code).toBe(1);
    expect(debug.stderr.split('\n').length).toBeGreaterThan(3);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});
