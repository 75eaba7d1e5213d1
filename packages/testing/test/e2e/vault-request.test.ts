/**
 * The sandbox as users use it (docs/testing.md): a real AlterVault on a SQLite file, Connect on
 * its own loopback port, approve() for consent, and vault.request() against the REAL URLs, which
 * the sandbox provider config rewrites to the fakes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AlterVault } from '@alter/vault';
import { createLeakCheck, type LeakCheck, type Sandbox, startSandbox } from '@alter/testing';

let sandbox: Sandbox;
let vault: AlterVault;
let leak: LeakCheck;
let dir: string;

beforeAll(async () => {
  leak = createLeakCheck();
  sandbox = await startSandbox();
  dir = mkdtempSync(path.join(tmpdir(), 'alter-testing-e2e-'));
  const providers = [sandbox.provider('github'), sandbox.provider('slack')];
  for (const p of providers) leak.secret(p.clientSecret ?? '', `${p.id} client secret`);
  const encryptionKey = leak.secret(randomBytes(32).toString('base64'), 'encryption key');
  vault = new AlterVault({ caller: 'testing-e2e', store: path.join(dir, 'vault.db'), encryptionKey, providers, logger: leak.logger });
  const connect = await vault.connect.listen();
  sandbox.registerRedirectUri(`${connect.url}/connect/callback`);
  const session = await vault.connect.createSession({
    user: 'u1',
    providers: { github: ['repo'], slack: ['chat:write', 'channels:history'] },
  });
  await sandbox.approve(session.url, { login: 'alice' });
});
afterAll(async () => {
  await vault?.close();
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('vault.request through the sandbox', () => {
  it('creates a GitHub issue with the real URL and sees it in the list', async () => {
    const res = await vault.request('github', 'POST', 'https://api.github.com/repos/{owner}/{repo}/issues', {
      user: 'u1',
      pathParams: { owner: 'alice', repo: 'hello-world' },
      json: { title: 'Hello from a test' },
    });
    expect(res.status).toBe(201);
    expect(sandbox.fakes.github.items('alice/hello-world').map((i) => i.title)).toContain('Hello from a test');
    const list = await vault.request('github', 'GET', 'https://api.github.com/repos/alice/hello-world/issues', { user: 'u1' });
    expect(list.json<{ title: string }[]>().map((i) => i.title)).toContain('Hello from a test');
  });

  it('posts to Slack with the second grant of the same session', async () => {
    const res = await vault.request('slack', 'POST', 'https://slack.com/api/chat.postMessage', {
      user: 'u1',
      json: { channel: 'C0GENERAL01', text: 'hi from the vault' },
    });
    expect(res.json<{ ok: boolean }>().ok).toBe(true);
    expect(sandbox.fakes.slack.messages('C0GENERAL01').at(-1)?.text).toBe('hi from the vault');
  });

  it('refreshes once after the sandbox expires the access token', async () => {
    sandbox.stats.reset();
    sandbox.faults.expireAccessTokens();
    const res = await vault.request('github', 'GET', 'https://api.github.com/user', { user: 'u1' });
    expect(res.status).toBe(200);
    expect(res.json<{ login: string }>().login).toBe('alice');
    expect(sandbox.stats.tokenRequests.refresh_token).toBe(1);
    expect(sandbox.stats.apiRequests.unauthorized).toBe(1);
  });

  it('leaks no token or secret into logs', async () => {
    const grants = await vault.store.listGrants({ includeRevoked: true });
    for (const g of grants) {
      leak.secret(vault.openSecret(g.accessToken), 'access token');
      if (g.refreshToken) leak.secret(vault.openSecret(g.refreshToken), 'refresh token');
    }
    leak.inspect(sandbox, 'sandbox');
    leak.assertClean();
  });
});
