/**
 * Egress framing (Trust I, finding 4): the vault alone frames the requests it sends. Real HTTP on
 * 127.0.0.1 through the vault's real axios instance and Node's keep-alive agent, a real SQLite
 * file, and the leak check on every token.
 *
 * The attack: requests of different users to one provider share keep-alive sockets. A caller-set
 * `Content-Length: 1` with a longer body leaves the rest of the body on the socket; the server
 * reads it as the start of the next request — which is the next user's, Bearer token included.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createLeakCheck, type LeakCheck } from '@alter/testing';
import { AlterVault, defineProvider, HeaderNotAllowedError, HostNotAllowedError, InvalidArgumentError, isAlterError } from '@alter/vault';
import { loopbackProvider, newKey, newToken, tempDir, type TempDir } from './support/fixtures.js';
import { type Seen, type SocketServer, startSocketServer } from './support/socket-server.js';

let server: SocketServer;
let other: SocketServer;
let tmp: TempDir;
let leak: LeakCheck;
let vault: AlterVault;
let mallory: string;
let bob: string;

beforeAll(async () => {
  server = await startSocketServer();
  other = await startSocketServer();
});

afterAll(async () => {
  await server.close();
  await other.close();
});

beforeEach(async () => {
  tmp = tempDir('alter-egress');
  leak = createLeakCheck();
  mallory = leak.secret(newToken('at-mallory'), "mallory's access token");
  bob = leak.secret(newToken('at-bob'), "bob's access token");
  vault = new AlterVault({
    caller: 'egress',
    providers: [
      loopbackProvider('acme', { allowedHosts: [`127.0.0.1:${server.port}`] }),
      // Only the recording server's port: another port on the same host is not the provider.
      loopbackProvider('pinned', { allowedHosts: [`127.0.0.1:${server.port}`] }),
      // Like providers.sandbox(): the real API host on https, rewritten to the loopback fake.
      defineProvider({
        ...loopbackProvider('gh', { allowInsecureLoopback: false }),
        allowedHosts: ['api.github.com', 'uploads.github.com:8443'],
        hostRewrites: { 'api.github.com': server.origin, 'api.github.com:8443': server.origin, 'uploads.github.com:8443': server.origin },
      }),
    ],
    store: tmp.file('vault.db'),
    encryptionKey: leak.secret(newKey(), 'encryption key'),
    logger: leak.logger,
    http: { timeoutMs: 10_000 },
  });
  for (const provider of ['acme', 'pinned', 'gh']) {
    await vault.grants.put({ user: 'mallory', provider, accessToken: mallory, scopes: [] });
    await vault.grants.put({ user: 'bob', provider, accessToken: bob, scopes: [] });
  }
  server.seen.length = 0;
  other.seen.length = 0;
});

afterEach(async () => {
  leak.inspect(await vault.audit.query({ limit: 1000 }), 'audit rows');
  leak.inspect(vault, 'vault');
  await vault.close();
  tmp.remove();
  leak.assertClean();
});

/** Runs fn expecting a throw; feeds the error to the leak check and returns it. */
async function failure(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    const res = await fn();
    leak.inspect(res, 'unexpected response');
  } catch (err) {
    leak.inspect(err, 'thrown error');
    return err;
  }
  return undefined;
}

/** What the server saw, with the two users' tokens named instead of shown. */
function described(seen: readonly Seen[]): string[] {
  const name = (text: string) => text.split(bob).join("<bob's token>").split(mallory).join("<mallory's token>");
  return seen.map((r) =>
    name(
      `#${r.socket} ${r.method} ${r.url} auth=${String(r.headers.authorization)} host=${String(r.headers.host)} body=${JSON.stringify(r.body)}`,
    ),
  );
}

describe('request smuggling over a shared keep-alive socket', () => {
  it("refuses a caller-set Content-Length, so the next user's request (and token) is never swallowed", async () => {
    // Mallory's own request first: it opens the keep-alive socket every later request reuses.
    await vault.request('acme', 'GET', `${server.origin}/warmup`, { user: 'mallory' });
    // The body after the first byte is a request line and an unterminated header: the next
    // request on the socket (bob's) becomes that header's value and its headers, token included.
    const smuggled = 'GET /capture HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Swallowed: ';
    const attack = await failure(() =>
      vault.request('acme', 'POST', `${server.origin}/upload`, {
        user: 'mallory',
        body: `x${smuggled}`,
        extraHeaders: { 'Content-Length': '1' },
      }),
    );
    const victim = await vault.request('acme', 'GET', `${server.origin}/v1/inbox`, { user: 'bob' });
    leak.inspect(victim, "bob's response");

    // Nothing reached the server as /capture, and bob's token arrived only on bob's own request.
    expect(described(server.seen.filter((r) => r.url === '/capture'))).toEqual([]);
    expect(described(server.seen)).toEqual([
      `#1 GET /warmup auth=Bearer <mallory's token> host=127.0.0.1:${server.port} body=""`,
      `#1 GET /v1/inbox auth=Bearer <bob's token> host=127.0.0.1:${server.port} body=""`,
    ]);
    expect(victim.json()).toEqual({ path: '/v1/inbox' });
    expect(attack).toBeInstanceOf(HeaderNotAllowedError);
    expect(attack).toMatchObject({ code: 'ALTER_HEADER_NOT_ALLOWED', header: 'Content-Length' });
    expect((attack as Error).message).toContain('Content-Length');
    expect(isAlterError(attack)).toBe(true);
  });

  it('refuses a Host override (the request would reach another virtual host with the token)', async () => {
    const errors: unknown[] = [];
    for (const name of ['Host', 'host', 'HOST']) {
      errors.push(
        await failure(() =>
          vault.request('acme', 'GET', `${server.origin}/v1/me`, { user: 'bob', extraHeaders: { [name]: 'admin.internal.example' } }),
        ),
      );
    }
    expect(described(server.seen)).toEqual([]);
    expect(errors.map((e) => (e instanceof HeaderNotAllowedError ? e.header : e))).toEqual(['Host', 'host', 'HOST']);
  });

  it.each([
    'Content-Length',
    'content-length',
    'Transfer-Encoding',
    'TRANSFER-ENCODING',
    'Connection',
    'Keep-Alive',
    'Upgrade',
    'TE',
    'Trailer',
    'Host',
    'Expect',
    'Proxy-Authorization',
    'Proxy-Connection',
    'proxy-anything',
    'Authorization',
    // A POST that deletes at APIs honouring these, while policy, endpoints, approvals and audit see a POST.
    'X-HTTP-Method-Override',
    'x-http-method',
    'X-Method-Override',
  ])('refuses %s in extraHeaders before any token is read, sending nothing', async (name) => {
    // "nobody" has no grant: reading a token would fail with GrantNotFoundError instead.
    const err = await failure(() =>
      vault.request('acme', 'POST', `${server.origin}/v1/items`, { user: 'nobody', body: 'x', extraHeaders: { [name]: '1' } }),
    );
    expect(err).toBeInstanceOf(HeaderNotAllowedError);
    expect(err).toMatchObject({ code: 'ALTER_HEADER_NOT_ALLOWED', header: name, argument: `options.extraHeaders.${name}` });
    expect((err as Error).message).toContain(name);
    expect(described(server.seen)).toEqual([]);
  });

  it.each([
    ['a header name with CR/LF', { 'X-A\r\nX-Injected': 'v' }, '"X-A\\r\\nX-Injected"'],
    ['a header name with a space', { 'X A': 'v' }, '"X A"'],
    ['a header name with a colon', { 'X-A:': 'v' }, '"X-A:"'],
    ['an empty header name', { '': 'v' }, '""'],
    ['a value with CR/LF', { 'X-Trace': 'v\r\nContent-Length: 1' }, 'X-Trace'],
    ['a value with LF only', { 'X-Trace': 'v\nHost: evil' }, 'X-Trace'],
    ['a value with NUL', { 'X-Trace': 'v\0' }, 'X-Trace'],
    ['a value with another control character', { 'X-Trace': 'v\x1b[31m' }, 'X-Trace'],
    ['a non-string value', { 'X-Trace': 5 as unknown as string }, 'X-Trace'],
    ['one name twice in different case', { 'X-Trace': 'a', 'x-trace': 'b' }, 'x-trace'],
  ])('refuses %s, naming the header', async (_what, extraHeaders, header) => {
    const err = await failure(() => vault.request('acme', 'GET', `${server.origin}/v1/me`, { user: 'nobody', extraHeaders }));
    expect(err).toBeInstanceOf(HeaderNotAllowedError);
    expect(err).toMatchObject({ header });
    expect(described(server.seen)).toEqual([]);
  });

  it('still sends ordinary extra headers, and replaces the JSON content type when asked', async () => {
    await vault.request('acme', 'POST', `${server.origin}/v1/items`, {
      user: 'bob',
      json: { a: 1 },
      extraHeaders: {
        Accept: 'application/vnd.github+json',
        'X-GitHub-Api-Version': '2022-11-28',
        'Content-Type': 'application/json; charset=utf-8',
      },
    });
    expect(server.seen).toHaveLength(1);
    expect(server.seen[0]!.headers).toMatchObject({
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'content-type': 'application/json; charset=utf-8',
      'content-length': '7',
      host: `127.0.0.1:${server.port}`,
    });
    expect(server.seen[0]!.body).toBe('{"a":1}');
  });
});

describe('allowlist ports', () => {
  it('refuses another port of an allowlisted host, and allows the listed port', async () => {
    const err = await failure(() => vault.request('pinned', 'GET', `${other.origin}/v1/me`, { user: 'bob' }));
    expect(err).toBeInstanceOf(HostNotAllowedError);
    expect((err as Error).message).toContain(`Port ${other.port}`);
    expect((err as Error).message).toContain(`127.0.0.1:${other.port}`);
    expect(described(other.seen)).toEqual([]);

    const res = await vault.request('pinned', 'GET', `${server.origin}/v1/me`, { user: 'bob' });
    expect(res.json()).toEqual({ path: '/v1/me' });
  });

  it('allows only 443 for an https entry without a port (the sandbox rewrite keeps working)', async () => {
    const ok = await vault.request('gh', 'GET', 'https://api.github.com/user', { user: 'bob' });
    expect(ok.json()).toEqual({ path: '/user' });
    const explicit = await vault.request('gh', 'GET', 'https://api.github.com:443/user', { user: 'bob' });
    expect(explicit.json()).toEqual({ path: '/user' });
    expect(described(server.seen)).toHaveLength(2);

    for (const url of [
      'https://api.github.com:8443/user',
      'https://api.github.com:80/user',
      'https://uploads.github.com/x',
      'https://uploads.github.com:9443/x',
    ]) {
      const err = await failure(() => vault.request('gh', 'GET', url, { user: 'bob' }));
      expect(err).toBeInstanceOf(HostNotAllowedError);
    }
    expect(described(server.seen)).toHaveLength(2);

    const listed = await vault.request('gh', 'GET', 'https://uploads.github.com:8443/x', { user: 'bob' });
    expect(listed.json()).toEqual({ path: '/x' });
  });

  it('refuses a loopback entry without a port on an ephemeral port (":*" must be explicit)', async () => {
    const plain = new AlterVault({
      caller: 'egress',
      providers: [loopbackProvider('plain', { allowedHosts: ['127.0.0.1'] })],
      store: tmp.file('plain.db'),
      encryptionKey: newKey(),
      logger: leak.logger,
    });
    try {
      await plain.grants.put({ user: 'bob', provider: 'plain', accessToken: bob, scopes: [] });
      const err = await failure(() => plain.request('plain', 'GET', `${server.origin}/v1/me`, { user: 'bob' }));
      expect(err).toBeInstanceOf(HostNotAllowedError);
      expect((err as Error).message).toContain('allows only 80 for http');
      expect(described(server.seen)).toEqual([]);
    } finally {
      await plain.close();
    }
  });

  it.each([
    [['api.example.com:*'], /loopback hosts/],
    [['api.example.com:0'], /between 1 and 65535/],
    [['api.example.com:70000'], /between 1 and 65535/],
    [['https://api.example.com'], /no scheme, path or credentials/],
    [['api.example.com/v1'], /no scheme, path or credentials/],
    [['user@api.example.com'], /no scheme, path or credentials/],
  ])('refuses the allowlist entry %j when the provider is defined', (allowedHosts, message) => {
    expect(() => defineProvider(loopbackProvider('bad', { allowedHosts }))).toThrow(InvalidArgumentError);
    expect(() => defineProvider(loopbackProvider('bad', { allowedHosts }))).toThrow(message);
  });

  it('accepts port entries, [ipv6] entries and the loopback any-port entry', () => {
    for (const allowedHosts of [
      ['api.example.com:8443'],
      ['*.example.com:8443'],
      ['[::1]:*'],
      ['localhost:*'],
      ['127.0.0.1:*'],
      ['[2001:db8::1]'],
    ]) {
      expect(() => defineProvider(loopbackProvider('ok', { allowedHosts }))).not.toThrow();
    }
  });
});
