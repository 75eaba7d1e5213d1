/**
 * `vault.grants.revoke()` reaches the provider, on real parts: the sandbox's OAuth server
 * (oidc-provider's RFC 7009 endpoint) and its fake GitHub / Slack APIs (GitHub's grant deletion,
 * Slack's auth.revoke), a SQLite file, and the BUILT-IN provider factories pointed at the sandbox
 * with `overrides` (hostRewrites: the same egress path as every API call). After a revoke the
 * sandbox recorded it and the old tokens no longer work there. Every token goes to a leak check.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import {
  AlterVault,
  defineProvider,
  GrantNotFoundError,
  InvalidArgumentError,
  type ProviderConfig,
  type RevokeGrantResult,
  providers,
} from '@alter/vault';
import { createLeakCheck, type Sandbox } from '@alter/testing';
import { type Harness, createHarness, pageCode } from './fixtures/connect-harness.js';

jest.setTimeout(60_000);

const GMAIL_READONLY = 'https://www.googleapis.com/auth/gmail.readonly';

interface Probe {
  /** The fake API call that proves an access token works. */
  readonly url: (s: Sandbox) => string;
  readonly works: (status: number, body: unknown) => boolean;
}

const PROBES: Record<'google' | 'github' | 'slack', Probe> = {
  google: { url: (s) => `${s.apiBase('gmail.googleapis.com')}/gmail/v1/users/me/messages`, works: (status) => status === 200 },
  github: { url: (s) => `${s.apiBase('api.github.com')}/user`, works: (status) => status === 200 },
  slack: {
    url: (s) => `${s.apiBase('slack.com')}/api/auth.test`,
    works: (status, body) => status === 200 && (body as { ok?: unknown }).ok === true,
  },
};

/** The built-in factories, aimed at the sandbox the way a staging setup would aim them at a proxy. */
function builtIn(h: Harness, id: 'google' | 'github' | 'slack'): ProviderConfig {
  const c = h.sandbox.client(id);
  const secret = h.leak.secret(c.clientSecret, `${id} client secret`);
  if (id === 'google') {
    return providers.google({
      clientId: c.clientId,
      clientSecret: secret,
      overrides: { allowInsecureLoopback: true, revocationEndpoint: h.sandbox.endpoints.revocation },
    });
  }
  if (id === 'github') {
    return providers.github({
      clientId: c.clientId,
      clientSecret: secret,
      overrides: { allowInsecureLoopback: true, hostRewrites: { 'api.github.com': h.sandbox.apiBase('api.github.com') } },
    });
  }
  return providers.slack({
    clientId: c.clientId,
    clientSecret: secret,
    overrides: { allowInsecureLoopback: true, hostRewrites: { 'slack.com': h.sandbox.apiBase('slack.com') } },
  });
}

async function probe(s: Sandbox, p: Probe, accessToken: string): Promise<boolean> {
  const res = await fetch(p.url(s), { headers: { authorization: `Bearer ${accessToken}` } });
  return p.works(res.status, await res.json().catch(() => undefined));
}

/** POSTs a refresh_token grant to the sandbox's token endpoint; true when it was accepted. */
async function refreshWorks(s: Sandbox, id: 'google' | 'github' | 'slack' | 'sandbox', refreshToken: string): Promise<boolean> {
  const c = s.client(id);
  const res = await fetch(s.endpoints.token, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
  });
  return res.status === 200;
}

async function tokensOf(
  vault: AlterVault,
  h: Harness,
  user: string,
  provider: string,
): Promise<{ access: string; refresh: string | undefined }> {
  const [g] = await vault.store.listGrants({ user, provider });
  if (!g) throw new Error(`no grant for ${user}/${provider}`);
  return {
    access: h.leak.secret(vault.openSecret(g.accessToken), `${provider} access token`),
    refresh: g.refreshToken ? h.leak.secret(vault.openSecret(g.refreshToken), `${provider} refresh token`) : undefined,
  };
}

async function connect(h: Harness, vault: AlterVault, user: string, provider: string, scopes: string[]): Promise<void> {
  const s = await vault.connect.createSession({ user, providers: { [provider]: scopes } });
  expect(pageCode((await h.sandbox.approve(s.url, { login: 'alice' })).body)).toBe('complete');
}

describe('vault.grants.revoke() reaches the provider', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ providers: ['google', 'github', 'slack'] });
  });
  afterAll(async () => {
    await h?.close();
  });

  const cases = [
    { id: 'google', scopes: [GMAIL_READONLY], via: 'rfc7009', token: 'refresh_token' },
    { id: 'github', scopes: ['read:user'], via: 'github-grant', token: 'access_token' },
    { id: 'slack', scopes: ['channels:read'], via: 'slack-auth-revoke', token: 'access_token' },
  ] as const;

  for (const c of cases) {
    it(`revokes a ${c.id} grant at the provider (${c.via}) with providers.${c.id}(): recorded there, old tokens dead`, async () => {
      const user = `revoke-${c.id}`;
      await connect(h, h.vault, user, c.id, [...c.scopes]);
      const tokens = await tokensOf(h.vault, h, user, c.id);
      expect(await probe(h.sandbox, PROBES[c.id], tokens.access)).toBe(true);

      const config = builtIn(h, c.id);
      const vault = new AlterVault({
        caller: 'revoke',
        store: h.dbFile,
        encryptionKey: h.encryptionKey,
        providers: [config],
        logger: h.leak.logger,
      });
      try {
        h.sandbox.stats.reset();
        const result = await vault.grants.revoke({ user, provider: c.id });
        h.leak.inspect(result, 'revoke result');
        expect(result).toMatchObject({ revoked: true, user, provider: c.id, account: 'alice', upstream: 'confirmed', token: c.token });
        expect(Object.isFrozen(result)).toBe(true);
        expect(h.sandbox.stats.revocations).toEqual([
          expect.objectContaining({ via: c.via, clientId: h.sandbox.client(c.id).clientId, login: 'alice', revoked: true }),
        ]);
        h.leak.inspect(h.sandbox.stats.revocations, 'sandbox revocations');
        expect((await vault.grants.get({ user, provider: c.id }))?.status).toBe('revoked');
        // The provider no longer honours the old tokens (access AND refresh: the whole grant ended).
        expect(await probe(h.sandbox, PROBES[c.id], tokens.access)).toBe(false);
        if (tokens.refresh) expect(await refreshWorks(h.sandbox, c.id, tokens.refresh)).toBe(false);
        // Revoking again: nothing active, nothing sent.
        expect(await vault.grants.revoke({ user, provider: c.id })).toEqual({ revoked: false, upstream: 'skipped' });
        expect(h.sandbox.stats.revocations).toHaveLength(1);
      } finally {
        await vault.close();
      }
      await h.collectTokens();
      h.leak.assertClean();
    });
  }

  it("uses the sandbox's own provider configs the same way (GitHub grant deletion through hostRewrites)", async () => {
    await connect(h, h.vault, 'sandbox-gh', 'github', ['read:user']);
    const tokens = await tokensOf(h.vault, h, 'sandbox-gh', 'github');
    h.sandbox.stats.reset();
    const result = await h.vault.grants.revoke({ user: 'sandbox-gh', provider: 'github' });
    expect(result).toMatchObject({ revoked: true, upstream: 'confirmed', token: 'access_token' });
    expect(h.sandbox.stats.revocations).toEqual([expect.objectContaining({ via: 'github-grant', revoked: true, status: 204 })]);
    expect(await probe(h.sandbox, PROBES.github, tokens.access)).toBe(false);
    h.leak.inspect(result, 'revoke result');
    h.leak.assertClean();
  });

  for (const kind of ['oidc', 'oauth2'] as const) {
    it(`revokes a generic ${kind} provider's refresh token at its RFC 7009 endpoint (${kind === 'oidc' ? 'discovered' : 'configured'})`, async () => {
      const client = h.sandbox.client('sandbox');
      const secret = h.leak.secret(client.clientSecret, 'generic client secret');
      const common = {
        id: 'corp',
        clientId: client.clientId,
        clientSecret: secret,
        allowInsecureLoopback: true,
        authorizationParams: { prompt: 'consent' },
        allowedHosts: ['gmail.googleapis.com'],
        hostRewrites: { 'gmail.googleapis.com': h.sandbox.apiBase('gmail.googleapis.com') },
      };
      const config =
        kind === 'oidc'
          ? providers.oidc({ ...common, issuer: h.sandbox.url })
          : providers.oauth2({
              ...common,
              scopes: ['openid', 'offline_access'],
              authorizationEndpoint: h.sandbox.endpoints.authorization,
              tokenEndpoint: h.sandbox.endpoints.token,
              revocationEndpoint: h.sandbox.endpoints.revocation,
            });
      expect(config.revocationEndpoint === undefined).toBe(kind === 'oidc');
      const vault = new AlterVault({
        caller: kind,
        store: h.dbFile,
        encryptionKey: h.encryptionKey,
        providers: [config],
        logger: h.leak.logger,
      });
      try {
        const { url } = await vault.connect.listen();
        h.sandbox.registerRedirectUri(`${url}/connect/callback`);
        const user = `generic-${kind}`;
        await connect(h, vault, user, 'corp', [GMAIL_READONLY]);
        const tokens = await tokensOf(vault, h, user, 'corp');
        expect(tokens.refresh).toBeDefined();
        expect(await probe(h.sandbox, PROBES.google, tokens.access)).toBe(true);
        h.sandbox.stats.reset();
        const result = await vault.grants.revoke({ user, provider: 'corp' });
        h.leak.inspect(result, 'revoke result');
        expect(result).toMatchObject({ revoked: true, upstream: 'confirmed', token: 'refresh_token' });
        expect(h.sandbox.stats.revocations).toEqual([
          expect.objectContaining({
            via: 'rfc7009',
            clientId: client.clientId,
            tokenType: 'refresh_token',
            login: 'alice',
            revoked: true,
            status: 200,
          }),
        ]);
        expect(await probe(h.sandbox, PROBES.google, tokens.access)).toBe(false);
        expect(await refreshWorks(h.sandbox, 'sandbox', tokens.refresh!)).toBe(false);
      } finally {
        await vault.close();
      }
      h.leak.assertClean();
    });
  }

  it("refuses to send GitHub's revocation to a host outside allowedHosts (same host policy as API calls)", async () => {
    await connect(h, h.vault, 'gh-host', 'github', ['read:user']);
    const tokens = await tokensOf(h.vault, h, 'gh-host', 'github');
    const c = h.sandbox.client('github');
    const narrow = providers.github({
      clientId: c.clientId,
      clientSecret: h.leak.secret(c.clientSecret, 'github client secret'),
      allowedHosts: ['uploads.github.com'],
      overrides: { allowInsecureLoopback: true, hostRewrites: { 'api.github.com': h.sandbox.apiBase('api.github.com') } },
    });
    const vault = new AlterVault({
      caller: 'narrow',
      store: h.dbFile,
      encryptionKey: h.encryptionKey,
      providers: [narrow],
      logger: h.leak.logger,
    });
    try {
      h.sandbox.stats.reset();
      const result = await vault.grants.revoke({ user: 'gh-host', provider: 'github' });
      h.leak.inspect(result, 'revoke result');
      expect(result).toMatchObject({
        revoked: true,
        upstream: 'failed',
        reason: expect.stringContaining('"api.github.com" is not in the github allowlist'),
      });
      expect(h.sandbox.stats.revocations).toHaveLength(0);
      expect(h.sandbox.stats.apiRequests.total).toBe(0);
      expect(await probe(h.sandbox, PROBES.github, tokens.access)).toBe(true);
    } finally {
      await vault.close();
    }
    h.leak.assertClean();
  });

  it('reports upstream failed with the provider status when GitHub answers 503, and still revokes our copy', async () => {
    await connect(h, h.vault, 'gh-503', 'github', ['read:user']);
    const tokens = await tokensOf(h.vault, h, 'gh-503', 'github');
    h.sandbox.faults.failNext({ status: 503, target: 'api' });
    const result = await h.vault.grants.revoke({ user: 'gh-503', provider: 'github' });
    h.leak.inspect(result, 'revoke result');
    expect(result).toMatchObject({ revoked: true, upstream: 'failed', reason: expect.stringContaining('HTTP 503') });
    expect((await h.vault.grants.get({ user: 'gh-503', provider: 'github' }))?.status).toBe('revoked');
    // The provider was not told: the token still works there (which is why the result says so).
    expect(await probe(h.sandbox, PROBES.github, tokens.access)).toBe(true);
    h.leak.assertClean();
  });
});

describe('an unreachable provider', () => {
  let h: Harness;
  let closedOrigin: string;
  beforeAll(async () => {
    h = await createHarness({ providers: ['github'] });
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closedOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise<void>((r) => server.close(() => r()));
  });
  afterAll(async () => {
    await h?.close();
  });

  const unreachable: Array<{ name: string; config: () => ProviderConfig; apiUrl: () => string }> = [
    {
      name: 'GitHub grant deletion',
      config: () =>
        providers.github({
          clientId: 'gh-client',
          clientSecret: h.leak.secret('gh-client-secret-unreachable', 'github secret'),
          overrides: { allowInsecureLoopback: true, hostRewrites: { 'api.github.com': closedOrigin } },
        }),
      apiUrl: () => 'https://api.github.com/user',
    },
    {
      name: 'OIDC discovery',
      config: () =>
        providers.oidc({
          id: 'github',
          issuer: closedOrigin,
          clientId: 'c',
          clientSecret: h.leak.secret('oidc-secret-unreachable', 'oidc secret'),
          allowInsecureLoopback: true,
        }),
      apiUrl: () => `${closedOrigin}/userinfo`,
    },
    {
      name: 'RFC 7009 endpoint',
      config: () =>
        providers.google({
          id: 'github',
          clientId: 'g',
          clientSecret: h.leak.secret('google-secret-unreachable', 'google secret'),
          overrides: { allowInsecureLoopback: true, revocationEndpoint: `${closedOrigin}/revoke` },
        }),
      apiUrl: () => 'https://gmail.googleapis.com/gmail/v1/users/me/messages',
    },
  ];

  for (const u of unreachable) {
    it(`revokes our copy and says upstream failed (${u.name})`, async () => {
      const vault = new AlterVault({
        caller: 'down',
        store: h.dbFile,
        encryptionKey: h.encryptionKey,
        providers: [u.config()],
        logger: h.leak.logger,
      });
      try {
        const user = `down-${u.name}`;
        await vault.grants.put({
          user,
          provider: 'github',
          accessToken: h.leak.secret(`gho_unreachable_${user}`, 'access'),
          refreshToken: h.leak.secret(`ghr_unreachable_${user}`, 'refresh'),
          scopes: ['read:user'],
        });
        const result: RevokeGrantResult = await vault.grants.revoke({ user, provider: 'github' });
        h.leak.inspect(result, 'revoke result');
        expect(result).toMatchObject({ revoked: true, upstream: 'failed' });
        if (result.revoked && result.upstream === 'failed') expect(result.reason).toMatch(/reach|ECONNREFUSED|discovery/i);
        expect((await vault.grants.get({ user, provider: 'github' }))?.status).toBe('revoked');
        const err = await vault.request('github', 'GET', u.apiUrl(), { user }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(GrantNotFoundError);
        expect((err as GrantNotFoundError).revoked).toBe(true);
      } finally {
        await vault.close();
      }
      h.leak.assertClean();
    });
  }
});

describe('provider revocation settings', () => {
  it('the built-in factories say how each provider revokes', () => {
    const gh = providers.github({ clientId: 'a', clientSecret: 'b' });
    expect([gh.revocation, gh.revocationEndpoint]).toEqual(['github-grant', 'https://api.github.com/applications/{client_id}/grant']);
    const sl = providers.slack({ clientId: 'a', clientSecret: 'b' });
    expect([sl.revocation, sl.revocationEndpoint]).toEqual(['slack-auth-revoke', 'https://slack.com/api/auth.revoke']);
    const go = providers.google({ clientId: 'a', clientSecret: 'b' });
    expect([go.revocation ?? 'rfc7009', go.revocationEndpoint]).toEqual(['rfc7009', 'https://oauth2.googleapis.com/revoke']);
  });

  it('refuses an unknown revocation style, naming the field and the choices', () => {
    const bad = () =>
      defineProvider({
        id: 'acme',
        displayName: 'Acme',
        clientId: 'c',
        tokenEndpointAuthMethod: 'none',
        authorizationEndpoint: 'https://acme.example/authorize',
        tokenEndpoint: 'https://acme.example/token',
        defaultScopes: [],
        scopeSeparator: ' ',
        allowedHosts: ['api.acme.example'],
        revocation: 'rfc-7009' as never,
      });
    expect(bad).toThrow(InvalidArgumentError);
    expect(bad).toThrow(/revocation must be one of rfc7009, github-grant, slack-auth-revoke, none/);
  });

  it("'none' sends nothing and says unsupported; our copy is revoked", async () => {
    const leak = createLeakCheck();
    const dir = mkdtempSync(path.join(tmpdir(), 'alter-revoke-none-'));
    const vault = new AlterVault({
      caller: 'none',
      store: path.join(dir, 'v.db'),
      encryptionKey: leak.secret(randomBytes(32).toString('base64'), 'key'),
      logger: leak.logger,
      providers: [
        {
          id: 'acme',
          displayName: 'Acme',
          clientId: 'c',
          clientSecret: leak.secret('acme-secret-none-123', 'client secret'),
          authorizationEndpoint: 'http://127.0.0.1:1/authorize',
          tokenEndpoint: 'http://127.0.0.1:1/token',
          // Port 1 on loopback: if anything were sent the result would be 'failed', not 'unsupported'.
          revocationEndpoint: 'http://127.0.0.1:1/revoke',
          revocation: 'none',
          allowInsecureLoopback: true,
          defaultScopes: [],
          scopeSeparator: ' ',
          allowedHosts: ['127.0.0.1:*'],
        },
      ],
    });
    try {
      await vault.grants.put({ user: 'u', provider: 'acme', accessToken: leak.secret('acme-access-none-456', 'access'), scopes: [] });
      const result = await vault.grants.revoke({ user: 'u', provider: 'acme' });
      leak.inspect(result, 'revoke result');
      expect(result).toMatchObject({ revoked: true, upstream: 'unsupported', reason: expect.stringContaining("revocation: 'none'") });
      expect((await vault.grants.get({ user: 'u', provider: 'acme' }))?.status).toBe('revoked');
    } finally {
      await vault.close();
      rmSync(dir, { recursive: true, force: true });
    }
    leak.assertClean();
  });
});
