import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox } from '@alter/testing';
import { AlterVault } from '@alter/vault';
import { afterAll, describe, expect, it } from '@jest/globals';

// Statements of the docs checked against what the code does, with the real parts: the sandbox's
// OAuth server, a vault on a SQLite file, the built `alter` CLI.
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const doc = (page: string) => readFileSync(path.join(repo, page), 'utf8');
const dir = mkdtempSync(path.join(tmpdir(), 'alter-docs-facts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('docs/testing.md', () => {
  it("says where a sandbox grant's account comes from, and Connect agrees", async () => {
    const sandbox = await startSandbox();
    const vault = new AlterVault({
      caller: 'docs-facts',
      store: path.join(dir, 'account.db'),
      encryptionKey: randomBytes(32).toString('base64'),
      providers: [sandbox.provider('google'), sandbox.provider('github')],
    });
    try {
      const { url } = await vault.connect.listen();
      sandbox.registerRedirectUri(`${url}/connect/callback`);
      const session = await vault.connect.createSession({ user: 'alice', providers: { google: [], github: [] } });
      await sandbox.approve(session.url, { login: 'alice' });
      const done = await vault.connect.waitFor(session.id, { timeoutMs: 20_000 });
      expect(done.status).toBe('complete');
      const alice = sandbox.user('alice');
      const accounts = (await vault.grants.list({ user: 'alice' })).map((g) => [g.provider, g.account]).sort();
      // The login (id_token/userinfo preferred_username), not the subject.
      expect(accounts).toEqual([
        ['github', alice.login],
        ['google', alice.login],
      ]);
      expect(alice.sub).not.toBe(alice.login);
    } finally {
      await vault.close();
      await sandbox.close();
    }
    const users = doc('docs/testing.md');
    const accountRow = users.split('\n').find((line) => line.startsWith('|') && line.includes("the grant's account"));
    expect(accountRow).toMatch(/^\| `login` \|.*`preferred_username`/);
    expect(users).not.toMatch(/\| `sub` \|[^\n]*hence the grant's account/);
  }, 60_000);
});

describe('docs/quick-start.md §3', () => {
  it('says what `alter doctor --offline` reports with environment variables only', async () => {
    const cli = path.join(repo, 'packages/cli/dist/bin.js');
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run pnpm build first.`);
    // The quick start's setup: a vault the server created, ALTER_VAULT_STORE and ALTER_VAULT_KEY set.
    const store = path.join(dir, 'doctor.db');
    const key = randomBytes(32).toString('base64');
    const vault = new AlterVault({ caller: 'calendar-mcp', store, encryptionKey: key, providers: [] });
    await vault.ready();
    await vault.close();
    const env = { PATH: process.env.PATH ?? '', HOME: dir, NO_COLOR: '1', ALTER_VAULT_STORE: store, ALTER_VAULT_KEY: key };
    const doctor = spawnSync(process.execPath, [cli, 'doctor', '--offline'], { cwd: dir, encoding: 'utf8', env });
    expect(doctor.stdout).toMatch(/^ok +key\b/m);
    expect(doctor.stdout).toMatch(/^ok +store\b/m);
    const warning = /^WARN +providers +no providers configured$/m.exec(doctor.stdout)?.[0];
    expect(warning).toBeDefined();
    // The page promises what doctor prints: no "provider config is fine", and the warning by name.
    const section = doc('docs/quick-start.md').split('## 3. The first call')[1]?.split('\n## ')[0] ?? '';
    expect(section).not.toMatch(/doctor --offline +# .*provider config (is|are) fine/);
    expect(section).toContain('WARN  providers no providers configured');
  }, 60_000);
});
