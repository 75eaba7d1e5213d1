import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ProviderConfig } from '@alter/vault';
import { EMULATED_PROVIDERS, providers, type Sandbox, startSandbox } from '@alter/testing';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

describe('providers.sandbox()', () => {
  it('builds a google config with real hosts rewritten to the fakes', () => {
    const google: ProviderConfig = sandbox.provider('google');
    expect(google).toEqual({
      id: 'google',
      displayName: 'Google (sandbox)',
      clientId: 'sandbox-google',
      tokenEndpointAuthMethod: 'client_secret_basic',
      issuer: sandbox.url,
      authorizationEndpoint: `${sandbox.url}/auth`,
      tokenEndpoint: `${sandbox.url}/token`,
      userinfoEndpoint: `${sandbox.url}/me`,
      revocationEndpoint: `${sandbox.url}/token/revocation`,
      defaultScopes: ['openid', 'offline_access', 'email', 'profile'],
      scopeSeparator: ' ',
      authorizationParams: { prompt: 'consent' },
      allowedHosts: ['gmail.googleapis.com', 'www.googleapis.com'],
      allowInsecureLoopback: true,
      hostRewrites: {
        'gmail.googleapis.com': `${sandbox.url}/hosts/gmail.googleapis.com`,
        'www.googleapis.com': `${sandbox.url}/hosts/www.googleapis.com`,
      },
      identity: 'id_token',
      // The real Google provider's scope behaviour (insufficient-scope signal, short scope names).
      scopeSignal: expect.any(Function),
      normalizeScopes: expect.any(Function),
    });
    expect(google.clientSecret).toBe('sandbox-google-secret');
  });

  it('keeps the client secret out of JSON and inspect output', () => {
    const github = sandbox.provider('github');
    expect(JSON.stringify(github)).not.toContain('sandbox-github-secret');
    expect(inspect(github, { depth: 5 })).not.toContain('sandbox-github-secret');
  });

  it('gives github and slack their hosts and userinfo identity', () => {
    expect(sandbox.provider('github')).toMatchObject({
      id: 'github',
      clientId: 'sandbox-github',
      allowedHosts: ['api.github.com'],
      identity: 'userinfo',
      defaultScopes: expect.arrayContaining(['openid', 'offline_access', 'read:user']),
    });
    expect(sandbox.provider('slack')).toMatchObject({
      id: 'slack',
      clientId: 'sandbox-slack',
      allowedHosts: ['slack.com'],
      hostRewrites: { 'slack.com': `${sandbox.url}/hosts/slack.com` },
    });
    expect(providers.sandbox(sandbox)).toMatchObject({
      id: 'sandbox',
      clientId: 'sandbox',
      allowedHosts: ['gmail.googleapis.com', 'www.googleapis.com', 'api.github.com', 'slack.com'],
    });
  });

  it('lets any id emulate a provider, and overrides scopes and identity', () => {
    const p = providers.sandbox(sandbox, { id: 'work-google', emulate: 'google', defaultScopes: ['openid'], identity: 'userinfo' });
    expect(p).toMatchObject({ id: 'work-google', clientId: 'sandbox-google', defaultScopes: ['openid'], identity: 'userinfo' });
    expect(sandbox.provider({ id: 'gh2', emulate: 'github' }).clientId).toBe('sandbox-github');
  });

  it('rejects an id that is not emulated without emulate, and an unknown emulate', () => {
    expect(() => providers.sandbox(sandbox, { id: 'dropbox' })).toThrow(
      expect.objectContaining({ code: 'SANDBOX_INVALID_ARGUMENT', argument: 'options.emulate' }),
    );
    // @ts-expect-error not an emulated provider
    expect(() => providers.sandbox(sandbox, { id: 'x', emulate: 'dropbox' })).toThrow(
      expect.objectContaining({ argument: 'options.emulate' }),
    );
  });

  it('points at endpoints the sandbox really serves (discovery agrees)', async () => {
    const meta = (await (await fetch(sandbox.endpoints.discovery)).json()) as Record<string, string>;
    const g = sandbox.provider('google');
    expect(meta.issuer).toBe(g.issuer);
    expect(meta.authorization_endpoint).toBe(g.authorizationEndpoint);
    expect(meta.token_endpoint).toBe(g.tokenEndpoint);
    expect(meta.userinfo_endpoint).toBe(g.userinfoEndpoint);
    expect(meta.revocation_endpoint).toBe(g.revocationEndpoint);
  });

  it('serves every allowed host through its rewrite', async () => {
    for (const id of ['google', 'github', 'slack', 'sandbox'] as const) {
      const p = sandbox.provider(id);
      expect(Object.keys(p.hostRewrites ?? {})).toEqual([...p.allowedHosts]);
      for (const host of p.allowedHosts) {
        // Without a token each fake answers in its own auth-error shape — proof a fake is there.
        const res = await fetch(`${p.hostRewrites?.[host]}/`);
        const body = (await res.json()) as { error?: unknown; ok?: boolean };
        if (host === 'slack.com') expect([res.status, body]).toEqual([200, { ok: false, error: 'not_authed' }]);
        else expect(res.status).toBe(401);
        expect(EMULATED_PROVIDERS[id].apiHosts).toContain(host);
      }
    }
  });

  it('answers 404 sandbox_unknown_host for a host no fake serves', async () => {
    const res = await fetch(`${sandbox.apiBase('api.dropbox.com')}/2/files/list_folder`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toBe('sandbox_unknown_host');
  });
});
