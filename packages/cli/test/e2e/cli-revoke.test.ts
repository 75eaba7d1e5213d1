/**
 * `alter grants revoke --all` (incident response) against the offline sandbox: grants connected
 * through the real OAuth server, the BUILT bin revoking them at the fake GitHub (its grant
 * deletion API), N/M progress on stderr, a summary on stdout, and exit 1 when a provider failed.
 * Every token, secret and output line goes through the leak check.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLeakCheck, type LeakCheck, type Sandbox, startSandbox } from '@alter/testing';
import { AlterVault, type ProviderConfig } from '@alter/vault';
import { assertBuilt, type CliResult, runCli } from '../support/cli-process.js';

describe('alter grants revoke --all against the sandbox (built bin)', () => {
  let sandbox: Sandbox;
  let configs: ProviderConfig[];
  let leak: LeakCheck;
  let dir: string;
  let key: string;
  let vault: AlterVault;
  const env = () => ({ ALTER_VAULT_KEY: key });

  beforeAll(async () => {
    assertBuilt();
    leak = createLeakCheck();
    sandbox = await startSandbox({ users: [{ login: 'carol' }, { login: 'dave' }] });
    configs = [sandbox.provider('github'), sandbox.provider('google')];
    for (const c of configs) leak.secret(c.clientSecret!, `${c.id} client secret`);
    dir = mkdtempSync(path.join(tmpdir(), 'alter-cli-revoke-'));
    key = leak.secret(randomBytes(32).toString('base64'), 'vault key');
    // Plain data: the sandbox's provider configs (revocation style and endpoint included).
    writeFileSync(
      path.join(dir, 'alter.config.mjs'),
      `export default {\n  caller: 'cli-revoke-test',\n  store: 'vault.db',\n  providers: ${JSON.stringify(configs.map((c) => ({ ...c, clientSecret: c.clientSecret })))},\n};\n`,
    );
    vault = new AlterVault({
      caller: 'test',
      providers: configs,
      store: path.join(dir, 'vault.db'),
      encryptionKey: key,
      logger: leak.logger,
    });
    const { url } = await vault.connect.listen();
    sandbox.registerRedirectUri(`${url}/connect/callback`);
  }, 60_000);
  afterAll(async () => {
    await vault?.close();
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    leak?.assertClean();
  });

  const alter = async (args: string[]): Promise<CliResult> => {
    const r = await runCli(args, { cwd: dir, env: env() });
    leak.inspect(r.stdout, `stdout of alter ${args.join(' ')}`);
    leak.inspect(r.stderr, `stderr of alter ${args.join(' ')}`);
    return r;
  };
  const connect = async (user: string, provider: 'github' | 'google', login: string): Promise<string> => {
    const scopes = provider === 'github' ? ['read:user'] : ['https://www.googleapis.com/auth/gmail.readonly'];
    const s = await vault.connect.createSession({ user, providers: { [provider]: scopes } });
    await sandbox.approve(s.url, { login });
    const result = await vault.connect.waitFor(s.id);
    expect(result.status).toBe('complete');
    const [g] = await vault.store.listGrants({ user, provider });
    return leak.secret(vault.openSecret(g!.accessToken), `${provider} access token of ${user}`);
  };
  const githubUser = async (token: string) =>
    (await fetch(`${sandbox.apiBase('api.github.com')}/user`, { headers: { authorization: `Bearer ${token}` } })).status;

  it('revokes every GitHub grant at GitHub with N/M progress on stderr and a summary, leaving other providers alone', async () => {
    const tokens = [
      await connect('u-alice', 'github', 'alice'),
      await connect('u-bob', 'github', 'bob'),
      await connect('u-carol', 'github', 'carol'),
    ];
    await connect('u-alice', 'google', 'alice');
    for (const t of tokens) expect(await githubUser(t)).toBe(200);
    // What another test of this file revoked (they run in any order) is not this test's.
    sandbox.stats.reset();

    const refused = await alter(['grants', 'revoke', '--all', '--provider', 'github']);
    expect(refused.code).toBe(2); // stdin is not a terminal: --yes is required
    expect(refused.stderr).toMatch(/^alter: --all would revoke 3 grant\(s\) of provider github; add --yes/);
    expect(sandbox.stats.revocations).toHaveLength(0);

    sandbox.stats.reset();
    const r = await alter(['grants', 'revoke', '--all', '--provider', 'github', '--yes']);
    expect(r.code).toBe(0);
    const progress = r.stderr.trimEnd().split('\n');
    expect(progress).toHaveLength(3);
    for (const [i, line] of progress.entries()) {
      expect(line).toMatch(
        new RegExp(`^revoking ${i + 1}/3: github grant \\S+ of user "u-\\w+" \\(account \\w+\\): provider confirmed the revocation$`),
      );
    }
    expect(r.stdout).toBe('revoked 3 grant(s) of provider github: 3 confirmed, 0 unsupported, 0 failed at the provider\n');

    expect(sandbox.stats.revocations.map((x) => [x.via, x.login, x.revoked])).toEqual(
      expect.arrayContaining([
        ['github-grant', 'alice', true],
        ['github-grant', 'bob', true],
        ['github-grant', 'carol', true],
      ]),
    );
    for (const t of tokens) expect(await githubUser(t)).toBe(401);
    expect(await vault.grants.list({ provider: 'github' })).toHaveLength(0);
    expect(await vault.grants.list({ provider: 'google' })).toHaveLength(1);

    const none = await alter(['grants', 'revoke', '--all', '--provider', 'github', '--yes']);
    expect(none).toMatchObject({ code: 0, stdout: '', stderr: 'no active grants match provider github\n' });
  }, 120_000);

  it('exits 1 and counts the failure when GitHub cannot revoke, while still revoking the grant here', async () => {
    const token = await connect('u-dave', 'github', 'dave');
    await connect('u-dave', 'google', 'dave');
    sandbox.faults.failNext({ status: 503, target: 'api', path: '/applications/' });
    const r = await alter(['grants', 'revoke', '--all', '--user', 'u-dave', '--yes']);
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.filter((l) => /^revoking [12]\/2: /.test(l))).toHaveLength(2);
    expect(r.stderr).toMatch(
      /revoking \d\/2: github grant \S+ of user "u-dave" \(account dave\): provider revocation FAILED \(DELETE https:\/\/api\.github\.com\/applications\/\{client_id\}\/grant answered HTTP 503\)/,
    );
    expect(r.stderr).toMatch(/revoking \d\/2: google grant \S+ of user "u-dave" \(account \S+\): provider confirmed the revocation/);
    expect(lines[2]).toMatch(/^alter: 1 grant\(s\) were revoked here but not at the provider/);
    expect(r.stdout).toBe('revoked 2 grant(s) of user "u-dave": 1 confirmed, 0 unsupported, 1 failed at the provider\n');
    expect(await vault.grants.list({ user: 'u-dave' })).toHaveLength(0);
    expect(await githubUser(token)).toBe(200); // GitHub was not told: which is what exit 1 reports
  }, 120_000);
});
