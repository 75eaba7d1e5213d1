import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oauth from 'oauth4webapi';
import { type EmulatedProviderId, type Sandbox, SandboxError, startSandbox } from '@alter/testing';
import { authorizeUrl, discover, insecure } from './support/oauth-flow.js';

/**
 * A miniature "Connect" server on its own loopback port, shaped like the vault's: /connect/:id
 * redirects to the provider, /callback exchanges the code and moves on to the next provider, and
 * the last step redirects to returnTo (or shows a page). It proves approve() can start anywhere
 * and follow a chain of providers.
 */
interface MiniConnect {
  url: string;
  callbackUrl: string;
  /** Tokens obtained per provider, in order. */
  results: { provider: EmulatedProviderId; scope: string | undefined; sub: unknown; error?: string }[];
  session(providers: { provider: EmulatedProviderId; scope: string }[], returnTo?: string): string;
  close(): Promise<void>;
}

async function startMiniConnect(sandbox: Sandbox): Promise<MiniConnect> {
  const as = await discover(sandbox);
  const sessions = new Map<
    string,
    {
      steps: { provider: EmulatedProviderId; scope: string }[];
      returnTo?: string;
      i: number;
      pending?: { state: string; nonce: string; codeVerifier: string };
    }
  >();
  const results: MiniConnect['results'] = [];
  let base = '';
  let n = 0;

  async function redirectToProvider(id: string, res: import('node:http').ServerResponse) {
    const s = sessions.get(id)!;
    const step = s.steps[s.i]!;
    const req = await authorizeUrl(as, sandbox.client(step.provider).clientId, `${base}/callback`, step.scope, {
      state: `${id}.${oauth.generateRandomState()}`,
    });
    s.pending = { state: req.url.searchParams.get('state')!, nonce: req.nonce, codeVerifier: req.codeVerifier };
    res.writeHead(302, { location: req.url.href, 'set-cookie': `mini_session=${id}; Path=/; HttpOnly` });
    res.end();
  }

  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', base);
    (async () => {
      const m = /^\/connect\/(\w+)$/.exec(u.pathname);
      if (m) return redirectToProvider(m[1]!, res);
      if (u.pathname === '/callback') {
        const id = (u.searchParams.get('state') ?? '').split('.')[0]!;
        const s = sessions.get(id);
        // The browser must carry the cookie set on /connect (same host, other port than the sandbox).
        if (!s || !req.headers.cookie?.includes(`mini_session=${id}`)) {
          res.writeHead(400).end('bad session');
          return;
        }
        const step = s.steps[s.i]!;
        const c = sandbox.client(step.provider);
        const client = { client_id: c.clientId };
        try {
          const params = oauth.validateAuthResponse(as, client, u, s.pending!.state);
          const r = await oauth.authorizationCodeGrantRequest(
            as,
            client,
            oauth.ClientSecretBasic(c.clientSecret),
            params,
            `${base}/callback`,
            s.pending!.codeVerifier,
            insecure,
          );
          const t = await oauth.processAuthorizationCodeResponse(as, client, r, { expectedNonce: s.pending!.nonce });
          results.push({ provider: step.provider, scope: t.scope, sub: oauth.getValidatedIdTokenClaims(t)?.sub });
        } catch (err) {
          results.push({
            provider: step.provider,
            scope: undefined,
            sub: undefined,
            error: err instanceof oauth.AuthorizationResponseError ? err.error : String(err),
          });
          res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Connect failed</h1>');
          return;
        }
        s.i += 1;
        if (s.i < s.steps.length) return redirectToProvider(id, res);
        if (s.returnTo) {
          res.writeHead(303, { location: s.returnTo }).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>All connected</h1>');
        return;
      }
      if (u.pathname === '/loop') {
        res.writeHead(302, { location: '/loop' }).end();
        return;
      }
      if (u.pathname === '/meta') {
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end(`<html><head><meta http-equiv="refresh" content="0;url=${u.searchParams.get('to')}"></head></html>`);
        return;
      }
      res.writeHead(404).end();
    })().catch((err) => res.writeHead(500).end(String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sandbox.registerRedirectUri(`${base}/callback`);
  return {
    url: base,
    callbackUrl: `${base}/callback`,
    results,
    session(steps, returnTo) {
      const id = `s${++n}`;
      sessions.set(id, { steps, i: 0, ...(returnTo ? { returnTo } : {}) });
      return `${base}/connect/${id}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

let sandbox: Sandbox;
let connect: MiniConnect;

beforeAll(async () => {
  sandbox = await startSandbox({ users: [{ login: 'carol', email: 'carol@example.test', name: 'Carol C' }] });
  connect = await startMiniConnect(sandbox);
});
afterAll(async () => {
  await connect.close();
  await sandbox.close();
});

describe('approve()', () => {
  it('starts at a Connect URL on another port and walks through several providers', async () => {
    connect.results.length = 0;
    const url = connect.session([
      { provider: 'google', scope: 'openid offline_access https://www.googleapis.com/auth/gmail.readonly' },
      { provider: 'github', scope: 'openid offline_access repo' },
      { provider: 'slack', scope: 'openid offline_access chat:write' },
    ]);
    const done = await sandbox.approve(url, { login: 'carol' });
    expect(done.status).toBe(200);
    expect(done.body).toContain('All connected');
    expect(done.finalUrl.startsWith(connect.callbackUrl)).toBe(true);
    expect(connect.results.map((r) => [r.provider, r.sub])).toEqual([
      ['google', 'user-carol'],
      ['github', 'user-carol'],
      ['slack', 'user-carol'],
    ]);
    expect(connect.results[1]?.scope?.split(' ')).toContain('repo');
    // One login, then a consent per provider.
    expect(done.visited.filter((v) => v.endsWith('/login')).length).toBe(1);
    expect(done.visited.filter((v) => v.endsWith('/confirm')).length).toBe(3);
  });

  it('keeps one browser per login: the next approval in it skips the login form', async () => {
    const browser = sandbox.browser('carol');
    expect(sandbox.browser('carol')).toBe(browser);
    expect(sandbox.browser('alice')).not.toBe(browser);
    expect(() => sandbox.browser('mallory')).toThrow(expect.objectContaining({ code: 'SANDBOX_INVALID_ARGUMENT' }));
    const steps = [
      { provider: 'google' as const, scope: 'openid' },
      { provider: 'github' as const, scope: 'openid repo' },
    ];
    const first = await sandbox.approve(connect.session(steps), { login: 'carol', browser });
    expect(first.answered).toEqual(['login', 'consent', 'consent']);
    const second = await sandbox.approve(connect.session(steps), { login: 'carol', browser });
    expect(second.answered).toEqual(['consent', 'consent']);
    expect(second.body).toContain('All connected');
    // A fresh jar (the default) signs in again; a browser kept for carol is refused for alice.
    expect((await sandbox.approve(connect.session(steps), { login: 'carol' })).answered[0]).toBe('login');
    await expect(sandbox.approve(connect.session(steps), { login: 'alice', browser })).rejects.toMatchObject({
      code: 'SANDBOX_INVALID_ARGUMENT',
      argument: 'options.browser',
    });
  });

  it('stops at a redirect to a non-loopback returnTo without contacting it', async () => {
    const url = connect.session([{ provider: 'google', scope: 'openid' }], 'https://app.example.com/done?x=1');
    const done = await sandbox.approve(url, { login: 'alice' });
    expect(done.finalUrl).toBe('https://app.example.com/done?x=1');
    expect(done.status).toBe(303);
    expect(done.body).toBe('');
  });

  it('applies scopes to every consent of a chain', async () => {
    connect.results.length = 0;
    const url = connect.session([
      {
        provider: 'google',
        scope: 'openid offline_access https://www.googleapis.com/auth/gmail.readonly https://www.googleapis.com/auth/calendar',
      },
      { provider: 'github', scope: 'openid offline_access repo read:user' },
    ]);
    await sandbox.approve(url, { login: 'bob', scopes: ['https://www.googleapis.com/auth/calendar', 'read:user'] });
    expect(connect.results[0]?.scope?.split(' ').sort()).toEqual(['https://www.googleapis.com/auth/calendar', 'offline_access', 'openid']);
    expect(connect.results[1]?.scope?.split(' ').sort()).toEqual(['offline_access', 'openid', 'read:user']);
  });

  it('denies at the first consent and the client sees access_denied', async () => {
    connect.results.length = 0;
    const url = connect.session([
      { provider: 'github', scope: 'openid repo' },
      { provider: 'slack', scope: 'openid' },
    ]);
    const done = await sandbox.approve(url, { login: 'alice', deny: true });
    expect(done.body).toContain('Connect failed');
    expect(connect.results).toEqual([{ provider: 'github', scope: undefined, sub: undefined, error: 'access_denied' }]);
  });

  it('follows a meta refresh like a browser', async () => {
    const target = connect.session([{ provider: 'google', scope: 'openid' }]);
    const done = await sandbox.approve(`${connect.url}/meta?to=${encodeURIComponent(target)}`, { login: 'alice' });
    expect(done.body).toContain('All connected');
  });

  it('throws SANDBOX_NOT_LOOPBACK for a start URL that is not loopback', async () => {
    await expect(sandbox.approve('https://accounts.google.com/o/oauth2/v2/auth', { login: 'alice' })).rejects.toMatchObject({
      code: 'SANDBOX_NOT_LOOPBACK',
    });
    await expect(sandbox.approve('http://10.0.0.1/connect', { login: 'alice' })).rejects.toBeInstanceOf(SandboxError);
  });

  it('throws SANDBOX_INVALID_ARGUMENT for an unknown login or a bad URL', async () => {
    await expect(sandbox.approve(`${connect.url}/connect/x`, { login: 'mallory' })).rejects.toMatchObject({
      code: 'SANDBOX_INVALID_ARGUMENT',
      argument: 'options.login',
    });
    await expect(sandbox.approve('not a url', { login: 'alice' })).rejects.toMatchObject({
      code: 'SANDBOX_INVALID_ARGUMENT',
      argument: 'url',
    });
  });

  it('throws SANDBOX_REDIRECT_LOOP on a redirect loop', async () => {
    await expect(sandbox.approve(`${connect.url}/loop`, { login: 'alice', maxRedirects: 5 })).rejects.toMatchObject({
      code: 'SANDBOX_REDIRECT_LOOP',
    });
  });

  it('returns the sandbox error page when the request itself is invalid (unregistered redirect)', async () => {
    const as = await discover(sandbox);
    const req = await authorizeUrl(as, 'sandbox-google', 'http://127.0.0.1:9/not-registered', 'openid');
    const done = await sandbox.approve(req.url.href, { login: 'alice' });
    expect(done.status).toBe(400);
    expect(done.body).toContain('invalid_redirect_uri');
  });

  it('refuses to run after close()', async () => {
    const other = await startSandbox();
    await other.close();
    await other.close(); // idempotent
    await expect(other.approve('http://127.0.0.1:1/', { login: 'alice' })).rejects.toMatchObject({ code: 'SANDBOX_CLOSED' });
  });
});

describe('users', () => {
  it('has alice and bob by default plus added users, with derived fields', () => {
    expect(sandbox.users.map((u) => u.login)).toEqual(['alice', 'bob', 'carol']);
    expect(sandbox.user('alice')).toMatchObject({ sub: 'user-alice', email: 'alice@sandbox.test', name: 'Alice Sandbox', githubId: 10001 });
    expect(sandbox.user('carol')).toMatchObject({ email: 'carol@example.test', name: 'Carol C', githubId: 10003 });
    expect(() => sandbox.user('nobody')).toThrow(expect.objectContaining({ code: 'SANDBOX_INVALID_ARGUMENT' }));
  });

  it('rejects malformed logins, duplicate subjects and bad options at start', async () => {
    await expect(startSandbox({ users: [{ login: 'has space' }] })).rejects.toMatchObject({ code: 'SANDBOX_INVALID_ARGUMENT' });
    await expect(startSandbox({ users: [{ login: 'dave', sub: 'user-alice' }] })).rejects.toMatchObject({
      argument: 'options.users[2].sub',
    });
    await expect(startSandbox({ accessTokenTtlSec: 0 })).rejects.toMatchObject({ argument: 'options.accessTokenTtlSec' });
    await expect(startSandbox({ redirectUris: ['http://127.0.0.1/cb#frag'] })).rejects.toMatchObject({ argument: 'uri' });
  });

  it('shows no client secret in JSON or inspect output', () => {
    expect(JSON.stringify(sandbox)).not.toContain('secret');
    expect(inspect(sandbox, { depth: 5 })).not.toContain('secret');
  });
});
