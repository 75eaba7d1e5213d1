/**
 * vault.request() refuses an option key it does not know (InvalidArgumentError naming the key and
 * the option it most likely means) before anything is sent: `{ query }` for `queryParams` used to
 * send the request without its filter, `{ headers }` without its headers. A real recording HTTP
 * server on 127.0.0.1 and a real SQLite file; the leak check sees every error and audit row.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createLeakCheck, type LeakCheck } from '@alter/testing';
import { AlterVault, InvalidArgumentError } from '@alter/vault';
import { loopbackProvider, newKey, newToken, tempDir, type TempDir } from './support/fixtures.js';
import { type RecordingServer, startRecordingServer } from './support/recording-server.js';

let server: RecordingServer;
let tmp: TempDir;
let vault: AlterVault;
let leak: LeakCheck;

beforeAll(async () => {
  server = await startRecordingServer();
});

afterAll(async () => {
  await server.close();
});

beforeEach(async () => {
  tmp = tempDir();
  leak = createLeakCheck();
  const token = leak.secret(newToken('at'), 'access token');
  vault = new AlterVault({
    caller: 'request-options',
    providers: [loopbackProvider('acme')],
    store: tmp.file('vault.db'),
    encryptionKey: leak.secret(newKey(), 'encryption key'),
    logger: leak.logger,
  });
  await vault.grants.put({ user: 'alice', provider: 'acme', accessToken: token, scopes: ['read'] });
  server.reset();
});

afterEach(async () => {
  await vault.audit.flush();
  leak.inspect(await vault.audit.query({ limit: 1000 }), 'audit rows');
  await vault.close();
  tmp.remove();
  leak.assertClean();
});

/** The error `vault.request()` rejects with for `options` (fed to the leak check). */
async function refusal(options: Record<string, unknown>): Promise<InvalidArgumentError> {
  try {
    await vault.request('acme', 'GET', `${server.origin}/v1/items`, options as never);
  } catch (err) {
    leak.inspect(err, 'thrown error');
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return err as InvalidArgumentError;
  }
  throw new Error('expected vault.request() to refuse the options');
}

describe('vault.request() option keys', () => {
  it.each([
    ['query', 'queryParams'],
    ['params', 'queryParams'],
    ['headers', 'extraHeaders'],
    ['data', 'json'],
    ['timeout', 'timeoutMs'],
    ['queryparams', 'queryParams'],
    ['pathparams', 'pathParams'],
    ['acount', 'account'],
  ])('%s: refused with "did you mean %s?", nothing sent, no audit row', async (key, meant) => {
    const err = await refusal({ user: 'alice', [key]: { q: 'x' } });
    expect(err.argument).toBe(`options.${key}`);
    expect(err.message).toContain(`did you mean ${meant}?`);
    expect(err.message).toContain('expected one of user, account, json, body, queryParams');
    expect(server.requests).toHaveLength(0);
    await vault.audit.flush();
    expect(await vault.audit.query({ limit: 10 })).toHaveLength(0);
  });

  it('a key like no option gets no hint, only the list', async () => {
    const err = await refusal({ user: 'alice', frobnicate: 1 });
    expect(err.message).not.toContain('did you mean');
    expect(err.message).toContain('unknown option; expected one of');
  });

  it('every known option is accepted, and the request is sent with them', async () => {
    const res = await vault.request('acme', 'GET', `${server.origin}/v1/items/{id}`, {
      user: 'alice',
      pathParams: { id: 7 },
      queryParams: { q: 'x' },
      extraHeaders: { 'X-Trace': 't-1' },
      reason: 'test',
      timeoutMs: 5_000,
      maxResponseBytes: 1_000_000,
      scopes: ['read'],
      scopeErrors: 'return',
      signal: new AbortController().signal,
      account: undefined,
      json: undefined,
      body: undefined,
      endpoints: undefined,
      approval: undefined,
      approvalAsker: undefined,
    });
    expect(res.status).toBe(200);
    expect(server.requests.map((r) => r.url)).toEqual(['/v1/items/7?q=x']);
  });

  it('only own keys count: an inherited enumerable key is not an option (as before)', async () => {
    const options = Object.create({ inherited: true }) as Record<string, unknown>;
    options.user = 'alice';
    const res = await vault.request('acme', 'GET', `${server.origin}/v1/items`, options as never);
    expect(res.status).toBe(200);
  });
});
