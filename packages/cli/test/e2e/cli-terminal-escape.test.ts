/**
 * Stored values reach the terminal: a provider account name is whatever the provider login of
 * whoever connects says, so an attacker chooses theirs. Every human-readable line the BUILT bin
 * prints — tables, revoke progress, one-line errors, lines echoing argv — must show control
 * characters escaped, never send them to the operator's terminal.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLeakCheck, type LeakCheck } from '@alter/testing';
import { AlterVault, providers } from '@alter/vault';
import { assertBuilt, type CliResult, runCli } from '../support/cli-process.js';

/** Sets the window title (OSC … BEL), then clears the screen (CSI 2J). */
const EVIL = 'mallory\x1b]0;pwned\x07\x1b[2J';
const EVIL_SHOWN = 'mallory\\x1b]0;pwned\\x07\\x1b[2J';

/** A provider with no revocation endpoint: revoking is local, nothing is contacted. */
const CORP = {
  type: 'oauth2',
  clientId: 'corp-client',
  authorizationEndpoint: 'http://127.0.0.1:9/authorize',
  tokenEndpoint: 'http://127.0.0.1:9/token',
  allowedHosts: ['127.0.0.1'],
  allowInsecureLoopback: true,
} as const;

describe('human-readable output escapes control characters from stored values and argv (built bin)', () => {
  let leak: LeakCheck;
  let dir: string;
  let key: string;
  let clientSecret: string;

  beforeAll(() => {
    assertBuilt();
    leak = createLeakCheck();
    dir = mkdtempSync(path.join(tmpdir(), 'alter-cli-escape-'));
    key = leak.secret(randomBytes(32).toString('base64'), 'vault key');
    clientSecret = leak.secret(`corp-secret-${randomBytes(8).toString('hex')}`, 'corp client secret');
    writeFileSync(
      path.join(dir, 'alter.config.json'),
      JSON.stringify({ caller: 'cli-escape-test', store: 'vault.db', providers: { corp: { ...CORP, clientSecretEnv: 'CORP_SECRET' } } }),
    );
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    leak?.assertClean();
  });

  /** Stores one grant per `[user, account]` (through AlterVault, as a completed Connect would). */
  const putGrants = async (grants: ReadonlyArray<readonly [string, string]>): Promise<void> => {
    const { type: _, ...corp } = CORP;
    const vault = new AlterVault({
      caller: 'test',
      store: path.join(dir, 'vault.db'),
      encryptionKey: key,
      providers: [providers.oauth2({ id: 'corp', ...corp, clientSecret })],
      logger: leak.logger,
    });
    try {
      for (const [user, account] of grants) {
        const accessToken = leak.secret(`at-${randomBytes(12).toString('hex')}`, `access token of ${user}`);
        await vault.grants.put({ user, provider: 'corp', account, accessToken, scopes: ['read'] });
      }
    } finally {
      await vault.close();
    }
  };
  const alter = async (args: string[]): Promise<CliResult> => {
    const r = await runCli(args, { cwd: dir, env: { ALTER_VAULT_KEY: key, CORP_SECRET: clientSecret } });
    leak.inspect(r.stdout, `stdout of alter ${args.join(' ')}`);
    leak.inspect(r.stderr, `stderr of alter ${args.join(' ')}`);
    return r;
  };
  /** No ESC (0x1b) and no BEL (0x07) byte: nothing a terminal would act on. */
  const expectNoTerminalControls = (r: CliResult) => {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding raw control bytes is the point
    expect(r.stdout).not.toMatch(/[\x1b\x07]/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding raw control bytes is the point
    expect(r.stderr).not.toMatch(/[\x1b\x07]/);
  };

  it('grants list shows a hostile account escaped', async () => {
    await putGrants([['alice', EVIL]]);
    const r = await alter(['grants', 'list', '--user', 'alice']);
    expect(r.code).toBe(0);
    expectNoTerminalControls(r);
    expect(r.stdout).toContain(EVIL_SHOWN);
  });

  it('an ambiguous grants revoke prints the stored accounts it lists escaped, on one line', async () => {
    await putGrants([['alice', 'alice-work']]);
    const r = await alter(['grants', 'revoke', '--user', 'alice', '--provider', 'corp']);
    expect(r.code).toBe(1);
    expectNoTerminalControls(r);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^alter: /);
    expect(r.stderr).toContain(EVIL_SHOWN);
  });

  it('grants revoke echoes argv escaped on stdout and stderr', async () => {
    const user = 'eve\x1b]0;pwned\x07';
    await putGrants([[user, 'eve']]);
    const r = await alter(['grants', 'revoke', '--user', user, '--provider', 'corp']);
    expect(r.code).toBe(0);
    expectNoTerminalControls(r);
    expect(r.stdout).toBe('revoked the corp grant of user "eve\\x1b]0;pwned\\x07"\n');

    const missing = await alter(['grants', 'revoke', 'no-such-id\x1b[2J']);
    expect(missing.code).toBe(1);
    expectNoTerminalControls(missing);
    expect(missing.stderr).toBe('alter: no active grant with id no-such-id\\x1b[2J\n');
  });

  it('grants revoke --all prints its progress lines with hostile values escaped', async () => {
    const r = await alter(['grants', 'revoke', '--all', '--provider', 'corp', '--yes']);
    expect(r.code).toBe(0);
    expectNoTerminalControls(r);
    const progress = r.stderr.trimEnd().split('\n');
    expect(progress).toHaveLength(2);
    expect(progress.find((l) => l.includes('(account mallory'))).toMatch(
      new RegExp(`^revoking [12]/2: corp grant \\S+ of user "alice" \\(account ${EVIL_SHOWN.replace(/[\\[\]]/g, '\\$&')}\\): `),
    );
    expect(r.stdout).toBe('revoked 2 grant(s) of provider corp: 0 confirmed, 2 unsupported, 0 failed at the provider\n');
  });
});
