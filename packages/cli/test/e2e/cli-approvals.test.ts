/**
 * `alter approvals list|approve|deny` (issue #16, the operator side of approvals by URL) against
 * the offline sandbox: a vault in this process with a policy rule that asks for approval of GitHub
 * issue creation, a grant connected through the real OAuth server, and the BUILT bin deciding on
 * the same SQLite store as a second process would. The app's retry is then sent once (fake GitHub
 * counts it) or refused, and the audit row names the operator and `cli`. Every output line goes
 * through the leak check.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createLeakCheck, type LeakCheck, type Sandbox, startSandbox } from '@alter/testing';
import { AlterVault, ApprovalPendingError, ApprovalRefusedError, type ProviderConfig } from '@alter/vault';
import { assertBuilt, type CliResult, runCli } from '../support/cli-process.js';

const ISSUES = 'https://api.github.com/repos/alice/hello-world/issues';
const CREATE_ROUTE = 'POST /repos/:owner/:repo/issues';

describe('alter approvals against the sandbox (built bin)', () => {
  let sandbox: Sandbox;
  let leak: LeakCheck;
  let dir: string;
  let key: string;
  let vault: AlterVault;

  beforeAll(async () => {
    assertBuilt();
    leak = createLeakCheck();
    sandbox = await startSandbox();
    const configs: ProviderConfig[] = [sandbox.provider('github')];
    for (const c of configs) leak.secret(c.clientSecret!, `${c.id} client secret`);
    dir = mkdtempSync(path.join(tmpdir(), 'alter-cli-approvals-'));
    key = leak.secret(randomBytes(32).toString('base64'), 'vault key');
    writeFileSync(
      path.join(dir, 'alter.config.mjs'),
      `export default {\n  caller: 'cli-approvals-test',\n  store: 'vault.db',\n  providers: ${JSON.stringify(configs.map((c) => ({ ...c, clientSecret: c.clientSecret })))},\n};\n`,
    );
    vault = new AlterVault({
      caller: 'approvals-app',
      providers: configs,
      store: path.join(dir, 'vault.db'),
      encryptionKey: key,
      logger: leak.logger,
      policy: { rules: [{ name: 'issues-need-approval', match: { provider: 'github', method: 'POST' }, approval: 'required' }] },
    });
    const { url } = await vault.connect.listen();
    sandbox.registerRedirectUri(`${url}/connect/callback`);
    const session = await vault.connect.createSession({ user: 'u-alice', providers: { github: ['repo'] } });
    await sandbox.approve(session.url, { login: 'alice' });
    expect((await vault.connect.waitFor(session.id, { timeoutMs: 10_000 })).status).toBe('complete');
    for (const g of await vault.store.listGrants({ includeRevoked: true })) {
      leak.secret(vault.openSecret(g.accessToken), 'access token');
      if (g.refreshToken) leak.secret(vault.openSecret(g.refreshToken), 'refresh token');
    }
  }, 60_000);
  beforeEach(() => {
    sandbox.stats.reset();
  });
  afterAll(async () => {
    if (vault) {
      await vault.audit.flush();
      leak.inspect(await vault.audit.query({ limit: 500 }), 'audit rows');
      await vault.close();
    }
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    leak?.assertClean();
  });

  const alter = async (args: string[], env: Record<string, string> = {}): Promise<CliResult> => {
    const r = await runCli(args, { cwd: dir, env: { ALTER_VAULT_KEY: key, ...env } });
    leak.inspect(r.stdout, `stdout of alter ${args.join(' ')}`);
    leak.inspect(r.stderr, `stderr of alter ${args.join(' ')}`);
    return r;
  };
  const createIssue = (title: string) => vault.request('github', 'POST', ISSUES, { user: 'u-alice', json: { title } });
  const waiting = async (title: string): Promise<ApprovalPendingError> => {
    const err = await createIssue(title).catch((e: unknown) => e);
    leak.inspect(err, 'thrown error');
    expect(err).toBeInstanceOf(ApprovalPendingError);
    return err as ApprovalPendingError;
  };
  const created = () => sandbox.stats.apiRequests.byRoute[CREATE_ROUTE] ?? 0;
  const lastRow = async () => {
    await vault.audit.flush();
    return (await vault.audit.query({ user: 'u-alice', limit: 1 }))[0]!;
  };

  it('lists a waiting approval, approves it as a named operator, and the retry is sent once', async () => {
    const err = await waiting('Ship it');
    const table = await alter(['approvals', 'list']);
    expect(table.code).toBe(0);
    const [header, line, ...rest] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+USER\s+TOOL\s+STATUS\s+EXPIRES\s+REQUEST$/);
    expect(rest).toHaveLength(0);
    expect(line).toMatch(new RegExp(`^${err.approvalId}\\s+u-alice\\s+-\\s+pending\\s+\\S+\\s+POST ${ISSUES} \\(github\\)$`));
    const json = await alter(['approvals', 'list', '--json', '--user', 'u-alice']);
    const listed = JSON.parse(json.stdout.trim()) as Record<string, unknown>;
    expect(listed).toMatchObject({
      id: err.approvalId,
      link: err.approvalUrl,
      status: 'pending',
      rule: 'issues-need-approval',
      decision: null,
    });
    expect(listed.body).toContain('"title": "Ship it"');

    const anonymous = await alter(['approvals', 'approve', err.approvalId]);
    expect(anonymous.code).toBe(2);
    expect(anonymous.stderr).toMatch(/^alter: say who decides: --by <name> or ALTER_OPERATOR/);

    const approved = await alter(['approvals', 'approve', err.approvalId, '--by', 'carol']);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(new RegExp(`^approved ${err.approvalId}: sent once when the app makes this request again`));
    expect(approved.stderr).toBe(`POST ${ISSUES} (github) for user "u-alice", rule issues-need-approval\n`);
    expect(created()).toBe(0);

    expect((await createIssue('Ship it')).status).toBe(201);
    expect(created()).toBe(1);
    expect(await lastRow()).toMatchObject({
      status: 201,
      policyRule: 'issues-need-approval',
      approval: 'approved',
      approvalBy: 'carol',
      approvalVia: 'cli',
    });

    const twice = await alter(['approvals', 'approve', err.approvalId, '--by', 'carol']);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/was already used \(used by carol via cli\); nothing was changed/);
    expect(await waiting('Ship it')).not.toMatchObject({ approvalId: err.approvalId });
    expect(created()).toBe(1);
  });

  it('denies with ALTER_OPERATOR: the retry is refused with nothing sent and the decline audited', async () => {
    const err = await waiting('Risky');
    const denied = await alter(['approvals', 'deny', err.approvalId], { ALTER_OPERATOR: 'dan' });
    expect(denied.code).toBe(0);
    expect(denied.stdout).toBe(`denied ${err.approvalId}: the app's next try of this request is refused\n`);
    const refused = await createIssue('Risky').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApprovalRefusedError);
    expect((refused as ApprovalRefusedError).reason).toBe('declined');
    expect(created()).toBe(0);
    expect(await lastRow()).toMatchObject({
      status: null,
      errorCode: 'ALTER_APPROVAL_REFUSED',
      approval: 'declined',
      approvalBy: 'dan',
      approvalVia: 'cli',
    });

    const late = await alter(['approvals', 'approve', err.approvalId, '--by', 'erin']);
    expect(late.code).toBe(1);
    const all = await alter(['approvals', 'list', '--all', '--json']);
    const statuses = all.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; status: string; decision: { by: string } | null });
    expect(statuses.find((a) => a.id === err.approvalId)).toMatchObject({ status: 'used', decision: { by: 'dan' } });
  });

  it('says what is wrong: unknown id, bad status, missing id', async () => {
    const unknown = await alter(['approvals', 'approve', 'x'.repeat(44), '--by', 'carol']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^alter: no approval with id x{44} \(see "alter approvals list --all"\)/);
    const status = await alter(['approvals', 'list', '--status', 'nope']);
    expect(status.code).toBe(2);
    expect(status.stderr).toMatch(/--status must be one of pending, approved, denied, used, expired/);
    const missing = await alter(['approvals', 'deny', '--by', 'carol']);
    expect(missing.code).toBe(2);
  });
});
