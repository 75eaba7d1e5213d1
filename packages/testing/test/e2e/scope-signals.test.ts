/**
 * vault.request() turns each provider's real "insufficient scope" answer, as the sandbox's fake
 * APIs send it, into ScopeReauthRequiredError naming the scopes (issue #13, finding 2): Google
 * (403 with WWW-Authenticate insufficient_scope and an insufficientPermissions body), GitHub (404
 * with X-Accepted-OAuth-Scopes not covered by X-OAuth-Scopes) and Slack (ok:false missing_scope).
 * Real parts: the sandbox OAuth server, Connect, approve(), a SQLite vault; leak check on.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AlterVault, defineProvider, ScopeReauthRequiredError } from '@alter/vault';
import { createLeakCheck, type LeakCheck, type Sandbox, startSandbox } from '@alter/testing';

const GMAIL = 'https://gmail.googleapis.com/gmail/v1/users/me/messages';
const GMAIL_READ = 'https://www.googleapis.com/auth/gmail.readonly';

let sandbox: Sandbox;
let vault: AlterVault;
let leak: LeakCheck;
let dir: string;

async function scopeError(call: Promise<unknown>): Promise<ScopeReauthRequiredError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ScopeReauthRequiredError);
  return err as ScopeReauthRequiredError;
}

beforeAll(async () => {
  leak = createLeakCheck();
  sandbox = await startSandbox();
  dir = mkdtempSync(path.join(tmpdir(), 'alter-scope-signals-'));
  const google = sandbox.provider('google');
  // A custom provider (the generic emulated one) that declares its own signal through defineProvider.
  const generic = sandbox.provider({ id: 'acme', emulate: 'sandbox' });
  const acme = defineProvider({
    ...generic,
    clientSecret: generic.clientSecret,
    scopeSignal: (res) => (res.status === 403 ? ['acme:mail'] : undefined),
  });
  const providers = [google, sandbox.provider('github'), sandbox.provider('slack'), acme];
  for (const p of providers) leak.secret(p.clientSecret ?? '', `${p.id} client secret`);
  const encryptionKey = leak.secret(randomBytes(32).toString('base64'), 'encryption key');
  vault = new AlterVault({ caller: 'scope-signals', store: path.join(dir, 'vault.db'), encryptionKey, providers, logger: leak.logger });
  const connect = await vault.connect.listen();
  sandbox.registerRedirectUri(`${connect.url}/connect/callback`);
  // Grants that lack what the calls below need: no Gmail scope, public_repo only, channels:read only.
  const session = await vault.connect.createSession({
    user: 'u1',
    providers: { google: [], github: ['public_repo'], slack: ['channels:read'], acme: [] },
  });
  const done = await sandbox.approve(session.url, { login: 'alice' });
  expect(done.status).toBe(200);
});
afterAll(async () => {
  await vault?.close();
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('provider scope signals → ScopeReauthRequiredError', () => {
  it('Google: a 403 insufficient_scope answer names the narrowest accepted scope, and re-authorizing with it works', async () => {
    const err = await scopeError(vault.request('google', 'GET', GMAIL, { user: 'u1', queryParams: { q: 'is:unread' } }));
    expect(err.missingScopes).toEqual([GMAIL_READ]);
    expect(err.providerStatus).toBe(403);
    expect(err.message).toContain(GMAIL_READ);
    const again = await vault.connect.createSession({ user: 'u1', providers: { google: [...err.missingScopes] } });
    await sandbox.approve(again.url, { login: 'alice' });
    const res = await vault.request('google', 'GET', GMAIL, { user: 'u1' });
    expect(res.status).toBe(200);
  });

  it("Google: scopeErrors: 'return' hands back the provider's 403 untouched", async () => {
    const res = await vault.request('google', 'POST', `${GMAIL}/send`, { user: 'u1', json: { raw: 'eA' }, scopeErrors: 'return' });
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toContain('insufficient_scope');
    expect(res.json<{ error: { errors: Array<{ reason: string }> } }>().error.errors[0]!.reason).toBe('insufficientPermissions');
    const err = await scopeError(vault.request('google', 'POST', `${GMAIL}/send`, { user: 'u1', json: { raw: 'eA' } }));
    expect(err.missingScopes).toEqual(['https://www.googleapis.com/auth/gmail.send']);
  });

  it('GitHub: a 404 hiding a private repository names `repo` (X-Accepted-OAuth-Scopes vs X-OAuth-Scopes)', async () => {
    const err = await scopeError(vault.request('github', 'GET', 'https://api.github.com/repos/alice/private-notes', { user: 'u1' }));
    expect(err.missingScopes).toEqual(['repo']);
    expect(err.providerStatus).toBe(404);
    // A public repository is readable with public_repo: no signal.
    const ok = await vault.request('github', 'GET', 'https://api.github.com/repos/alice/hello-world', { user: 'u1' });
    expect(ok.status).toBe(200);
  });

  it('Slack: ok:false missing_scope names `needed`', async () => {
    const err = await scopeError(
      vault.request('slack', 'POST', 'https://slack.com/api/chat.postMessage', {
        user: 'u1',
        json: { channel: 'C0GENERAL01', text: 'hi' },
      }),
    );
    expect(err.missingScopes).toEqual(['chat:write']);
    expect(err.providerStatus).toBe(200);
  });

  it('a custom provider raises through the signal it declared in defineProvider', async () => {
    const err = await scopeError(vault.request('acme', 'GET', GMAIL, { user: 'u1' }));
    expect(err.missingScopes).toEqual(['acme:mail']);
  });

  it('audits the refused call with the scope error code and leaks nothing', async () => {
    // A refused call of its own (the tests above may run after this one).
    await scopeError(
      vault.request('slack', 'POST', 'https://slack.com/api/chat.postMessage', {
        user: 'u1',
        json: { channel: 'C0GENERAL01', text: 'audited' },
      }),
    );
    const rows = await vault.audit.query({ provider: 'slack' });
    expect(rows[0]).toMatchObject({ status: 200, errorCode: 'ALTER_SCOPE_REAUTH_REQUIRED' });
    for (const g of await vault.store.listGrants({ includeRevoked: true })) {
      leak.secret(vault.openSecret(g.accessToken), 'access token');
      if (g.refreshToken) leak.secret(vault.openSecret(g.refreshToken), 'refresh token');
    }
    leak.assertClean();
  });
});
