import { inspect } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError, defineProvider, providers } from '@alter/vault';

const SECRET = 'super-secret-client-value-123';

describe('providers.google', () => {
  const google = providers.google({ clientId: 'cid.apps.googleusercontent.com', clientSecret: SECRET });

  it('declares Google real endpoints, allowlist, scopes and id_token identity', () => {
    expect(google.id).toBe('google');
    expect(google.authorizationEndpoint).toBe('https://accounts.google.com/o/oauth2/v2/auth');
    expect(google.tokenEndpoint).toBe('https://oauth2.googleapis.com/token');
    expect(google.revocationEndpoint).toBe('https://oauth2.googleapis.com/revoke');
    expect(google.userinfoEndpoint).toBe('https://openidconnect.googleapis.com/v1/userinfo');
    expect(google.issuer).toBe('https://accounts.google.com');
    expect(google.allowedHosts).toContain('*.googleapis.com');
    expect(google.defaultScopes).toEqual(['openid', 'email', 'profile']);
    expect(google.scopeSeparator).toBe(' ');
    expect(google.authorizationParams).toMatchObject({ access_type: 'offline', prompt: 'consent' });
    expect(google.identity).toBe('id_token');
  });

  it('reads granted scopes and maps the URL forms of email/profile back', () => {
    const scopes = google.grantedScopes!(
      { scope: 'openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/calendar.readonly' },
      ['openid', 'email'],
    );
    expect(scopes).toEqual(expect.arrayContaining(['openid', 'email', 'https://www.googleapis.com/auth/calendar.readonly']));
    expect(scopes).not.toContain('profile');
  });

  it('falls back to the requested scopes when the token response has no scope', () => {
    expect(google.grantedScopes!({}, ['openid', 'x'])).toEqual(['openid', 'x']);
  });

  it('lets scopes, id and hosts be overridden without spreading', () => {
    const work = providers.google({
      clientId: 'c',
      clientSecret: SECRET,
      id: 'google-work',
      scopes: ['openid'],
      allowedHosts: ['gmail.googleapis.com'],
    });
    expect(work.id).toBe('google-work');
    expect(work.defaultScopes).toEqual(['openid']);
    expect(work.allowedHosts).toEqual(['gmail.googleapis.com']);
    expect(work.clientSecret).toBe(SECRET);
  });
});

describe('providers.github', () => {
  const github = providers.github({ clientId: 'Iv1.abc', clientSecret: SECRET });

  it('declares GitHub endpoints, comma separator and the API host', () => {
    expect(github.authorizationEndpoint).toBe('https://github.com/login/oauth/authorize');
    expect(github.tokenEndpoint).toBe('https://github.com/login/oauth/access_token');
    expect(github.allowedHosts).toContain('api.github.com');
    expect(github.scopeSeparator).toBe(',');
    expect(typeof github.identity).toBe('function');
  });

  it("reads GitHub's comma-separated scope and expands implied scopes", () => {
    const scopes = github.grantedScopes!({ scope: 'repo,user' }, []);
    expect(scopes).toEqual(expect.arrayContaining(['repo', 'public_repo', 'repo:status', 'user', 'read:user', 'user:email']));
    expect(scopes).not.toContain('admin:org');
  });

  it('turns HTTP-200 token errors into RFC 6749 errors (bad_refresh_token → invalid_grant)', () => {
    expect(github.normalizeTokenResponse!({ status: 200, body: { error: 'bad_refresh_token' } })).toEqual({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    const ok = { status: 200, body: { access_token: 'a', token_type: 'bearer', scope: 'repo' } };
    expect(github.normalizeTokenResponse!(ok)).toBe(ok);
  });

  it('reads identity from GET https://api.github.com/user', async () => {
    const calls: string[] = [];
    const identity = await (github.identity as Exclude<typeof github.identity, string | undefined>)({
      tokenResponse: {},
      getJson: async (url) => {
        calls.push(url);
        return { id: 42, login: 'octocat', name: 'The Octocat' };
      },
    });
    expect(calls).toEqual(['https://api.github.com/user']);
    expect(identity).toEqual({ subject: '42', login: 'octocat', name: 'The Octocat' });
  });
});

describe('providers.slack', () => {
  const slack = providers.slack({ clientId: '123.456', clientSecret: SECRET, scopes: ['channels:read'] });

  it('asks for user tokens with user_scope and commas', () => {
    expect(slack.authorizationEndpoint).toBe('https://slack.com/oauth/v2/authorize');
    expect(slack.tokenEndpoint).toBe('https://slack.com/api/oauth.v2.access');
    expect(slack.scopeParameter).toBe('user_scope');
    expect(slack.scopeSeparator).toBe(',');
    expect(slack.allowedHosts).toEqual(['slack.com']);
    expect(slack.defaultScopes).toEqual(['channels:read']);
  });

  it('flattens the v2 authed_user token into a bearer token response', () => {
    const out = slack.normalizeTokenResponse!({
      status: 200,
      body: {
        ok: true,
        access_token: 'xoxb-bot',
        token_type: 'bot',
        team: { id: 'T1' },
        authed_user: {
          id: 'U1',
          scope: 'channels:read,chat:write',
          access_token: 'xoxp-user',
          token_type: 'user',
          refresh_token: 'xoxe-r',
          expires_in: 43200,
        },
      },
    });
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({
      access_token: 'xoxp-user',
      token_type: 'bearer',
      refresh_token: 'xoxe-r',
      expires_in: 43200,
      scope: 'channels:read,chat:write',
    });
    expect(slack.grantedScopes!(out.body, [])).toEqual(['channels:read', 'chat:write']);
  });

  it('maps ok:false answers to RFC 6749 errors', () => {
    expect(slack.normalizeTokenResponse!({ status: 200, body: { ok: false, error: 'invalid_refresh_token' } })).toEqual({
      status: 400,
      body: { error: 'invalid_grant' },
    });
  });

  it('reads identity from authed_user without a network call', async () => {
    const identity = await (slack.identity as Exclude<typeof slack.identity, string | undefined>)({
      tokenResponse: { authed_user: { id: 'U1' }, team: { id: 'T9' } },
      getJson: async () => {
        throw new Error('no network expected');
      },
    });
    expect(identity).toEqual({ subject: 'U1', login: 'T9:U1' });
  });
});

describe('providers.oidc and providers.oauth2', () => {
  it('oidc: discovery config with the issuer host as default allowlist', () => {
    const okta = providers.oidc({ id: 'okta', issuer: 'https://acme.okta.com', clientId: 'abc', clientSecret: SECRET });
    expect(okta.issuer).toBe('https://acme.okta.com');
    expect(okta.authorizationEndpoint).toBeUndefined();
    expect(okta.allowedHosts).toEqual(['acme.okta.com']);
    expect(okta.defaultScopes).toContain('openid');
    expect(okta.identity).toBe('id_token');
  });

  it('oidc without a client secret is a public client', () => {
    expect(providers.oidc({ id: 'pub', issuer: 'https://id.example', clientId: 'abc' }).tokenEndpointAuthMethod).toBe('none');
  });

  it('oauth2 accepts authorizeUrl/tokenUrl aliases', () => {
    const acme = providers.oauth2({
      id: 'acme',
      clientId: 'abc',
      clientSecret: SECRET,
      authorizeUrl: 'https://acme.example/oauth/authorize',
      tokenUrl: 'https://acme.example/oauth/token',
      allowedHosts: ['api.acme.example'],
    });
    expect(acme.authorizationEndpoint).toBe('https://acme.example/oauth/authorize');
    expect(acme.tokenEndpoint).toBe('https://acme.example/oauth/token');
    expect(acme.issuer).toBe('https://acme.example');
    expect(acme.identity).toBeUndefined();
  });

  it('allows http endpoints only on loopback with allowInsecureLoopback', () => {
    const base = { id: 'local', clientId: 'c', clientSecret: SECRET, allowedHosts: ['127.0.0.1'] };
    expect(() => providers.oauth2({ ...base, authorizeUrl: 'http://127.0.0.1:9/a', tokenUrl: 'http://127.0.0.1:9/t' })).toThrow(
      InvalidArgumentError,
    );
    expect(() =>
      providers.oauth2({ ...base, authorizeUrl: 'http://127.0.0.1:9/a', tokenUrl: 'http://127.0.0.1:9/t', allowInsecureLoopback: true }),
    ).not.toThrow();
    expect(() =>
      providers.oauth2({ ...base, authorizeUrl: 'http://evil.example/a', tokenUrl: 'http://evil.example/t', allowInsecureLoopback: true }),
    ).toThrow(/must use https/);
  });
});

describe('factory argument validation', () => {
  const cases: Array<[string, string, () => unknown]> = [
    ['google without clientId', 'clientId', () => providers.google({ clientSecret: SECRET } as never)],
    ['github without clientSecret', 'clientSecret', () => providers.github({ clientId: 'x' } as never)],
    ['slack with no options', 'clientId', () => providers.slack(undefined as never)],
    ['oidc without issuer', 'issuer', () => providers.oidc({ id: 'x', clientId: 'c' } as never)],
    ['oidc with a bad id', 'id', () => providers.oidc({ id: 'has space', issuer: 'https://x.example', clientId: 'c' })],
    [
      'oauth2 without tokenEndpoint',
      'tokenEndpoint',
      () => providers.oauth2({ id: 'x', clientId: 'c', authorizeUrl: 'https://x.example/a', allowedHosts: ['x'] }),
    ],
    [
      'oauth2 without allowedHosts',
      'allowedHosts',
      () => providers.oauth2({ id: 'x', clientId: 'c', authorizeUrl: 'https://x.example/a', tokenUrl: 'https://x.example/t' } as never),
    ],
  ];
  it.each(cases)('%s → InvalidArgumentError naming %s', (_name, argument, make) => {
    let caught: unknown;
    try {
      make();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidArgumentError);
    expect((caught as InvalidArgumentError).argument).toBe(argument);
    expect((caught as InvalidArgumentError).code).toBe('ALTER_INVALID_ARGUMENT');
    expect((caught as Error).message).not.toContain(SECRET);
  });
});

describe('client secret hiding', () => {
  const all = [
    providers.google({ clientId: 'c', clientSecret: SECRET }),
    providers.github({ clientId: 'c', clientSecret: SECRET }),
    providers.slack({ clientId: 'c', clientSecret: SECRET }),
    providers.oidc({ id: 'o', issuer: 'https://id.example', clientId: 'c', clientSecret: SECRET }),
    providers.oauth2({
      id: 'x',
      clientId: 'c',
      clientSecret: SECRET,
      authorizeUrl: 'https://x.example/a',
      tokenUrl: 'https://x.example/t',
      allowedHosts: ['x.example'],
    }),
  ];

  it.each(all.map((p) => [p.id, p] as const))('%s: secret readable but absent from inspect, JSON, keys and String()', (_id, config) => {
    expect(config.clientSecret).toBe(SECRET);
    expect(inspect(config, { depth: 10 })).not.toContain(SECRET);
    expect(inspect(config, { depth: 10, showHidden: true })).not.toContain(SECRET);
    expect(inspect({ nested: { config } }, { depth: 10 })).not.toContain(SECRET);
    expect(JSON.stringify(config)).not.toContain(SECRET);
    expect(JSON.stringify({ config })).not.toContain(SECRET);
    expect(Object.keys(config)).not.toContain('clientSecret');
    expect(String(Object.values(config))).not.toContain(SECRET);
    expect(inspect(config)).toContain('[redacted]');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('defineProvider hides the secret of a hand-written config too', () => {
    const custom = defineProvider({
      id: 'acme',
      displayName: 'Acme',
      clientId: 'abc',
      clientSecret: SECRET,
      authorizationEndpoint: 'https://acme.example/a',
      tokenEndpoint: 'https://acme.example/t',
      defaultScopes: [],
      scopeSeparator: ' ',
      allowedHosts: ['api.acme.example'],
    });
    expect(custom.clientSecret).toBe(SECRET);
    expect(JSON.stringify(custom)).not.toContain(SECRET);
    expect(inspect(custom)).not.toContain(SECRET);
  });
});
