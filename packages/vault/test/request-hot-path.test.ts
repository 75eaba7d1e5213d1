/**
 * Work the request path must NOT repeat per request (counts, never time; docs/performance.md):
 * a cached token needs no second timer (the store wait is only bounded when the store is asked),
 * the SQLite audit append prepares its statements once per connection, and a call's secret
 * tracking builds the token's redaction forms once per cached lease, not per call. Real parts: a
 * recording HTTP server on 127.0.0.1, a real SQLite file, the real pipeline.
 */
import { AsyncLocalStorage, createHook } from 'node:async_hooks';
import { getEventListeners } from 'node:events';
import { createLeakCheck, type LeakCheck } from '@alter/testing';
import { AlterVault, VaultResponse } from '@alter/vault';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import Database from 'better-sqlite3';
import { CALLER_ABORT_POLL_MS, callerAbortWatchRunning } from '../src/internal/caller-abort-watch.js';
import { providerHttpClient } from '../src/internal/provider-http-client.js';
import { CallSecrets, currentCallSecrets, noteCallSecret, REDACTED, withCallSecrets } from '../src/call-secrets.js';
import { loopbackProvider, newKey, newToken, type TempDir, tempDir } from './support/fixtures.js';
import { type RecordingServer, startRecordingServer } from './support/recording-server.js';

/** A timeout no other timer in this process uses, so the vault's request timers can be told apart. */
const TIMEOUT_MS = 29_871;
const REQUESTS = 20;

let server: RecordingServer;
let tmp: TempDir;
let vault: AlterVault;
let leak: LeakCheck;
let token: string;
let restoreConsole: () => void;

beforeAll(async () => {
  server = await startRecordingServer();
});

afterAll(async () => {
  await server.close();
});

beforeEach(async () => {
  tmp = tempDir();
  leak = createLeakCheck();
  restoreConsole = leak.captureConsole();
  token = leak.secret(newToken('at'), 'access token');
  vault = new AlterVault({
    caller: 'hot-path',
    providers: [loopbackProvider('acme')],
    store: tmp.file('vault.db'),
    encryptionKey: leak.secret(newKey(), 'encryption key'),
    logger: leak.logger,
    // 'sync': every request waits for its own row, so each test's appends happen inside it.
    audit: { durability: 'sync' },
    http: { timeoutMs: TIMEOUT_MS },
  });
  await vault.grants.put({ user: 'alice', provider: 'acme', accessToken: token, scopes: ['read'] });
  server.reset();
});

afterEach(async () => {
  leak.inspect(await vault.audit.query({ limit: 1000 }), 'audit rows');
  await vault.close();
  restoreConsole();
  tmp.remove();
  leak.assertClean();
});

/** Routes `path` to a provider that takes the request and never answers; resolves when a request has arrived there. */
function routeStuck(path: string): Promise<void> {
  return new Promise<void>((arrived) => {
    server.route(path, () => {
      arrived();
      return new Promise<void>(() => {});
    });
  });
}

const get = (i: number) => vault.request('acme', 'GET', `${server.origin}/v1/items/{id}`, { user: 'alice', pathParams: { id: String(i) } });

describe('the request path', () => {
  it('arms one timer per request with a cached token (the exchange timeout), none for a store wait', async () => {
    await get(0); // the token is read from the store once and cached
    const armed: number[] = [];
    const hook = createHook({
      init(_id, type, _trigger, resource) {
        const delay = (resource as { _idleTimeout?: unknown })._idleTimeout;
        // The exchange timer runs TIMEOUT_MS; a store-wait timer runs what is left of it.
        if (type === 'Timeout' && typeof delay === 'number' && delay > TIMEOUT_MS - 5_000 && delay <= TIMEOUT_MS) armed.push(delay);
      },
    });
    hook.enable();
    try {
      for (let i = 1; i <= REQUESTS; i++) expect((await get(i)).status).toBe(200);
    } finally {
      hook.disable();
    }
    expect(armed).toHaveLength(REQUESTS);
    expect(server.requests.at(-1)?.headers.authorization).toBe(`Bearer ${token}`);
  });

  it("reads the caller's AbortSignal through AbortSignal.prototype, never its own properties (Node 20: one hidden class per signal)", async () => {
    // Own properties that shadow the prototype's: a read of `signal.aborted` or a call of
    // `signal.addEventListener` on the instance (an inline-cache miss per read on Node 20, where
    // every AbortSignal has its own hidden class) would throw here.
    const trapped = (signal: AbortSignal): AbortSignal => {
      for (const name of ['aborted', 'reason', 'addEventListener', 'removeEventListener', 'throwIfAborted']) {
        Object.defineProperty(signal, name, {
          get() {
            throw new Error(`read signal.${name} on the instance`);
          },
        });
      }
      return signal;
    };
    await get(0);
    const live = new AbortController();
    const res = await vault.request('acme', 'GET', `${server.origin}/v1/items/1`, { user: 'alice', signal: trapped(live.signal) });
    expect(res.status).toBe(200);
    // The same reads still see the signal's state: an aborted signal refuses, and aborting one
    // while the provider is slow ends the exchange.
    const done = new AbortController();
    done.abort();
    await expect(
      vault.request('acme', 'GET', `${server.origin}/v1/items/2`, { user: 'alice', signal: trapped(done.signal) }),
    ).rejects.toMatchObject({
      code: 'ALTER_REQUEST_ABORTED',
    });
    // A provider that has the request and never answers: only the abort can end the exchange.
    const atProvider = routeStuck('/v1/stuck');
    const later = new AbortController();
    const pending = vault.request('acme', 'GET', `${server.origin}/v1/stuck`, { user: 'alice', signal: trapped(later.signal) });
    await atProvider;
    later.abort();
    await expect(pending).rejects.toMatchObject({ code: 'ALTER_REQUEST_ABORTED' });
  });

  it('makes no AbortSignal per request once an exchange controller is idle (Node 20: ≈ 4 µs each), and an abort still ends only its own exchange', async () => {
    await get(0);
    const Original = globalThis.AbortController;
    let made = 0;
    globalThis.AbortController = class Counted extends Original {
      constructor() {
        super();
        made += 1;
      }
    };
    try {
      for (let i = 1; i <= REQUESTS; i++) expect((await get(i)).status).toBe(200);
    } finally {
      globalThis.AbortController = Original;
    }
    // Before: one controller (and one signal) per request, 20.
    expect(made).toBeLessThanOrEqual(2);
    // An exchange ended by its caller's abort gives no aborted signal to the next ones.
    server.route('/v1/slow', () => new Promise<void>(() => {}));
    const caller = new AbortController();
    const slow = vault.request('acme', 'GET', `${server.origin}/v1/slow`, { user: 'alice', signal: caller.signal });
    const concurrent = Promise.all([get(100), get(101)]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    caller.abort();
    await expect(slow).rejects.toMatchObject({ code: 'ALTER_REQUEST_ABORTED' });
    expect((await concurrent).map((r) => r.status)).toEqual([200, 200]);
    for (let i = 0; i < 3; i++) expect((await get(200 + i)).status).toBe(200);
  });

  it("adds no listener to the caller's AbortSignal (Node 20: ≈ 3 µs for a fresh signal): one shared timer watches it, and stops when nothing is in flight", async () => {
    await get(0);
    const atProvider = routeStuck('/v1/stuck');
    const caller = new AbortController();
    const pending = vault.request('acme', 'GET', `${server.origin}/v1/stuck`, { user: 'alice', signal: caller.signal });
    await atProvider;
    let listeners: number;
    let watching: boolean;
    try {
      listeners = getEventListeners(caller.signal, 'abort').length;
      watching = callerAbortWatchRunning();
    } finally {
      caller.abort();
    }
    await expect(pending).rejects.toMatchObject({ code: 'ALTER_REQUEST_ABORTED' });
    // Before: one 'abort' listener on the caller's signal for the whole exchange.
    expect(listeners).toBe(0);
    expect(watching).toBe(true);
    // A later request with a live signal is not touched by the earlier abort.
    const live = new AbortController();
    expect((await vault.request('acme', 'GET', `${server.origin}/v1/items/1`, { user: 'alice', signal: live.signal })).status).toBe(200);
    // The timer stops at the first tick that finds no exchange in flight.
    for (let i = 0; i < 100 && callerAbortWatchRunning(); i++) await new Promise((resolve) => setTimeout(resolve, CALLER_ABORT_POLL_MS));
    expect(callerAbortWatchRunning()).toBe(false);
  });

  it('sends with the loaded HTTP client itself, not a promise of it to await on every request', async () => {
    await get(0); // loads axios
    const client = providerHttpClient();
    expect(client).not.toBeInstanceOf(Promise);
    expect(providerHttpClient()).toBe(client);
    expect((await get(1)).status).toBe(200);
  });

  it('prepares no SQLite statement per audit append once the connection has its statements', async () => {
    await get(0);
    const prepare = jest.spyOn(Database.prototype, 'prepare');
    try {
      for (let i = 1; i <= REQUESTS; i++) await get(i);
      // 'sync' durability: each request's row was appended (committed) before request() returned.
      expect(prepare.mock.calls.map((c) => String(c[0]).slice(0, 60))).toEqual([]);
    } finally {
      prepare.mockRestore();
    }
    const verified = await vault.audit.verify();
    expect(verified.ok).toBe(true);
    expect(await vault.audit.query({ limit: 1000 })).toHaveLength(REQUESTS + 1);
  });

  it('copies no response header for a request whose caller reads none (the default scope check reads headers only on errors)', async () => {
    await get(0);
    const reads = jest.spyOn(VaultResponse.prototype, 'headers', 'get');
    let responses: VaultResponse[];
    try {
      responses = [];
      for (let i = 1; i <= REQUESTS; i++) responses.push(await get(i));
      expect(reads).toHaveBeenCalledTimes(0);
    } finally {
      reads.mockRestore();
    }
    // Read later, they are the response's headers: lower-cased, frozen, the same object each time.
    const headers = responses[0]!.headers;
    expect(headers['content-type']).toMatch(/json/);
    expect(Object.isFrozen(headers)).toBe(true);
    expect(responses[0]!.headers).toBe(headers);
    expect(Object.keys(headers).every((k) => k === k.toLowerCase())).toBe(true);
  });

  it("builds a cached token's redaction forms once, not once per call, and every call still redacts it", async () => {
    await get(0);
    const encoded: string[] = [];
    const from = Buffer.from.bind(Buffer) as (value: string) => Buffer;
    const spy = jest.spyOn(Buffer, 'from').mockImplementation(((value: unknown, ...rest: unknown[]) => {
      if (value === token || value === `Bearer ${token}`) encoded.push('token form');
      return (from as (...args: unknown[]) => Buffer)(value, ...rest);
    }) as typeof Buffer.from);
    const calls: CallSecrets[] = [];
    try {
      for (let i = 1; i <= REQUESTS; i++) {
        const secrets = new CallSecrets();
        calls.push(secrets);
        await withCallSecrets(secrets, () => get(i));
      }
    } finally {
      spy.mockRestore();
    }
    // base64 of the token and of `Bearer <token>`: built for the first call only (4 encodings).
    expect(encoded.length).toBeLessThanOrEqual(4);
    for (const secrets of calls) {
      expect(secrets.redactText(`leaked ${token}`)).toBe(`leaked ${REDACTED}`);
      expect(secrets.redactText(Buffer.from(`Bearer ${token}`).toString('base64'))).toMatch(/^\[redacted\]=*$/);
    }
  });
});

/**
 * How many AsyncLocalStorage propagations 100 promises cost, and which storages ran them. Node 20
 * propagates every entered, not disabled AsyncLocalStorage on every new promise (an async_hooks
 * init hook, `AsyncLocalStorage.prototype._propagate`); Node versions that carry contexts without
 * hooks have no such method and no such cost (0 here). Jest has a storage of its own.
 */
async function propagationsOf100Promises(): Promise<{ count: number; storages: Set<unknown> }> {
  const proto = AsyncLocalStorage.prototype as unknown as Record<string, unknown>;
  if (typeof proto._propagate !== 'function') return { count: 0, storages: new Set() };
  const spy = jest.spyOn(proto as { _propagate: () => void }, '_propagate');
  try {
    for (let i = 0; i < 100; i++) await new Promise<void>((resolve) => resolve());
    return { count: spy.mock.calls.length, storages: new Set(spy.mock.contexts) };
  } finally {
    spy.mockRestore();
  }
}

async function propagationsPer100Promises(): Promise<number> {
  return (await propagationsOf100Promises()).count;
}

describe('the async context of a call', () => {
  it('costs each promise one propagation, however many vaults and trackers it is inside (one AsyncLocalStorage)', async () => {
    const second = new AlterVault({
      caller: 'second',
      providers: [loopbackProvider('acme')],
      store: tmp.file('second.db'),
      encryptionKey: leak.secret(newKey(), 'encryption key'),
      logger: leak.logger,
    });
    const secrets = new CallSecrets();
    try {
      const outside = await propagationsOf100Promises();
      let inside = outside;
      await withCallSecrets(secrets, () =>
        vault.withAuditContext({ tool: 'outer_tool', callId: 'call-1' }, () =>
          second.withAuditContext({ tool: 'other_vault_tool' }, async () => {
            inside = await propagationsOf100Promises();
            // Each vault sees only its own contexts; the tracker is the call's.
            expect(vault.currentAuditContext()).toEqual({
              tool: 'outer_tool',
              declaredTool: 'outer_tool',
              parentTool: null,
              chain: ['outer_tool'],
              callId: 'call-1',
            });
            expect(second.currentAuditContext()).toEqual({
              tool: 'other_vault_tool',
              declaredTool: 'other_vault_tool',
              parentTool: null,
              chain: ['other_vault_tool'],
              callId: null,
            });
            expect(currentCallSecrets()).toBe(secrets);
          }),
        ),
      );
      // At most one storage more than outside any call (ours, if it was not enabled already): a
      // storage per vault and one for the tracker made it three.
      const added = [...inside.storages].filter((storage) => !outside.storages.has(storage));
      expect(added.length).toBeLessThanOrEqual(1);
    } finally {
      await second.close();
    }
  });
});

describe('a closed vault', () => {
  it('adds nothing to the promises the process creates after it (its audit-context storage is disabled)', async () => {
    const before = await propagationsPer100Promises();
    const dir = tempDir('alter-hot-path-closed');
    const other = new AlterVault({
      caller: 'closed',
      providers: [loopbackProvider('acme')],
      store: dir.file('other.db'),
      encryptionKey: leak.secret(newKey(), 'encryption key'),
      logger: leak.logger,
    });
    try {
      await other.withAuditContext({ tool: 'some_tool' }, async () => {
        expect(other.currentAuditContext()?.tool).toBe('some_tool');
      });
      await other.close();
      expect(await propagationsPer100Promises()).toBeLessThanOrEqual(before);
    } finally {
      await other.close();
      dir.remove();
    }
  });
});

describe('CallSecrets with several secrets', () => {
  it('redacts a secret that contains another one whole, whichever was noted first', () => {
    const inner = 'inner-secret-0123456789';
    const outer = `outer-${inner}-tail`;
    for (const order of [
      [inner, outer],
      [outer, inner],
    ]) {
      const secrets = new CallSecrets();
      for (const s of order) secrets.add(s);
      expect(secrets.redactText(`a ${outer} b ${inner} c`)).toBe(`a ${REDACTED} b ${REDACTED} c`);
    }
  });

  it("merges a call's secrets (a provider's client secret and a token) once, not on every call that uses both", () => {
    const provider = { clientSecret: `cs-${'p'.repeat(30)}` };
    const lease = { token: `at-${'t'.repeat(30)}` };
    const Native = RegExp;
    let built = 0;
    // Every matcher the secret tracking builds is a `new RegExp` (V8 compiles it on its first use).
    globalThis.RegExp = class CountingRegExp extends Native {
      constructor(...args: ConstructorParameters<RegExpConstructor>) {
        super(...args);
        built += 1;
      }
    } as RegExpConstructor;
    const calls: CallSecrets[] = [];
    try {
      for (let i = 0; i < REQUESTS; i++) {
        const secrets = new CallSecrets();
        calls.push(secrets);
        withCallSecrets(secrets, () => {
          noteCallSecret(provider.clientSecret, provider);
          noteCallSecret(lease.token, lease);
        });
        expect(secrets.redactText(`x ${provider.clientSecret} y ${lease.token} z`)).toBe(`x ${REDACTED} y ${REDACTED} z`);
      }
    } finally {
      globalThis.RegExp = Native;
    }
    // One matcher per secret holder and one for the pair: before, one more for every call.
    expect(built).toBeLessThanOrEqual(3);
    for (const secrets of calls) expect(secrets.redactText(`Bearer ${lease.token}`)).toBe(REDACTED);
  });
});
