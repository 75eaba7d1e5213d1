/**
 * A service the sandbox does not know (startSandbox({ services })), as a third-party pack uses it:
 * Connect through the sandbox's real OAuth server issues tokens for the service's own client, the
 * vault's requests to the service's REAL host reach its routes, and the same Bearer-token and scope
 * check as the built-in fakes guards them — a token of another client or without the route's
 * scope never reaches a handler.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AlterVault } from '@alter/vault';
import { createLeakCheck, type LeakCheck, type Sandbox, type SandboxService, startSandbox } from '@alter/testing';

const ACME_API = 'https://api.acme.example/v1';
let sandbox: Sandbox;
let vault: AlterVault;
let leak: LeakCheck;
let dir: string;
/** Requests that reached a handler, by route. */
const handled: string[] = [];
/** Items by sandbox login. */
const items = new Map<string, string[]>([['alice', ['first']]]);

const acme: SandboxService = {
  id: 'acme',
  displayName: 'Acme (sandbox)',
  hosts: ['api.acme.example'],
  scopes: ['items:read', 'items:write'],
  routes: [
    {
      method: 'GET',
      path: '/v1/items',
      anyScope: ['items:read'],
      handle: (req) => {
        handled.push('GET /v1/items');
        return { status: 200, body: { user: req.user.login, scopes: [...req.scopes].sort(), items: items.get(req.user.login) ?? [] } };
      },
    },
    {
      method: 'POST',
      path: '/v1/items/:name',
      anyScope: ['items:write'],
      handle: (req) => {
        handled.push('POST /v1/items/:name');
        items.set(req.user.login, [...(items.get(req.user.login) ?? []), req.params.name ?? '']);
        return { status: 201, body: { created: req.params.name } };
      },
    },
  ],
};

/** Connects `user` (as sandbox `login`, alice unless named) to `provider` with `scopes`. */
async function connect(user: string, provider: string, scopes: string[], login = 'alice'): Promise<void> {
  const session = await vault.connect.createSession({ user, providers: { [provider]: scopes } });
  await sandbox.approve(session.url, { login });
  const result = await vault.connect.waitFor(session.id, { timeoutMs: 30_000 });
  expect(result.status).toBe('complete');
}

/** The sealed access token of `user`'s grant of `provider`, opened (and registered with the leak check). */
async function accessTokenOf(user: string, provider: string): Promise<string> {
  const [grant] = await vault.store.listGrants({ user, provider });
  if (!grant) throw new Error(`no ${provider} grant for ${user}`);
  return leak.secret(vault.openSecret(grant.accessToken), `${provider} access token of ${user}`);
}

beforeAll(async () => {
  leak = createLeakCheck();
  sandbox = await startSandbox({ services: [acme] });
  dir = mkdtempSync(path.join(tmpdir(), 'alter-testing-service-'));
  const providers = [sandbox.provider('acme'), sandbox.provider('github')];
  for (const p of providers) leak.secret(p.clientSecret ?? '', `${p.id} client secret`);
  const encryptionKey = leak.secret(randomBytes(32).toString('base64'), 'encryption key');
  vault = new AlterVault({ caller: 'testing-service', store: path.join(dir, 'vault.db'), encryptionKey, providers, logger: leak.logger });
  const server = await vault.connect.listen();
  sandbox.registerRedirectUri(`${server.url}/connect/callback`);
  await connect('reader', 'acme', ['items:read']);
  await connect('gh', 'github', ['repo']);
});

afterAll(async () => {
  await vault?.close();
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  leak?.assertClean();
});

describe('a custom sandbox service', () => {
  it("gets its own OAuth client and a vault config pointing the service's real host at its routes", () => {
    expect(sandbox.client('acme')).toMatchObject({ provider: 'acme', clientId: 'sandbox-acme' });
    const config = sandbox.provider('acme');
    expect(config).toMatchObject({
      id: 'acme',
      displayName: 'Acme (sandbox)',
      clientId: 'sandbox-acme',
      allowedHosts: ['api.acme.example'],
      hostRewrites: { 'api.acme.example': `${sandbox.url}/hosts/api.acme.example` },
      revocationEndpoint: `${sandbox.url}/token/revocation`,
    });
  });

  it('answers vault.request with the route handler, as the user the token belongs to, with its scopes', async () => {
    const res = await vault.request('acme', 'GET', `${ACME_API}/items`, { user: 'reader' });
    leak.inspect(res.data, 'acme answer');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ user: 'alice', scopes: expect.arrayContaining(['items:read']), items: ['first'] });
  });

  it('refuses a route whose scope the token lacks with RFC 6750 insufficient_scope, which the vault turns into a re-authorize', async () => {
    const before = handled.length;
    const err = await vault.request('acme', 'POST', `${ACME_API}/items/second`, { user: 'reader' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    leak.inspect(err, 'scope error');
    expect(err).toMatchObject({
      code: 'ALTER_SCOPE_REAUTH_REQUIRED',
      provider: 'acme',
      missingScopes: ['items:write'],
      providerStatus: 403,
    });
    expect(handled.length).toBe(before);
    expect(items.get('alice')).toEqual(['first']);
  });

  it("refuses another client's token (GitHub's) and a missing one with 401 invalid_token, before any handler", async () => {
    const before = handled.length;
    const github = await fetch(`${sandbox.apiBase('api.acme.example')}/v1/items`, {
      headers: { authorization: `Bearer ${await accessTokenOf('gh', 'github')}` },
    });
    expect(github.status).toBe(401);
    expect(github.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(await github.json()).toMatchObject({ error: 'invalid_token' });
    const none = await fetch(`${sandbox.apiBase('api.acme.example')}/v1/items`);
    expect(none.status).toBe(401);
    expect(handled.length).toBe(before);
  });

  it("opens the service with its own client's token, and the fault switches apply to it", async () => {
    // Its own user, as sandbox login bob: the grant it revokes at the end is nobody else's (the
    // tests above use alice's, in any order).
    await connect('revoked', 'acme', ['items:read'], 'bob');
    const token = await accessTokenOf('revoked', 'acme');
    const ok = await fetch(`${sandbox.apiBase('api.acme.example')}/v1/items`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    const injected = sandbox.stats.apiRequests.injected;
    sandbox.faults.failNext({ status: 503, path: 'https://api.acme.example/', retryAfterSec: 7 });
    const failed = await vault.request('acme', 'GET', `${ACME_API}/items`, { user: 'revoked' });
    leak.inspect(failed.data, 'injected failure');
    expect({ status: failed.status, retryAfter: failed.headers['retry-after'] }).toEqual({ status: 503, retryAfter: '7' });
    expect(sandbox.stats.apiRequests.injected).toBe(injected + 1);
    expect(sandbox.faults.revokeGrant({ login: 'bob', provider: 'acme' })).toBeGreaterThanOrEqual(1);
    const revoked = await fetch(`${sandbox.apiBase('api.acme.example')}/v1/items`, { headers: { authorization: `Bearer ${token}` } });
    expect(revoked.status).toBe(401);
  });
});

describe('startSandbox({ services }) refuses a service it cannot serve, naming the field', () => {
  const route = { method: 'GET', path: '/x', anyScope: [], handle: () => ({ status: 200, body: {} }) };
  it.each([
    ['a built-in id', { id: 'github', hosts: ['api.x.example'], scopes: [], routes: [route] }, 'options.services[0].id'],
    ['a host a built-in fake serves', { id: 'x', hosts: ['api.github.com'], scopes: [], routes: [route] }, 'options.services[0].hosts'],
    ['no routes', { id: 'x', hosts: ['api.x.example'], scopes: [], routes: [] }, 'options.services[0].routes'],
    [
      'a route scope the service does not list',
      { id: 'x', hosts: ['api.x.example'], scopes: ['a'], routes: [{ ...route, anyScope: ['b'] }] },
      'options.services[0].routes[0].anyScope',
    ],
  ] as const)('%s', async (_name, service, argument) => {
    await expect(startSandbox({ services: [service] })).rejects.toMatchObject({ code: 'SANDBOX_INVALID_ARGUMENT', argument });
  });

  it('names the services option when asked for an unknown provider', () => {
    expect(() => sandbox.client('dropbox')).toThrow(/startSandbox\(\{ services \}\)/);
  });
});
