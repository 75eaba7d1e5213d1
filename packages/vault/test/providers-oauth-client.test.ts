/**
 * The OAuth client against provider-shaped token endpoints on loopback (GitHub's HTTP-200 errors,
 * Slack's authed_user answers). These fake the third-party servers only; the client, the
 * provider factories and oauth4webapi run for real.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ProviderHttpError, TokenRefreshError, providers } from '@alter/vault';
import { createOAuthClient } from '../src/oauth-client.js';
import { InvalidGrantSignal } from '../src/token-refresher.js';

type Handler = (req: IncomingMessage, body: URLSearchParams) => { status: number; body: unknown };

let server: Server;
let base: string;
let handler: Handler = () => ({ status: 500, body: {} });
const seen: Array<{ path: string; body: URLSearchParams; auth: string | undefined }> = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => {
      raw += c.toString();
    });
    req.on('end', () => {
      const body = new URLSearchParams(raw);
      seen.push({ path: req.url ?? '', body, auth: req.headers.authorization });
      const out = handler(req, body);
      res.writeHead(out.status, { 'content-type': 'application/json' }).end(JSON.stringify(out.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

function github() {
  return providers.github({
    clientId: 'gh-client',
    clientSecret: 'gh-secret-value-xyz',
    overrides: { allowInsecureLoopback: true, hostRewrites: { 'github.com': `${base}/gh`, 'api.github.com': `${base}/api` } },
  });
}

describe('GitHub through createOAuthClient', () => {
  it('refreshes with a rotated refresh token and comma-separated scopes', async () => {
    handler = () => ({
      status: 200,
      body: {
        access_token: 'ghu_new_access_1234',
        refresh_token: 'ghr_new_refresh_5678',
        expires_in: 28800,
        token_type: 'bearer',
        scope: 'repo,read:user',
      },
    });
    const tokens = await createOAuthClient(github()).refresh('ghr_old_refresh_0000');
    expect(tokens.accessToken).toBe('ghu_new_access_1234');
    expect(tokens.refreshToken).toBe('ghr_new_refresh_5678');
    expect(tokens.scopes).toEqual(expect.arrayContaining(['repo', 'public_repo', 'read:user']));
    expect(tokens.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 28_000_000);
    const last = seen.at(-1)!;
    expect(last.path).toBe('/gh/login/oauth/access_token'); // the real endpoint, rewritten to loopback
    expect(last.body.get('grant_type')).toBe('refresh_token');
    expect(last.body.get('refresh_token')).toBe('ghr_old_refresh_0000');
    expect(last.body.get('client_secret')).toBe('gh-secret-value-xyz'); // client_secret_post
  });

  it("maps GitHub's HTTP-200 bad_refresh_token to InvalidGrantSignal", async () => {
    handler = () => ({
      status: 200,
      body: { error: 'bad_refresh_token', error_description: 'The refresh token passed is incorrect or expired.' },
    });
    await expect(createOAuthClient(github()).refresh('ghr_dead')).rejects.toBeInstanceOf(InvalidGrantSignal);
  });

  it('reports other failures as TokenRefreshError without any token or secret', async () => {
    handler = () => ({ status: 503, body: { error: 'temporarily_unavailable', access_token: 'leaky_token_in_body_999' } });
    const err = await createOAuthClient(github())
      .refresh('ghr_secret_refresh_1111', { user: 'alice' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenRefreshError);
    const text = `${(err as Error).message}\n${JSON.stringify(err)}\n${inspect(err, { depth: 10 })}`;
    expect(text).toContain('503');
    expect(text).toContain('alice');
    for (const secret of ['ghr_secret_refresh_1111', 'leaky_token_in_body_999', 'gh-secret-value-xyz']) expect(text).not.toContain(secret);
  });

  it('a malformed token answer is a TokenRefreshError that does not carry the body', async () => {
    handler = () => ({ status: 200, body: { access_token: 'tok_in_bad_answer_42', token_type: 'mac' } });
    const err = await createOAuthClient(github())
      .refresh('r')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenRefreshError);
    expect(inspect(err, { depth: 10 })).not.toContain('tok_in_bad_answer_42');
  });

  it('builds the authorization URL with state, PKCE S256 and comma-joined scopes (no nonce: not OIDC)', async () => {
    const client = createOAuthClient(github());
    const req = await client.createAuthorizationRequest({
      redirectUri: 'http://127.0.0.1:1/connect/callback',
      scopes: ['repo'],
      state: 'sid.random',
    });
    expect(req.url.pathname).toBe('/gh/login/oauth/authorize');
    expect(req.url.searchParams.get('scope')).toBe('read:user,repo');
    expect(req.url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(req.url.searchParams.get('code_challenge')).not.toBe(req.codeVerifier);
    expect(req.url.searchParams.get('state')).toBe('sid.random');
    expect(req.url.searchParams.has('nonce')).toBe(false);
    expect(req.nonce).toBeUndefined();
  });
});

describe('Slack through createOAuthClient', () => {
  const slack = () =>
    providers.slack({
      clientId: 'sl-client',
      clientSecret: 'sl-secret-value-abc',
      scopes: ['channels:read'],
      overrides: { allowInsecureLoopback: true, hostRewrites: { 'slack.com': `${base}/slack` } },
    });

  it('puts scopes in user_scope', async () => {
    const req = await createOAuthClient(slack()).createAuthorizationRequest({
      redirectUri: 'http://127.0.0.1:1/cb',
      scopes: ['chat:write'],
      state: 's.t',
    });
    expect(req.url.searchParams.get('user_scope')).toBe('channels:read,chat:write');
    expect(req.url.searchParams.has('scope')).toBe(false);
  });

  it('maps ok:false invalid_refresh_token to InvalidGrantSignal and reads rotated user tokens', async () => {
    handler = () => ({ status: 200, body: { ok: false, error: 'invalid_refresh_token' } });
    await expect(createOAuthClient(slack()).refresh('xoxe-dead')).rejects.toBeInstanceOf(InvalidGrantSignal);
    handler = () => ({
      status: 200,
      body: {
        ok: true,
        access_token: 'xoxp-fresh-1',
        refresh_token: 'xoxe-fresh-2',
        expires_in: 43200,
        token_type: 'user',
        scope: 'channels:read',
      },
    });
    const tokens = await createOAuthClient(slack()).refresh('xoxe-live');
    expect(tokens).toMatchObject({ accessToken: 'xoxp-fresh-1', refreshToken: 'xoxe-fresh-2', scopes: ['channels:read'] });
  });
});

describe('transport safety', () => {
  it('never sends anything to a non-loopback host over http', async () => {
    const p = providers.oauth2({
      id: 'local',
      clientId: 'c',
      clientSecret: 's3cr3t-value',
      authorizeUrl: `${base}/a`,
      tokenUrl: `${base}/t`,
      allowedHosts: ['127.0.0.1'],
      allowInsecureLoopback: true,
      // A rewrite pointing away from loopback is refused before any connection.
      hostRewrites: { '127.0.0.1': 'http://10.0.0.1' },
    });
    const before = seen.length;
    const err = await createOAuthClient(p)
      .refresh('r')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenRefreshError);
    expect(seen.length).toBe(before);
  });

  it('revoke() answers false when the provider has no revocation endpoint', async () => {
    expect(await createOAuthClient(github()).revoke('anything')).toBe(false);
  });

  it('revokes at an RFC 7009 endpoint', async () => {
    handler = () => ({ status: 200, body: {} });
    const p = providers.oauth2({
      id: 'rev',
      clientId: 'c',
      clientSecret: 's3cr3t-value',
      authorizeUrl: `${base}/a`,
      tokenUrl: `${base}/t`,
      revocationEndpoint: `${base}/revoke`,
      allowedHosts: ['127.0.0.1'],
      allowInsecureLoopback: true,
    });
    expect(await createOAuthClient(p).revoke('tok-to-revoke', 'refresh_token')).toBe(true);
    const last = seen.at(-1)!;
    expect(last.path).toBe('/revoke');
    expect(last.body.get('token')).toBe('tok-to-revoke');
    expect(last.body.get('token_type_hint')).toBe('refresh_token');
    expect(last.auth).toMatch(/^Basic /);
  });

  it('discovery failure is a ProviderHttpError naming the issuer origin', async () => {
    handler = () => ({ status: 404, body: {} });
    const p = providers.oidc({
      id: 'disc',
      issuer: `${base}/nowhere`,
      clientId: 'c',
      clientSecret: 'x-secret-1',
      allowInsecureLoopback: true,
    });
    const err = await createOAuthClient(p)
      .createAuthorizationRequest({ redirectUri: 'http://127.0.0.1:1/cb', scopes: [], state: 's.t' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderHttpError);
    expect((err as Error).message).toContain(base);
  });
});
