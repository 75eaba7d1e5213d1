/**
 * `alter connect` and `alter doctor` against the offline sandbox: a real OAuth server on
 * 127.0.0.1, approved headlessly, the grant landing in a real SQLite vault that the CLI process
 * opened from an alter.config.mjs file.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLeakCheck, type LeakCheck, type Sandbox, startSandbox } from '@alter/testing';
import { AlterVault, type ProviderConfig } from '@alter/vault';
import { assertBuilt, type CliProcess, type CliResult, runCli, startCli } from '../support/cli-process.js';

describe('alter connect and doctor against the sandbox (built bin)', () => {
  let sandbox: Sandbox;
  let github: ProviderConfig;
  let leak: LeakCheck;
  let dir: string;
  let key: string;
  const env = () => ({ ALTER_VAULT_KEY: key });
  const dirs: string[] = [];
  const tempDir = (prefix: string) => {
    const d = mkdtempSync(path.join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };

  beforeAll(async () => {
    assertBuilt();
    leak = createLeakCheck();
    sandbox = await startSandbox();
    github = sandbox.provider('github');
    leak.secret(github.clientSecret!, 'sandbox github client secret');
    dir = tempDir('alter-cli-connect-');
    key = leak.secret(randomBytes(32).toString('base64'), 'vault key');
    // The same options object a server would pass to new AlterVault(); the provider config is
    // plain data here (the sandbox's github emulation), written as a literal.
    writeFileSync(
      path.join(dir, 'alter.config.mjs'),
      `export default {\n  caller: 'cli-connect-test',\n  store: 'vault.db',\n  providers: [${JSON.stringify({ ...github, clientSecret: github.clientSecret })}],\n};\n`,
    );
  });
  afterAll(async () => {
    await sandbox?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    leak?.assertClean();
  });

  const watch = (p: CliProcess, label: string) =>
    p.done.then((r) => {
      leak.inspect(r.stdout, `stdout of ${label}`);
      leak.inspect(r.stderr, `stderr of ${label}`);
      return r;
    });
  const registerCallback = (p: CliProcess) => {
    const m = /redirect URI: (\S+)\)/.exec(p.output().stderr);
    if (!m) throw new Error(`alter connect did not print its redirect URI; stderr: ${p.output().stderr}`);
    sandbox.registerRedirectUri(m[1]!);
  };

  it('prints the Connect URL, waits for the approval, and stores the grant for the user', async () => {
    const p = startCli(['connect', 'github', '--user', 'user-42', '--scopes', 'repo,read:user'], { cwd: dir, env: env() });
    const finished = watch(p, 'alter connect');
    const url = await p.stdoutLine(/^http:\/\/127\.0\.0\.1:\d+\/connect\/\S+$/);
    registerCallback(p);
    expect(p.child.exitCode).toBeNull(); // still waiting for the user
    // The link is not a bearer link: it opens on the confirmation page naming the user, and
    // does not send the browser on to the provider by itself.
    const page = await fetch(url, { redirect: 'manual' });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('user-42');
    await sandbox.approve(url, { login: 'alice' });
    const r: CliResult = await finished;
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^connected github for user "user-42": account \S+, scopes .*repo.*, grant \S+$/);

    const vault = new AlterVault({
      caller: 'test',
      providers: [github],
      store: path.join(dir, 'vault.db'),
      encryptionKey: key,
      logger: leak.logger,
    });
    try {
      const grants = await vault.grants.list({ user: 'user-42' });
      expect(grants).toHaveLength(1);
      expect(grants[0]).toMatchObject({ provider: 'github', status: 'active' });
      expect(grants[0]!.scopes).toEqual(expect.arrayContaining(['repo']));
      expect(lines[1]).toContain(grants[0]!.id);
      const stored = await vault.store.getGrant(grants[0]!.id);
      leak.secret(vault.openSecret(stored!.accessToken), 'connected access token');
      if (stored!.refreshToken) leak.secret(vault.openSecret(stored!.refreshToken), 'connected refresh token');
      // The grant works: the fake GitHub API accepts its token.
      const me = await vault.request('github', 'GET', 'https://api.github.com/user', { user: 'user-42' });
      expect(me.status).toBe(200);
    } finally {
      await vault.close();
    }

    const listed = await runCli(['grants', 'list', '--user', 'user-42'], { cwd: dir, env: env() });
    leak.inspect(listed.stdout, 'grants list after connect');
    expect(listed.stdout).toMatch(/user-42\s+github/);
  });

  it('with connect.baseUrl configured, only waits while the server there handles the callback', async () => {
    // "The server": a vault in this process serving vault.connect.handler() on loopback, sharing
    // the SQLite file with the CLI process, which polls the store until the session completes.
    const serverDir = tempDir('alter-cli-server-');
    let handler: ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void) | undefined;
    const http = createServer((req, res) => handler?.(req, res));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
    const store = path.join(serverDir, 'vault.db');
    const server = new AlterVault({
      caller: 'server',
      providers: [github],
      store,
      encryptionKey: key,
      connect: { baseUrl },
      logger: leak.logger,
    });
    handler = server.connect.handler();
    sandbox.registerRedirectUri(`${baseUrl}/connect/callback`);
    try {
      writeFileSync(
        path.join(serverDir, 'alter.config.mjs'),
        `export default { caller: 'cli', store: 'vault.db', connect: { baseUrl: ${JSON.stringify(baseUrl)} }, providers: [${JSON.stringify({ ...github, clientSecret: github.clientSecret })}] };\n`,
      );
      const p = startCli(['connect', 'github', '--user', 'user-50'], { cwd: serverDir, env: env() });
      const finished = watch(p, 'alter connect (baseUrl)');
      const url = await p.stdoutLine(/^http:\/\/127\.0\.0\.1:\d+\/connect\//);
      expect(url.startsWith(`${baseUrl}/connect/`)).toBe(true);
      expect(p.output().stderr).toContain(`Connect is served by ${baseUrl} (connect.baseUrl)`);
      await sandbox.approve(url, { login: 'bob' });
      const r = await finished;
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^connected github for user "user-50"/m);
      expect(await server.grants.list({ user: 'user-50' })).toHaveLength(1);

      const withPort = await runCli(['connect', 'github', '--user', 'u', '--port', '9999'], { cwd: serverDir, env: env() });
      expect(withPort.code).toBe(2);
      expect(withPort.stderr).toContain('option --port: the config sets connect.baseUrl');
    } finally {
      await server.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });

  it('exits 1 with one line when the user denies consent', async () => {
    const p = startCli(['connect', 'github', '--user', 'user-43'], { cwd: dir, env: env() });
    const finished = watch(p, 'alter connect (denied)');
    const url = await p.stdoutLine(/^http:\/\/127\.0\.0\.1:\d+\/connect\//);
    registerCallback(p);
    await sandbox.approve(url, { login: 'alice', deny: true });
    const r = await finished;
    expect(r.code).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('alter: '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^alter: Connect session failed: /);
  });

  it('gives up after --timeout with one line and a non-zero exit', async () => {
    const r = await runCli(['connect', 'github', '--user', 'user-44', '--timeout', '1'], { cwd: dir, env: env() });
    leak.inspect(r.stderr, 'connect timeout');
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^alter: Connect session .* still pending after 1000 ms\. \[ALTER_CONNECT_SESSION\]$/,
    );
  });

  it('refuses an unknown provider in one line', async () => {
    const r = await runCli(['connect', 'dropbox', '--user', 'u'], { cwd: dir, env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^alter: Unknown provider "dropbox"\. Configured providers: github\..*\[ALTER_CONFIG\]$/,
    );
  });

  it('doctor reaches the sandbox endpoints of a good config', async () => {
    const r = await runCli(['doctor'], { cwd: dir, env: env() });
    leak.inspect(r.stdout, 'doctor stdout');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok\s+config\s+alter\.config\.mjs$/m);
    expect(r.stdout).toMatch(/^ok\s+provider\s+github: configured, endpoints reachable \(hosts: api\.github\.com\)$/m);
    expect(r.stdout).toMatch(/^doctor: no problems/m);
  });

  it('doctor on a broken config says what to fix, without contacting anyone (--offline)', async () => {
    const broken = tempDir('alter-cli-broken-');
    writeFileSync(
      path.join(broken, 'alter.config.json'),
      JSON.stringify({
        caller: 'broken',
        store: 'nowhere/vault.db',
        providers: { google: { clientId: 'cid.apps.googleusercontent.com', clientSecretEnv: 'GOOGLE_CLIENT_SECRET' } },
      }),
    );
    const r = await runCli(['doctor', '--offline'], { cwd: broken, env: env() });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^FAIL\s+config\s+providers\.google\.clientSecretEnv names GOOGLE_CLIENT_SECRET, which is not set \(provider google is left out\)$/m,
    );
    expect(r.stdout).toMatch(/fix: export GOOGLE_CLIENT_SECRET=… /);
    expect(r.stdout).toMatch(/^FAIL\s+store\s+sqlite nowhere\/vault\.db: the file does not exist$/m);
    expect(r.stdout).toMatch(/^WARN\s+providers\s+no providers configured$/m);
    expect(r.stdout).toMatch(/^doctor: 2 problems/m);

    const noKey = await runCli(['doctor', '--offline'], { cwd: broken, env: {} });
    expect(noKey.stdout).toMatch(/^FAIL\s+key\s+no encryption key configured and no development key file$/m);

    // A provider config the vault rejects: reported under config, naming the option.
    const odd = path.join(broken, 'odd.mjs');
    writeFileSync(odd, "export default { store: 'odd.db', providers: [{ id: 'acme', clientId: 'c', clientSecret: 'odd-secret-123' }] };\n");
    writeFileSync(path.join(broken, 'odd.db'), '');
    const rejected = await runCli(['doctor', '--offline', '--config', odd], { cwd: broken, env: env() });
    expect(rejected.code).toBe(1);
    expect(rejected.stdout).toMatch(/^FAIL\s+config\s+.*"acme".*\n\s+fix: fix the option the message names in the config$/m);
    expect(rejected.stdout).toMatch(/^FAIL\s+provider\s+acme: no endpoints/m);
    expect(rejected.stdout).not.toContain('odd-secret-123');

    const badJson = path.join(broken, 'bad.json');
    writeFileSync(badJson, '{ "store": ');
    const unreadable = await runCli(['doctor', '--config', badJson], { cwd: broken, env: env() });
    expect(unreadable.code).toBe(1);
    expect(unreadable.stdout).toMatch(/^FAIL\s+config\s+bad\.json is not valid JSON/m);
  });
});
