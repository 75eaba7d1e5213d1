/**
 * The body `vault.request()` sends is one private copy, taken when the request is checked: the
 * copy is what is approved, hashed, shown and sent (internal/request-body.ts). Real HTTP on
 * 127.0.0.1 through the vault's real axios instance and Node's keep-alive agent, a real SQLite
 * file, the leak check on every token.
 *
 * Findings (a security review, stop 33):
 * - a stream body on GET went out with neither Content-Length nor Transfer-Encoding: the server
 *   read it as the next request on the shared socket, glued to another user's, token included;
 * - a Uint8Array that is not a Buffer went out as its whole backing ArrayBuffer (axios sends
 *   `view.buffer`), Node's shared pool with another user's token among it;
 * - a Buffer or URLSearchParams changed while the user read the approval prompt was sent changed;
 * - an approval given for one account's grant sent the same request with another account's token.
 */
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createLeakCheck, type LeakCheck } from '@alter/testing';
import {
  type ApprovalAnswer,
  type ApprovalGate,
  ApprovalPendingError,
  type ApprovalRequest,
  AlterVault,
  InvalidArgumentError,
} from '@alter/vault';
import { loopbackProvider, newKey, newToken, tempDir, type TempDir } from './support/fixtures.js';
import { type Seen, type SocketServer, startSocketServer } from './support/socket-server.js';

let server: SocketServer;
let tmp: TempDir;
let leak: LeakCheck;
let vault: AlterVault;
let mallory: string;
let bob: string;

beforeAll(async () => {
  server = await startSocketServer();
});

afterAll(async () => {
  await server.close();
});

beforeEach(async () => {
  tmp = tempDir('alter-body');
  leak = createLeakCheck();
  mallory = leak.secret(newToken('at-mallory'), "mallory's access token");
  bob = leak.secret(newToken('at-bob'), "bob's access token");
  vault = new AlterVault({
    caller: 'body',
    providers: [loopbackProvider('acme', { allowedHosts: [`127.0.0.1:${server.port}`] })],
    store: tmp.file('vault.db'),
    encryptionKey: leak.secret(newKey(), 'encryption key'),
    logger: leak.logger,
    http: { timeoutMs: 5_000 },
    // Approval links need a Connect base URL; nothing is served there in these tests.
    connect: { baseUrl: 'http://127.0.0.1:9/alter' },
  });
  await vault.grants.put({ user: 'mallory', provider: 'acme', accessToken: mallory, scopes: [] });
  await vault.grants.put({ user: 'bob', provider: 'acme', accessToken: bob, scopes: [] });
  server.seen.length = 0;
});

afterEach(async () => {
  leak.inspect(await vault.audit.query({ limit: 1000 }), 'audit rows');
  await vault.close();
  tmp.remove();
  leak.assertClean();
});

/** What the server saw, with the users' tokens named instead of shown. */
function described(seen: readonly Seen[]): string[] {
  const name = (text: string) => text.split(bob).join("<bob's token>").split(mallory).join("<mallory's token>");
  return seen.map((r) => name(`#${r.socket} ${r.method} ${r.url} auth=${String(r.headers.authorization)} body=${JSON.stringify(r.body)}`));
}

async function failure(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    leak.inspect(await fn(), 'unexpected response');
  } catch (err) {
    leak.inspect(err, 'thrown error');
    return err;
  }
  return undefined;
}

/** A gate that records what the user is shown and approves it after `think` (the user reading). */
function approvingGate(shown: ApprovalRequest[], think: () => Promise<void> = async () => {}): ApprovalGate {
  return async (request): Promise<ApprovalAnswer> => {
    shown.push(request);
    await think();
    return { requestId: request.id, hash: request.hash, outcome: 'approved', by: 'mallory', via: 'elicitation', at: new Date() };
  };
}

describe('a body whose length the vault does not know is never sent', () => {
  it.each(['GET', 'DELETE', 'OPTIONS', 'POST'])(
    "refuses a stream body on %s, so the next user's request (and token) is never glued to it",
    async (method) => {
      await vault.request('acme', 'GET', `${server.origin}/warmup`, { user: 'mallory' });
      const smuggled = 'GET /capture HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Swallowed: ';
      const attack = await failure(() =>
        vault.request('acme', method, `${server.origin}/v1/items`, {
          user: 'mallory',
          body: Readable.from([Buffer.from(smuggled)]) as unknown as Buffer,
        }),
      );
      const victim = await vault.request('acme', 'GET', `${server.origin}/v1/inbox`, { user: 'bob' });
      leak.inspect(victim, "bob's response");

      expect(attack).toBeInstanceOf(InvalidArgumentError);
      expect(attack).toMatchObject({ code: 'ALTER_INVALID_ARGUMENT', argument: 'options.body' });
      expect((attack as Error).message).toContain('got Readable');
      expect(described(server.seen)).toEqual([
        `#1 GET /warmup auth=Bearer <mallory's token> body=""`,
        `#1 GET /v1/inbox auth=Bearer <bob's token> body=""`,
      ]);
      expect(victim.json()).toEqual({ path: '/v1/inbox' });
    },
  );

  it.each([
    ['a plain object (an object belongs in options.json)', { a: 1 }, 'got Object'],
    ['an object posing as bytes', { buffer: new ArrayBuffer(2), byteOffset: 0, byteLength: 2, toJSON: () => ({ x: 1 }) }, 'got Object'],
    ['an ArrayBuffer', new ArrayBuffer(4), 'got ArrayBuffer'],
    ['a DataView', new DataView(new ArrayBuffer(4)), 'got DataView'],
    ['null', null, 'got null'],
    ['a number', 5, 'got number'],
  ])('refuses %s before any token is read, sending nothing', async (_what, body, message) => {
    // "nobody" has no grant: reading a token would fail with GrantNotFoundError instead.
    const err = await failure(() =>
      vault.request('acme', 'POST', `${server.origin}/v1/items`, { user: 'nobody', body: body as unknown as string }),
    );
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as Error).message).toContain(message);
    expect((err as Error).message).toContain('options.json');
    expect(described(server.seen)).toEqual([]);
  });
});

describe('a Uint8Array body sends exactly its own bytes', () => {
  it('sends the view, not the ArrayBuffer behind it', async () => {
    const backing = Buffer.alloc(64, 'S');
    backing.write('visible', 10);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 10, 7);
    await vault.request('acme', 'POST', `${server.origin}/v1/items`, { user: 'mallory', body: view });
    expect(server.seen.map((r) => [r.body, r.headers['content-length']])).toEqual([['visible', '7']]);
  });

  it("never sends Node's shared pool, where the vault put another user's token", async () => {
    // bob's call puts his token into Node's 8 KiB pool (Buffer.from of short strings uses it).
    await vault.request('acme', 'GET', `${server.origin}/v1/inbox`, { user: 'bob' });
    const small = Buffer.from('hi');
    expect(small.buffer.byteLength).toBeGreaterThan(small.byteLength); // a slice of the pool
    const view = new Uint8Array(small.buffer, small.byteOffset, small.byteLength);
    await vault.request('acme', 'POST', `${server.origin}/v1/items`, { user: 'mallory', body: view });
    const sent = server.seen.at(-1)!;
    expect(sent.body).toBe('hi');
    expect(sent.body).not.toContain(bob);
  });
});

describe('the approved body is the body sent', () => {
  it.each([
    ['URLSearchParams', () => new URLSearchParams({ to: 'bob', amount: '1' }), (b: URLSearchParams) => b.set('to', 'mallory')],
    ['Buffer', () => Buffer.from('to=bob&amount=1'), (b: Buffer) => b.write('to=mal', 0)],
    ['Uint8Array', () => new Uint8Array(Buffer.from('to=bob&amount=1')), (b: Uint8Array) => b.set(Buffer.from('to=mal'), 0)],
  ] as const)('sends the %s as it was when the user approved it, however the caller changes it meanwhile', async (kind, make, change) => {
    const shown: ApprovalRequest[] = [];
    const body = make();
    let changed = false;
    const gate = approvingGate(shown, async () => {
      // The tool changes what it passed while the user reads the prompt.
      (change as (b: typeof body) => void)(body);
      changed = true;
    });
    const res = await vault.request('acme', 'POST', `${server.origin}/payments`, { user: 'mallory', body, approval: gate });
    expect(res.status).toBe(200);
    expect(changed).toBe(true);
    // A form is shown field by field; bytes as their size.
    expect(shown.map((r) => r.body)).toEqual([kind === 'URLSearchParams' ? 'to: bob\namount: 1' : '(15 bytes of binary data)']);
    expect(server.seen.map((r) => r.body)).toEqual(['to=bob&amount=1']);
    await vault.audit.flush();
    expect((await vault.audit.query({ user: 'mallory' })).map((r) => r.approval)).toEqual(['approved']);
  });
});

describe('an approval is bound to the account whose grant sends the request', () => {
  let personal: string;
  let work: string;

  beforeEach(async () => {
    personal = leak.secret(newToken('at-personal'), "alice's personal token");
    work = leak.secret(newToken('at-work'), "alice's work token");
    await vault.grants.put({ user: 'alice', provider: 'acme', account: 'personal', accessToken: personal, scopes: [] });
    await vault.grants.put({ user: 'alice', provider: 'acme', account: 'work', accessToken: work, scopes: [] });
  });

  /** A gate that cannot ask inline: the user approves by URL. */
  const byUrl: ApprovalGate = async () => {
    const { ApprovalRefusedError } = await import('@alter/vault');
    throw new ApprovalRefusedError({ provider: 'acme', tool: null, method: 'POST', url: 'x', reason: 'unavailable' });
  };

  it("does not send a request approved for one account with another account's token", async () => {
    const url = `${server.origin}/hooks`;
    const asked = await failure(() =>
      vault.request('acme', 'POST', url, { user: 'alice', account: 'personal', json: { hook: 1 }, approval: byUrl }),
    );
    expect(asked).toBeInstanceOf(ApprovalPendingError);
    const id = (asked as ApprovalPendingError).approvalId;
    // What the approver sees names the account.
    expect(await vault.approvals.get(id)).toMatchObject({ account: 'personal', user: 'alice' });
    expect((await vault.approvals.approve(id, { by: 'alice' })).ok).toBe(true);

    const other = await failure(() =>
      vault.request('acme', 'POST', url, { user: 'alice', account: 'work', json: { hook: 1 }, approval: byUrl }),
    );
    expect(other).toBeInstanceOf(ApprovalPendingError);
    expect((other as ApprovalPendingError).approvalId).not.toBe(id);
    expect(server.seen).toEqual([]);

    // The approved request itself still goes out, once, with the account it was approved for.
    const sent = await vault.request('acme', 'POST', url, { user: 'alice', account: 'personal', json: { hook: 1 }, approval: byUrl });
    expect(sent.status).toBe(200);
    expect(server.seen.map((r) => r.headers.authorization === `Bearer ${personal}`)).toEqual([true]);
  });

  it('shows the account in the request the gate is asked about', async () => {
    const shown: ApprovalRequest[] = [];
    await vault.request('acme', 'POST', `${server.origin}/hooks`, {
      user: 'alice',
      account: 'work',
      body: 'x',
      approval: approvingGate(shown),
    });
    await vault.request('acme', 'POST', `${server.origin}/hooks`, { user: 'mallory', body: 'x', approval: approvingGate(shown) });
    expect(shown.map((r) => r.account)).toEqual(['work', null]);
    expect(shown[0]!.hash).not.toBe(shown[1]!.hash);
  });
});
