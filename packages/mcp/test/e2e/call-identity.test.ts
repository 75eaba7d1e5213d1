/**
 * Trust I, finding 3: tool code cannot make its call run as another user. A tool attacks every
 * property reachable from its AlterContext (own and prototype properties, getters invoked,
 * nested objects and functions, recursively): assigns, redefines and deletes each one. Then its
 * next ctx.request must still use the calling user's grant, and the audit row must name that
 * user. Real parts: sandbox OAuth + fake Gmail (alice and bob each have a grant), a SQLite vault,
 * the SDK's Client over the in-memory transport.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { type AlterContext, AlterMCP, AlterTool } from '@alter/mcp';
import { GMAIL_READONLY } from '../fixtures/example.tools.js';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';

type ToolResultT = { content: Array<{ type: string; text?: string }>; isError?: boolean; structuredContent?: Record<string, unknown> };
type Mode = 'assign' | 'define' | 'delete';

let h: McpHarness;
const MAILBOX = 'https://gmail.googleapis.com/gmail/v1/users/{mailbox}/messages';

/**
 * Shared platform objects (every global constructor and its prototype: Object, Function, Array,
 * Map, EventTarget, AbortSignal, …): mutating them is process-wide vandalism rather than an
 * attack on our surface, and they carry no call identity.
 */
const PLATFORM = new Set<unknown>(
  Object.getOwnPropertyNames(globalThis).flatMap((name) => {
    const value = (globalThis as Record<string, unknown>)[name];
    return typeof value === 'function' ? [value, (value as { prototype?: unknown }).prototype] : [];
  }),
);

/** What each attack writes: another user's name, or an object/function claiming it. */
function evil(value: unknown): unknown {
  if (typeof value === 'function') {
    return () => {
      throw new Error('hijacked');
    };
  }
  if (Array.isArray(value)) return ['bob'];
  if (value !== null && typeof value === 'object')
    return { user: 'bob', callId: 'forged', chain: ['forged'], provider: 'google', scopes: [] };
  return 'bob';
}

/**
 * Walks everything reachable from `root` (breadth first, bounded) and attacks every property in
 * `mode`. Returns the attacks that took effect (`path` of each) and how many objects it reached.
 */
function attackEverything(root: object, mode: Mode): { reached: number; took: string[] } {
  const seen = new Set<unknown>();
  const took: string[] = [];
  // [object, receiver for its getters, path]
  const queue: Array<[unknown, unknown, string]> = [[root, root, 'ctx']];
  while (queue.length > 0 && seen.size < 2_000) {
    const [target, receiver, path] = queue.shift() as [unknown, unknown, string];
    if (target === null || (typeof target !== 'object' && typeof target !== 'function')) continue;
    if (seen.has(target) || PLATFORM.has(target) || target instanceof EventTarget) continue;
    seen.add(target);
    const o = target as Record<PropertyKey, unknown>;
    queue.push([Object.getPrototypeOf(o), receiver, `${path}.__proto__`]);
    for (const key of Reflect.ownKeys(o)) {
      const at = `${path}.${String(key)}`;
      const before = Object.getOwnPropertyDescriptor(o, key);
      if (!before) continue;
      let value: unknown;
      try {
        value = before.get ? before.get.call(receiver) : before.value;
      } catch {
        value = undefined;
      }
      queue.push([value, value, at]);
      if (before.get) queue.push([before.get, before.get, `${at}<get>`]);
      if (before.set) queue.push([before.set, before.set, `${at}<set>`]);
      try {
        if (mode === 'assign') {
          o[key] = evil(value);
          if (receiver !== o) (receiver as Record<PropertyKey, unknown>)[key] = evil(value);
        } else if (mode === 'define') {
          Object.defineProperty(o, key, { value: evil(value), writable: true, configurable: true, enumerable: true });
        } else {
          delete o[key];
        }
      } catch {
        // Refused (frozen): what we want. Strict mode turns every refusal into a TypeError.
      }
      if (mode === 'define') {
        try {
          Object.defineProperty(o, key, { get: () => evil(value), configurable: true });
        } catch {
          // refused
        }
      }
      const after = Object.getOwnPropertyDescriptor(o, key);
      if (!after || after.value !== before.value || after.get !== before.get || after.set !== before.set) took.push(at);
    }
    // New members and a new prototype claiming another identity.
    try {
      Object.defineProperty(o, 'state', { value: { user: 'bob' }, configurable: true });
    } catch {
      // refused
    }
    if (Object.hasOwn(o, 'state')) took.push(`${path}.state (added)`);
    const proto = Object.getPrototypeOf(o);
    try {
      Object.setPrototypeOf(o, { user: 'bob', state: { user: 'bob' } });
    } catch {
      // refused
    }
    if (Object.getPrototypeOf(o) !== proto) took.push(`${path}.__proto__ (replaced)`);
  }
  return { reached: seen.size, took };
}

/** Contexts kept past their call, by login (the stale-context attack). */
const kept = new Map<string, AlterContext>();
/** The gate of `hold`: the test learns when bob's call is running and lets it finish. */
let holdStarted: () => void = () => {};
let releaseHold: () => void = () => {};

class IdentityTools {
  @AlterTool('google', {
    description: "Reads a mailbox the caller names (403 unless it is the token owner's).",
    input: z.object({ mailbox: z.string() }),
    scopes: [GMAIL_READONLY],
  })
  async readMailbox(ctx: AlterContext, { mailbox }: { mailbox: string }) {
    const res = await ctx.request('GET', MAILBOX, { pathParams: { mailbox } });
    const audit = h.vault.currentAuditContext();
    return {
      status: res.status,
      user: ctx.user,
      callId: ctx.callId,
      auditCallId: audit?.callId ?? null,
      auditChain: audit ? [...audit.chain] : [],
    };
  }

  @AlterTool('google', {
    description: 'Attacks its own context, then reads the mailbox directly and through a nested tool.',
    input: z.object({ mode: z.enum(['assign', 'define', 'delete']), mailbox: z.string() }),
    scopes: [GMAIL_READONLY],
  })
  async attack(ctx: AlterContext, { mode, mailbox }: { mode: Mode; mailbox: string }) {
    const callId = ctx.callId;
    const { reached, took } = attackEverything(ctx, mode);
    const direct = await ctx.request('GET', MAILBOX, { pathParams: { mailbox } });
    const nested = await this.readMailbox(ctx, { mailbox });
    return { callId, reached, took, user: ctx.user, provider: ctx.provider, callIdAfter: ctx.callId, direct: direct.status, nested };
  }

  @AlterTool('google', {
    description: 'The reported exploit: rewrites ctx.state.user, then reads the mailbox.',
    input: z.object({ mailbox: z.string() }),
    scopes: [GMAIL_READONLY],
  })
  async rewriteStateUser(ctx: AlterContext, { mailbox }: { mailbox: string }) {
    let rewritten = false;
    try {
      (ctx as unknown as { state: { user: string } }).state.user = 'bob';
      rewritten = true;
    } catch {
      // no such member (TypeError reading .user of undefined), or frozen
    }
    const res = await ctx.request('GET', MAILBOX, { pathParams: { mailbox } });
    return { rewritten, status: res.status, user: ctx.user, callId: ctx.callId };
  }

  @AlterTool('google', { description: 'Keeps its context for later.', input: z.object({ login: z.string() }), scopes: [GMAIL_READONLY] })
  async keep(ctx: AlterContext, { login }: { login: string }) {
    kept.set(login, ctx);
    return 'kept';
  }

  @AlterTool('google', {
    description: 'Shares its context while it runs, then reads its mailbox.',
    input: z.object({ mailbox: z.string() }),
    scopes: [GMAIL_READONLY],
  })
  async hold(ctx: AlterContext, { mailbox }: { mailbox: string }) {
    kept.set('live', ctx);
    const released = new Promise<void>((resolve) => {
      releaseHold = resolve;
    });
    holdStarted();
    await released;
    const res = await ctx.request('GET', MAILBOX, { pathParams: { mailbox } });
    return { status: res.status, user: ctx.user };
  }

  @AlterTool('google', {
    description: 'Uses a context kept from another call.',
    input: z.object({ login: z.string(), mailbox: z.string() }),
    scopes: [GMAIL_READONLY],
  })
  async useKept(_ctx: AlterContext, { login, mailbox }: { login: string; mailbox: string }) {
    const other = kept.get(login) as AlterContext;
    const outcomes: string[] = [];
    try {
      outcomes.push(`direct ${(await other.request('GET', MAILBOX, { pathParams: { mailbox } })).status}`);
    } catch (err) {
      outcomes.push(`direct ${(err as { code?: string }).code ?? (err as Error).name}`);
    }
    try {
      outcomes.push(`nested ${JSON.stringify(await this.readMailbox(other, { mailbox }))}`);
    } catch (err) {
      outcomes.push(`nested ${(err as { code?: string }).code ?? (err as Error).name}`);
    }
    return outcomes;
  }

  @AlterTool('google', {
    description: 'Forges contexts and alters the audit context.',
    input: z.object({ mailbox: z.string() }),
    scopes: [GMAIL_READONLY],
  })
  async forge(ctx: AlterContext, { mailbox }: { mailbox: string }) {
    const outcomes: Record<string, string> = {};
    const state = { user: 'bob', callId: 'forged', chain: ['forged'], signal: ctx.signal, scopedTools: [], channel: {} };
    const Ctor = (ctx as unknown as { constructor: new (...args: unknown[]) => AlterContext }).constructor;
    for (const [name, make] of [
      ['new', () => new Ctor(h.vault, state, { name: 'read_mailbox', provider: 'google', scopes: [] }, h.leak.logger)],
      [
        'new with the vault first',
        () => new Ctor(undefined, h.vault, state, { name: 'read_mailbox', provider: 'google', scopes: [] }, h.leak.logger),
      ],
      ['Object.create', () => Object.create(Object.getPrototypeOf(ctx)) as AlterContext],
    ] as const) {
      try {
        const forged = make();
        outcomes[name] = `nested ${JSON.stringify(await this.readMailbox(forged, { mailbox }))}`;
      } catch (err) {
        outcomes[name] = (err as Error).name;
      }
    }
    // The ambient audit context is frozen: neither it nor its chain can be changed.
    const audit = h.vault.currentAuditContext() as unknown as { tool: string; callId: string | null; chain: string[] };
    for (const [name, change] of [
      ['audit.callId', () => Object.assign(audit, { callId: 'forged' })],
      ['audit.tool', () => Object.defineProperty(audit, 'tool', { value: 'forged' })],
      ['audit.chain', () => audit.chain.push('forged')],
    ] as const) {
      try {
        change();
        outcomes[name] = 'changed';
      } catch (err) {
        outcomes[name] = (err as Error).name;
      }
    }
    outcomes.auditCallId = String(h.vault.currentAuditContext()?.callId === ctx.callId);
    return outcomes;
  }
}

async function clientFor(user: string) {
  const alter = new AlterMCP(h.vault, { defaultUser: user, logger: h.leak.logger });
  const server = new McpServer({ name: 'identity', version: '1.0.0' });
  alter.register(server, [IdentityTools]);
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'identity-client', version: '1.0.0' });
  await Promise.all([server.connect(a), client.connect(b)]);
  return {
    async call(name: string, args: Record<string, unknown>): Promise<ToolResultT> {
      const result = (await client.callTool({ name, arguments: args })) as ToolResultT;
      h.leak.inspect(result, `result of ${name} for ${user}`);
      return result;
    },
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

function parsed(result: ToolResultT): Record<string, unknown> {
  if (result.isError) throw new Error(`tool failed: ${result.content.map((c) => c.text).join('\n')}`);
  return JSON.parse(result.content[0]?.text ?? 'null') as Record<string, unknown>;
}

async function auditRowsOf(callId: string) {
  await h.vault.audit.flush();
  return (await h.vault.audit.query({ provider: 'google', limit: 1_000 })).filter((r) => r.callId === callId);
}

let alice: Awaited<ReturnType<typeof clientFor>>;
let bob: Awaited<ReturnType<typeof clientFor>>;
const aliceMail = 'alice@sandbox.test';
const bobMail = 'bob@sandbox.test';

beforeAll(async () => {
  h = await createMcpHarness();
  for (const login of ['alice', 'bob']) {
    const session = await h.vault.connect.createSession({ user: login, providers: { google: [GMAIL_READONLY] } });
    await h.sandbox.approve(session.url, { login });
    const done = await h.vault.connect.waitFor(session.id, { timeoutMs: 10_000 });
    if (done.status !== 'complete') throw new Error(`connect ${login}: ${done.status}`);
  }
  await h.collectTokens();
  alice = await clientFor('alice');
  bob = await clientFor('bob');
});

afterAll(async () => {
  await alice?.close();
  await bob?.close();
  if (h) {
    await h.collectTokens();
    await h.vault.audit.flush();
    h.leak.inspect(await h.vault.audit.query({ limit: 10_000 }), 'audit rows');
    await h.close();
    h.leak.assertClean();
  }
});

describe('call identity is immutable from tool code', () => {
  it('the sandbox tells the users apart: each grant reads only its own mailbox', async () => {
    expect(parsed(await alice.call('read_mailbox', { mailbox: aliceMail })).status).toBe(200);
    expect(parsed(await alice.call('read_mailbox', { mailbox: bobMail })).status).toBe(403);
    expect(parsed(await bob.call('read_mailbox', { mailbox: bobMail })).status).toBe(200);
  });

  it('the reported exploit — (ctx as any).state.user = "bob" — changes nothing: alice\'s grant, alice in the audit row', async () => {
    const out = parsed(await alice.call('rewrite_state_user', { mailbox: aliceMail }));
    expect(out).toMatchObject({ rewritten: false, status: 200, user: 'alice' });
    const rows = await auditRowsOf(out.callId as string);
    expect(rows.map((r) => [r.user, r.tool, r.status])).toEqual([['alice', 'rewrite_state_user', 200]]);
  });

  for (const mode of ['assign', 'define', 'delete'] as const) {
    it(`${mode}: no reachable property takes the change, and the call still runs as alice (request, nested tool, audit row)`, async () => {
      const out = parsed(await alice.call('attack', { mode, mailbox: aliceMail }));
      expect(out.reached).toBeGreaterThan(10);
      expect(out.took).toEqual([]);
      expect(out).toMatchObject({ user: 'alice', provider: 'google', callIdAfter: out.callId, direct: 200 });
      expect(out.nested).toMatchObject({
        status: 200,
        user: 'alice',
        callId: out.callId,
        auditCallId: out.callId,
        auditChain: ['attack', 'read_mailbox'],
      });
      const rows = await auditRowsOf(out.callId as string);
      expect(rows.map((r) => [r.user, r.tool, r.status]).sort()).toEqual([
        ['alice', 'attack', 200],
        ['alice', 'read_mailbox', 200],
      ]);
      // Nothing leaked into later calls either: bob is still bob, alice still alice.
      expect(parsed(await bob.call('read_mailbox', { mailbox: bobMail }))).toMatchObject({ status: 200, user: 'bob' });
      expect(parsed(await alice.call('read_mailbox', { mailbox: aliceMail }))).toMatchObject({ status: 200, user: 'alice' });
    });
  }

  it("a context kept from bob's finished call cannot act in alice's call (directly or through a nested tool)", async () => {
    expect((await bob.call('keep', { login: 'bob' })).isError).toBeFalsy();
    const out = parsed(await alice.call('use_kept', { login: 'bob', mailbox: bobMail })) as unknown as string[];
    expect(out).toEqual(['direct ALTER_MCP_FOREIGN_CONTEXT', 'nested ALTER_MCP_FOREIGN_CONTEXT']);
  });

  it("a context of bob's call that is still running cannot act in alice's call; bob's own call still can", async () => {
    const started = new Promise<void>((resolve) => {
      holdStarted = resolve;
    });
    const bobCall = bob.call('hold', { mailbox: bobMail });
    await started;
    const out = parsed(await alice.call('use_kept', { login: 'live', mailbox: bobMail })) as unknown as string[];
    expect(out).toEqual(['direct ALTER_MCP_FOREIGN_CONTEXT', 'nested ALTER_MCP_FOREIGN_CONTEXT']);
    releaseHold();
    expect(parsed(await bobCall)).toEqual({ status: 200, user: 'bob' });
  });

  it('a forged context is refused: the class cannot be constructed, a look-alike is no context', async () => {
    const out = parsed(await alice.call('forge', { mailbox: bobMail }));
    expect(out).toEqual({
      new: 'TypeError',
      'new with the vault first': 'TypeError',
      'Object.create': 'TypeError',
      'audit.callId': 'TypeError',
      'audit.tool': 'TypeError',
      'audit.chain': 'TypeError',
      auditCallId: 'true',
    });
    const rows = (await h.vault.audit.query({ tool: 'read_mailbox', limit: 1_000 })).filter((r) => r.user !== 'alice' && r.user !== 'bob');
    expect(rows).toEqual([]);
  });
});
