/**
 * vault.request() end to end: a real recording HTTP server on 127.0.0.1, a real SQLite file,
 * the real pipeline. Every test also runs the leak check on what it saw.
 */
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createLeakCheck, type LeakCheck } from '@alter/testing';
import {
  AccountAmbiguousError,
  AlterVault,
  GrantNotFoundError,
  HeaderNotAllowedError,
  HostNotAllowedError,
  InvalidArgumentError,
  ProviderHttpError,
  RequestAbortedError,
  RequestTimeoutError,
  ScopeReauthRequiredError,
  UrlTemplateError,
  VaultConfigError,
} from '@alter/vault';
import { loopbackProvider, newKey, newToken, tempDir, type TempDir } from './support/fixtures.js';
import { type RecordingServer, startRecordingServer } from './support/recording-server.js';

let server: RecordingServer;
let other: RecordingServer;
let tmp: TempDir;
let vault: AlterVault;
let leak: LeakCheck;
let token: string;
let refresh: string;
let restoreConsole: () => void;

beforeAll(async () => {
  server = await startRecordingServer();
  other = await startRecordingServer();
  server.route('/status/', (req, res) => {
    const code = Number((req.url ?? '').split('/')[2]);
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'nope', code }));
  });
  server.route('/slow', (_req, res) => {
    setTimeout(() => {
      res.writeHead(200);
      res.end('late');
    }, 2000).unref();
  });
  server.route('/redirect-other', (_req, res) => {
    res.writeHead(302, { location: `${other.origin}/steal` });
    res.end();
  });
  server.route('/text', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('hello');
  });
});

afterAll(async () => {
  await server.close();
  await other.close();
});

beforeEach(async () => {
  tmp = tempDir();
  leak = createLeakCheck();
  restoreConsole = leak.captureConsole();
  token = leak.secret(newToken('at'), 'access token');
  refresh = leak.secret(newToken('rt'), 'refresh token');
  const key = leak.secret(newKey(), 'encryption key');
  vault = new AlterVault({
    caller: 'e2e',
    providers: [loopbackProvider('acme', { clientSecret: leak.secret('client-secret-xyz-123', 'client secret') } as never)],
    store: tmp.file('vault.db'),
    encryptionKey: key,
    logger: leak.logger,
    http: { timeoutMs: 5000 },
  });
  await vault.grants.put({ user: 'alice', provider: 'acme', accessToken: token, refreshToken: refresh, scopes: ['read', 'write'] });
  server.reset();
  other.reset();
});

afterEach(async () => {
  const rows = await vault.audit.query({ limit: 1000 });
  leak.inspect(rows, 'audit rows');
  leak.inspect(vault, 'util.inspect(vault)');
  leak.inspect(JSON.stringify(vault), 'JSON.stringify(vault)');
  leak.inspect(vault.store, 'vault.store');
  leak.inspect(vault.provider('acme'), 'provider config');
  leak.inspect(await vault.grants.list({ includeRevoked: true }), 'grants.list');
  await vault.close();
  restoreConsole();
  tmp.remove();
  leak.assertClean();
});

/** Runs fn expecting a throw; feeds the error to the leak check and returns it. */
async function failure(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    leak.inspect(err, 'thrown error');
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('header injection', () => {
  it('sends the user token as a Bearer header and returns the response', async () => {
    const res = await vault.request('acme', 'GET', `${server.origin}/v1/me`, { user: 'alice' });
    leak.inspect(res, 'response');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ ok: true, path: '/v1/me' });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${token}`);
  });

  it('sends json bodies, query params and extra headers', async () => {
    const res = await vault.request('acme', 'post', `${server.origin}/v1/items`, {
      user: 'alice',
      json: { title: 'x', n: 1 },
      queryParams: { q: 'a b&c', tags: ['1', '2'], flag: true },
      extraHeaders: { 'X-Trace': 't-1' },
    });
    expect(res.status).toBe(200);
    const rec = server.requests[0]!;
    expect(rec.method).toBe('POST');
    expect(rec.url).toBe('/v1/items?q=a+b%26c&tags=1&tags=2&flag=true');
    expect(JSON.parse(rec.body)).toEqual({ title: 'x', n: 1 });
    expect(rec.headers['content-type']).toBe('application/json');
    expect(rec.headers['x-trace']).toBe('t-1');
  });

  it('refuses a caller-supplied Authorization header in any case, sending nothing', async () => {
    for (const name of ['Authorization', 'authorization', 'AUTHORIZATION']) {
      const err = await failure(() =>
        vault.request('acme', 'GET', `${server.origin}/v1/me`, { user: 'alice', extraHeaders: { [name]: 'Bearer mine' } }),
      );
      expect(err).toBeInstanceOf(HeaderNotAllowedError);
      expect(err.message).toContain('Authorization');
    }
    expect(server.requests).toHaveLength(0);
  });

  it('returns non-2xx responses instead of throwing', async () => {
    for (const code of [400, 403, 404, 429, 500, 503]) {
      const res = await vault.request('acme', 'GET', `${server.origin}/status/${code}`, { user: 'alice' });
      expect(res.status).toBe(code);
      expect(res.ok).toBe(false);
      expect(res.json()).toEqual({ error: 'nope', code });
    }
  });

  it('exposes text(), data and headers', async () => {
    const res = await vault.request('acme', 'GET', `${server.origin}/text`, { user: 'alice' });
    expect(res.text()).toBe('hello');
    expect(res.data).toBe('hello');
    expect(res.headers['content-type']).toBe('text/plain');
    expect(() => res.json()).toThrow(ProviderHttpError);
  });
});

describe('URL templating', () => {
  const base = () => `${server.origin}/repos/{owner}/{repo}/issues`;

  it('percent-encodes values so they stay inside one segment', async () => {
    const cases: Array<[string, string]> = [
      ['../admin', '..%2Fadmin'],
      ['a/b', 'a%2Fb'],
      ['%2F', '%252F'],
      ['x?admin=1', 'x%3Fadmin%3D1'],
      ['x#frag', 'x%23frag'],
      ['ünï😀', '%C3%BCn%C3%AF%F0%9F%98%80'],
      ['a b', 'a%20b'],
      ["it's(*)!", 'it%27s%28%2A%29%21'],
    ];
    for (const [value, encoded] of cases) {
      server.reset();
      const res = await vault.request('acme', 'GET', base(), { user: 'alice', pathParams: { owner: value, repo: 'r' } });
      expect(res.status).toBe(200);
      expect(server.requests[0]!.url).toBe(`/repos/${encoded}/r/issues`);
    }
  });

  it('refuses "." and ".." values, which would move up the path', async () => {
    for (const value of ['..', '.']) {
      const err = await failure(() => vault.request('acme', 'GET', base(), { user: 'alice', pathParams: { owner: value, repo: 'r' } }));
      expect(err).toBeInstanceOf(UrlTemplateError);
      expect(err.message).toContain('pathParams.owner');
    }
    expect(server.requests).toHaveLength(0);
  });

  it('names a placeholder without a value and a value without a placeholder', async () => {
    const missing = await failure(() => vault.request('acme', 'GET', base(), { user: 'alice', pathParams: { owner: 'o' } }));
    expect(missing).toBeInstanceOf(UrlTemplateError);
    expect(missing.message).toContain('{repo}');
    const unused = await failure(() =>
      vault.request('acme', 'GET', base(), { user: 'alice', pathParams: { owner: 'o', repo: 'r', extra: 'x' } }),
    );
    expect(unused).toBeInstanceOf(UrlTemplateError);
    expect(unused.message).toContain('pathParams.extra');
    const hostPlaceholder = await failure(() =>
      vault.request('acme', 'GET', 'http://{host}/x', { user: 'alice', pathParams: { host: '127.0.0.1' } }),
    );
    expect(hostPlaceholder).toBeInstanceOf(UrlTemplateError);
    expect(server.requests).toHaveLength(0);
    await failure(() => vault.request('acme', 'GET', `${server.origin}/{a}?api_key=leaky-key-123`, { user: 'alice' }));
    const rows = await vault.audit.query({});
    expect(rows).toHaveLength(4);
    expect(rows.every((r) => r.errorCode === 'ALTER_URL_TEMPLATE' && r.status === null)).toBe(true);
    expect(rows[0]!.url).toBe(`${server.origin}/%7Ba%7D?api_key=%5BREDACTED%5D`);
  });
});

describe('host allowlist', () => {
  it('refuses other hosts, other schemes and embedded credentials before sending', async () => {
    const refused = [
      `http://localhost:${server.port}/x`, // not in the allowlist (only 127.0.0.1)
      'https://evil.example/collect',
      `ftp://127.0.0.1:${server.port}/x`,
      `http://user:pw@127.0.0.1:${server.port}/x`,
    ];
    for (const url of refused) {
      const err = await failure(() => vault.request('acme', 'GET', url, { user: 'alice' }));
      expect(err).toBeInstanceOf(HostNotAllowedError);
    }
    expect(server.requests).toHaveLength(0);
    const rows = await vault.audit.query({});
    expect(rows.every((r) => r.errorCode === 'ALTER_HOST_NOT_ALLOWED' && r.status === null)).toBe(true);
    expect(rows).toHaveLength(4);
  });

  it('refuses plain http to loopback unless the provider allows it', async () => {
    const strict = new AlterVault({
      caller: 'e2e',
      providers: [loopbackProvider('acme', { allowInsecureLoopback: false })],
      store: tmp.file('strict.db'),
      encryptionKey: newKey(),
      logger: leak.logger,
    });
    await strict.grants.put({ user: 'alice', provider: 'acme', accessToken: token, scopes: [] });
    const err = await failure(() => strict.request('acme', 'GET', `${server.origin}/x`, { user: 'alice' }));
    expect(err).toBeInstanceOf(HostNotAllowedError);
    expect(err.message).toContain('https only');
    await strict.close();
    expect(server.requests).toHaveLength(0);
  });

  it('never follows a redirect to another host (the 3xx is returned as is)', async () => {
    const res = await vault.request('acme', 'GET', `${server.origin}/redirect-other`, { user: 'alice' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`${other.origin}/steal`);
    expect(other.requests).toHaveLength(0);
  });

  it('applies hostRewrites after the allowlist check and audits the original URL (secrets redacted)', async () => {
    const rewritten = new AlterVault({
      caller: 'e2e',
      providers: [
        loopbackProvider('gh', {
          allowedHosts: ['api.github.com'],
          allowInsecureLoopback: false,
          hostRewrites: { 'api.github.com': `${server.origin}/hosts/api.github.com` },
        }),
      ],
      store: tmp.file('rw.db'),
      encryptionKey: newKey(),
      logger: leak.logger,
    });
    await rewritten.grants.put({ user: 'alice', provider: 'gh', accessToken: token, scopes: [] });
    const res = await rewritten.request('gh', 'GET', 'https://api.github.com/repos/{o}/x', {
      user: 'alice',
      pathParams: { o: 'acme' },
      queryParams: { access_token: 'leaky-query-secret-1', page: '2' },
    });
    expect(res.status).toBe(200);
    expect(server.requests[0]!.url).toBe('/hosts/api.github.com/repos/acme/x?access_token=leaky-query-secret-1&page=2');
    const [row] = await rewritten.audit.query({});
    expect(row!.url).toBe('https://api.github.com/repos/acme/x?access_token=%5BREDACTED%5D&page=2');
    const other = await failure(() => rewritten.request('gh', 'GET', `${server.origin}/x`, { user: 'alice' }));
    expect(other).toBeInstanceOf(HostNotAllowedError);
    await rewritten.close();
  });
});

describe('timeouts and abort', () => {
  it('throws RequestTimeoutError after timeoutMs', async () => {
    const err = await failure(() => vault.request('acme', 'GET', `${server.origin}/slow`, { user: 'alice', timeoutMs: 100 }));
    expect(err).toBeInstanceOf(RequestTimeoutError);
    const [row] = await vault.audit.query({});
    expect(row!.errorCode).toBe('ALTER_REQUEST_TIMEOUT');
    expect(row!.status).toBeNull();
  });

  it('throws RequestAbortedError when the signal aborts (before or during the request)', async () => {
    const early = new AbortController();
    early.abort();
    expect(await failure(() => vault.request('acme', 'GET', `${server.origin}/x`, { user: 'alice', signal: early.signal }))).toBeInstanceOf(
      RequestAbortedError,
    );
    expect(server.requests).toHaveLength(0);
    const late = new AbortController();
    setTimeout(() => late.abort(), 50);
    expect(
      await failure(() => vault.request('acme', 'GET', `${server.origin}/slow`, { user: 'alice', signal: late.signal })),
    ).toBeInstanceOf(RequestAbortedError);
  });

  it('maps a network failure to ProviderHttpError without exposing the token', async () => {
    const closed = await startRecordingServer();
    const origin = closed.origin;
    await closed.close();
    const err = await failure(() => vault.request('acme', 'GET', `${origin}/x`, { user: 'alice' }));
    expect(err).toBeInstanceOf(ProviderHttpError);
    expect(inspect(err, { depth: 10 })).not.toContain(token);
  });
});

describe('grants and scopes', () => {
  it('GrantNotFoundError for an unknown user, revoked:true after revoke', async () => {
    const none = await failure(() => vault.request('acme', 'GET', `${server.origin}/x`, { user: 'bob' }));
    expect(none).toBeInstanceOf(GrantNotFoundError);
    expect((none as GrantNotFoundError).revoked).toBe(false);
    expect((await vault.grants.revoke({ user: 'alice', provider: 'acme' })).revoked).toBe(true);
    const revoked = await failure(() => vault.request('acme', 'GET', `${server.origin}/x`, { user: 'alice' }));
    expect((revoked as GrantNotFoundError).revoked).toBe(true);
    expect((revoked as GrantNotFoundError).code).toBe('ALTER_GRANT_REVOKED');
    expect(server.requests).toHaveLength(0);
  });

  it('selects the only account, asks which when there are several', async () => {
    const t2 = leak.secret(newToken('at2'), 'second token');
    await vault.grants.put({ user: 'alice', provider: 'acme', account: 'work', accessToken: t2, scopes: [] });
    const err = await failure(() => vault.request('acme', 'GET', `${server.origin}/x`, { user: 'alice' }));
    expect(err).toBeInstanceOf(AccountAmbiguousError);
    expect((err as AccountAmbiguousError).accounts).toEqual(['', 'work']);
    await vault.request('acme', 'GET', `${server.origin}/x`, { user: 'alice', account: 'work' });
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${t2}`);
  });

  it('refuses, before sending, a call needing scopes the grant lacks', async () => {
    const err = await failure(() =>
      vault.request('acme', 'GET', `${server.origin}/x`, { user: 'alice', scopes: ['read', 'admin', 'delete'] }),
    );
    expect(err).toBeInstanceOf(ScopeReauthRequiredError);
    expect((err as ScopeReauthRequiredError).missingScopes).toEqual(['admin', 'delete']);
    expect(server.requests).toHaveLength(0);
    await vault.request('acme', 'GET', `${server.origin}/x`, { user: 'alice', scopes: ['read'] });
    expect(server.requests).toHaveLength(1);
  });

  it('uses a replaced token at once (grants.put invalidates the cache)', async () => {
    await vault.request('acme', 'GET', `${server.origin}/x`, { user: 'alice' });
    const t2 = leak.secret(newToken('at-new'), 'replacement token');
    await vault.grants.put({ user: 'alice', provider: 'acme', accessToken: t2, scopes: ['read'] });
    await vault.request('acme', 'GET', `${server.origin}/x`, { user: 'alice' });
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${token}`, `Bearer ${t2}`]);
  });
});

describe('arguments and configuration', () => {
  it('names the bad argument', async () => {
    const bad: Array<[() => Promise<unknown>, string]> = [
      [() => vault.request('acme', 'GET', `${server.origin}/x`, {} as never), 'options.user'],
      [() => vault.request('acme', 'FETCH', `${server.origin}/x`, { user: 'alice' }), 'method'],
      [() => vault.request('acme', 'GET', '', { user: 'alice' }), 'url'],
      [() => vault.request('acme', 'GET', 'not a url', { user: 'alice' }), 'url'],
      [() => vault.request('acme', 'GET', `${server.origin}/x`, { user: 'alice', timeoutMs: -1 }), 'options.timeoutMs'],
      [() => vault.request('acme', 'GET', `${server.origin}/x`, { user: 'alice', json: {}, body: 'x' }), 'options.body'],
      [() => vault.request('acme', 'GET', `${server.origin}/x`, { user: 'alice', scopes: 'read' as never }), 'options.scopes'],
      [() => vault.grants.put({ user: 'alice', provider: 'acme', accessToken: '', scopes: [] }), 'input.accessToken'],
      [() => vault.grants.put({ user: 'alice', provider: 'acme', accessToken: 'x', scopes: 'a' as never }), 'input.scopes'],
      [() => vault.grants.list({ user: 3 as never }), 'filter.user'],
    ];
    for (const [call, argument] of bad) {
      const err = await failure(call);
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as InvalidArgumentError).argument).toBe(argument);
    }
    expect(server.requests).toHaveLength(0);
  });

  it('names the known providers for an unknown one, and refuses duplicate ids', async () => {
    const err = await failure(() => vault.request('nope', 'GET', `${server.origin}/x`, { user: 'alice' }));
    expect(err).toBeInstanceOf(VaultConfigError);
    expect(err.message).toContain('acme');
    expect(
      () =>
        new AlterVault({
          caller: 'x',
          providers: [loopbackProvider('a'), loopbackProvider('a')],
          store: tmp.file('d.db'),
          encryptionKey: newKey(),
        }),
    ).toThrow(VaultConfigError);
    expect(() => new AlterVault({ caller: '', providers: [], store: tmp.file('d.db'), encryptionKey: newKey() })).toThrow(
      InvalidArgumentError,
    );
  });

  it('shows no secret in inspect/JSON of the vault, its store, responses and grant infos', async () => {
    const res = await vault.request('acme', 'GET', `${server.origin}/x`, { user: 'alice' });
    const views = [
      inspect(vault, { depth: 20, showHidden: true }),
      JSON.stringify(vault),
      inspect(res, { depth: 20, showHidden: true }),
      JSON.stringify(res),
    ];
    const info = await vault.grants.get({ user: 'alice', provider: 'acme' });
    views.push(inspect(info, { depth: 20, showHidden: true }), JSON.stringify(info));
    for (const v of views) {
      expect(v).not.toContain(token);
      expect(v).not.toContain(refresh);
    }
    expect(Object.keys(info!).sort()).toEqual([
      'account',
      'createdAt',
      'expiresAt',
      'id',
      'provider',
      'scopes',
      'status',
      'updatedAt',
      'user',
    ]);
  });
});

describe('graceful shutdown', () => {
  it('close() waits for in-flight requests and writes every audit row', async () => {
    const key = newKey();
    const file = tmp.file('shutdown.db');
    const v = new AlterVault({
      caller: 'e2e',
      providers: [loopbackProvider('acme')],
      store: file,
      encryptionKey: key,
      logger: leak.logger,
    });
    await v.grants.put({ user: 'alice', provider: 'acme', accessToken: token, scopes: [] });
    const calls = Array.from({ length: 50 }, (_, i) => v.request('acme', 'GET', `${server.origin}/n/${i}`, { user: 'alice' }));
    await v.close();
    expect((await Promise.all(calls)).every((r) => r.status === 200)).toBe(true);
    await expect(v.request('acme', 'GET', `${server.origin}/late`, { user: 'alice' })).rejects.toBeInstanceOf(VaultConfigError);
    const check = new AlterVault({
      caller: 'e2e',
      providers: [loopbackProvider('acme')],
      store: file,
      encryptionKey: key,
      logger: leak.logger,
    });
    expect(await check.audit.verify()).toMatchObject({ ok: true, checked: 50 });
    await check.close();
  });
});

describe('audit context', () => {
  it('tags requests with the tool, its parent and the chain', async () => {
    await vault.withAuditContext({ tool: 'summarize_inbox', callId: 'c-1' }, async () => {
      expect(vault.currentAuditContext()).toEqual({
        tool: 'summarize_inbox',
        declaredTool: 'summarize_inbox',
        parentTool: null,
        chain: ['summarize_inbox'],
        callId: 'c-1',
      });
      await vault.request('acme', 'GET', `${server.origin}/outer`, { user: 'alice', reason: 'outer' });
      await vault.withAuditContext({ tool: 'list_emails' }, () =>
        vault.request('acme', 'GET', `${server.origin}/inner`, { user: 'alice' }),
      );
    });
    expect(vault.currentAuditContext()).toBeUndefined();
    const rows = await vault.audit.query({ user: 'alice' });
    const inner = rows.find((r) => r.url.endsWith('/inner'))!;
    const outer = rows.find((r) => r.url.endsWith('/outer'))!;
    expect(outer).toMatchObject({
      tool: 'summarize_inbox',
      parentTool: null,
      chain: ['summarize_inbox'],
      callId: 'c-1',
      reason: 'outer',
      status: 200,
      caller: 'e2e',
      provider: 'acme',
      method: 'GET',
    });
    expect(inner).toMatchObject({
      tool: 'list_emails',
      parentTool: 'summarize_inbox',
      chain: ['summarize_inbox', 'list_emails'],
      callId: 'c-1',
    });
    expect((await vault.audit.query({ tool: 'list_emails' })).map((r) => r.id)).toEqual([inner.id]);
  });
});
