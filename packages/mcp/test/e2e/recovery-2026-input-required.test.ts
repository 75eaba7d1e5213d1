/**
 * Connect and re-authorization recovery on protocol revision 2026-07-28 (issue #12): a client
 * that declares URL-mode elicitation gets an `input_required` result carrying the Connect URL and
 * a sealed request state; the retried call (which echoes the state) resumes. Real parts: SDK v2's
 * `Client` pinned to 2026-07-28, a v2 `McpServer` registered with `alter.register`, served by the
 * SDK's own HTTP handler (`createMcpHandler`, real Request/Response objects called in-process),
 * the sandbox's OAuth server and fake Google APIs, a SQLite vault, and a leak check over all of it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AlterMCP, CONNECT_META_KEY } from '@alter/mcp';
import { Client, ProtocolError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createMcpHandler, InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import { serveStdio as sdkServeStdio } from '@modelcontextprotocol/server/stdio';
import { CALENDAR_EVENTS, CalendarTools, GmailTools } from '../fixtures/example.tools.js';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';
import { MODERN_PROTOCOL_VERSION } from '../support/sdk-generations.js';

/** The key of Alter's embedded URL elicitation (recovery-answer.ts). */
const CONNECT_INPUT_KEY = 'dev.alter/connect';

interface InputRequired {
  resultType: 'input_required';
  inputRequests: Record<string, { method: string; params: { mode: string; url: string; message: string } }>;
  requestState: string;
  _meta?: Record<string, unknown>;
}
type CallResult = {
  content: Array<{ type: string; text?: string }>;
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  _meta?: Record<string, unknown>;
};

let h: McpHarness;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  h = await createMcpHarness();
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await h?.close();
});

/**
 * A v2 client pinned to 2026-07-28 declaring URL elicitation, connected through the SDK's HTTP
 * handler to servers where `alter` registered `modules`. `manual`: input_required results are
 * handed back (`allowInputRequired`) instead of being fulfilled by the client's driver.
 */
async function connect(
  alter: AlterMCP,
  modules: object[],
  options: {
    manual: boolean;
    onUrl?: (url: string, message: string) => Promise<'accept' | 'decline' | 'cancel'> /** Default 'http'. */;
    entry?: 'http' | 'stdio';
  },
) {
  const factory = () => {
    const server = new McpServer({ name: 'recovery-2026', version: '1.0.0' });
    alter.register(server, modules);
    return server;
  };
  const client = new Client(
    { name: 'pinned-2026', version: '1.0.0' },
    {
      capabilities: { elicitation: { url: {} } },
      versionNegotiation: { mode: { pin: MODERN_PROTOCOL_VERSION } },
      ...(options.manual ? { inputRequired: { autoFulfill: false } } : {}),
    },
  );
  if (options.onUrl) {
    const onUrl = options.onUrl;
    client.setRequestHandler('elicitation/create', async (request) => {
      const params = request.params as { mode?: string; url?: string; message?: string };
      expect(params.mode).toBe('url');
      return { action: await onUrl(params.url!, params.message!) };
    });
  }
  let closeServer: () => Promise<void>;
  if (options.entry === 'stdio') {
    // The SDK's stdio entry over an in-memory pair (no child process needed to prove the protocol).
    const [a, b] = InMemoryTransport.createLinkedPair();
    const handle = sdkServeStdio(factory, { transport: a });
    await client.connect(b);
    closeServer = () => handle.close();
  } else {
    const handler = createMcpHandler(factory);
    await client.connect(
      new StreamableHTTPClientTransport(new URL('http://127.0.0.1/mcp'), { fetch: (url, init) => handler.fetch(new Request(url, init)) }),
    );
    closeServer = () => handler.close();
  }
  expect(client.getNegotiatedProtocolVersion()).toBe(MODERN_PROTOCOL_VERSION);
  const close = async () => {
    await client.close();
    await closeServer();
  };
  closers.push(close);
  return {
    client,
    /** First round, manual mode: the raw answer (input_required or a result). */
    first: (name: string, args: Record<string, unknown>) =>
      client.callTool({ name, arguments: args }, { allowInputRequired: true }) as Promise<unknown>,
    /** A retried call echoing `requestState` with the user's answer to the URL elicitation. */
    retry: (name: string, args: Record<string, unknown>, requestState: string, action: 'accept' | 'decline' | 'none' = 'accept') =>
      client.callTool(
        {
          name,
          arguments: args,
          requestState,
          ...(action === 'none' ? {} : { inputResponses: { [CONNECT_INPUT_KEY]: { action } } }),
        } as never,
        { allowInputRequired: true },
      ) as Promise<unknown>,
  };
}

function asInputRequired(answer: unknown): InputRequired {
  const a = answer as InputRequired;
  expect(a.resultType).toBe('input_required');
  expect(typeof a.requestState).toBe('string');
  const request = a.inputRequests[CONNECT_INPUT_KEY]!;
  expect(request.method).toBe('elicitation/create');
  expect(request.params.mode).toBe('url');
  expect(request.params.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/connect\/[A-Za-z0-9_-]+$/);
  expect((a._meta?.[CONNECT_META_KEY] as { url?: string } | undefined)?.url).toBe(request.params.url);
  return a;
}

async function refusal(p: Promise<unknown>): Promise<{ code: number; message: string; data: unknown }> {
  const err = await p.then(
    (v) => {
      throw new Error(`expected a refusal, got ${JSON.stringify(v)}`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProtocolError);
  h.leak.inspect(err, 'refusal');
  const e = err as ProtocolError;
  return { code: e.code, message: e.message, data: e.data };
}

/** Changes one character in the middle of the sealed claims. */
function tamper(state: string): string {
  const i = Math.floor(state.indexOf('.', 5) / 2) + 3;
  return state.slice(0, i) + (state[i] === 'A' ? 'B' : 'A') + state.slice(i + 1);
}

describe('Connect recovery on 2026-07-28 with a client that declares URL elicitation', () => {
  it.each([
    { entry: 'http' as const, user: 'alice', via: "the SDK's HTTP handler" },
    { entry: 'stdio' as const, user: 'alice-stdio', via: "the SDK's stdio entry" },
  ])(
    "the client's own driver opens the link, retries with the state, and gets the tool's result (fake Gmail data), via $via",
    async ({ entry, user }) => {
      const alter = new AlterMCP(h.vault, { defaultUser: user, logger: h.leak.logger });
      const urls: string[] = [];
      const { client } = await connect(alter, [GmailTools], {
        entry,
        manual: false,
        onUrl: async (url, message) => {
          urls.push(url);
          expect(message).toContain('google');
          expect((await h.sandbox.approve(url, { login: 'alice' })).status).toBe(200);
          return 'accept';
        },
      });
      const result = (await client.callTool({ name: 'list_emails', arguments: { query: '' } })) as CallResult;
      expect(urls).toHaveLength(1);
      expect(result.isError).toBeFalsy();
      const ids = (JSON.parse(result.content[0]!.text!) as Array<{ id: string }>).map((m) => m.id);
      expect(ids.length).toBeGreaterThan(0);
      expect(ids).toEqual(
        h.sandbox.fakes.gmail
          .messages('alice')
          .map((m) => m.id)
          .slice(0, ids.length),
      );
      h.leak.inspect(result, 'tool result');
      await alter.close();
    },
  );

  it('answers input_required with the Connect URL and a sealed state; the retry with that state resumes after approval', async () => {
    const alter = new AlterMCP(h.vault, { defaultUser: 'bob', logger: h.leak.logger });
    const c = await connect(alter, [GmailTools], { manual: true });
    const args = { query: 'from:carol' };
    const answer = asInputRequired(await c.first('list_emails', args));
    h.leak.inspect(answer, 'input_required');
    // The state names neither the user nor the arguments in clear.
    const claims = Buffer.from(answer.requestState.split('.')[1]!, 'base64url').toString('utf8');
    expect(claims).not.toContain('bob');
    expect(claims).not.toContain('carol');
    await h.sandbox.approve(answer.inputRequests[CONNECT_INPUT_KEY]!.params.url, { login: 'bob' });
    // Key order does not matter: the arguments are bound by their canonical form.
    const resumed = (await c.retry('list_emails', { ...args }, answer.requestState)) as CallResult;
    expect(resumed.isError).toBeFalsy();
    expect(Array.isArray(JSON.parse(resumed.content[0]!.text!))).toBe(true);
    // A retry that carries the state but no answer to the elicitation runs the call too.
    const unanswered = (await c.retry('list_emails', args, answer.requestState, 'none')) as CallResult;
    expect(unanswered.isError).toBeFalsy();
    h.leak.inspect(resumed, 'resumed result');
    await alter.close();
  });

  it('refuses a tampered, other-user, other-tool or other-arguments request state with a clear -32602 error, and runs nothing', async () => {
    const alter = new AlterMCP(h.vault, { defaultUser: 'dave', logger: h.leak.logger });
    const gmail = new GmailTools();
    const c = await connect(alter, [gmail], { manual: true });
    const args = { query: 'is:starred' };
    const answer = asInputRequired(await c.first('list_emails', args));
    await h.sandbox.approve(answer.inputRequests[CONNECT_INPUT_KEY]!.params.url, { login: 'alice' });
    const callsBefore = gmail.calls;

    const tampered = await refusal(c.retry('list_emails', args, tamper(answer.requestState)));
    expect(tampered.code).toBe(-32602);
    expect(tampered.message).toContain('failed its integrity check');
    expect(tampered.message).toContain('Call list_emails again without requestState');
    expect(tampered.data).toEqual({ reason: 'invalid_request_state', detail: 'tampered' });

    const garbage = await refusal(c.retry('list_emails', args, 'not-a-state'));
    expect(garbage.message).toContain('is not a request state this server issued');

    const otherArgs = await refusal(c.retry('list_emails', { query: 'is:important' }, answer.requestState));
    expect(otherArgs.message).toContain('was issued for a call with other arguments');
    expect(otherArgs.data).toEqual({ reason: 'invalid_request_state', detail: 'other-arguments' });

    const otherTool = await refusal(c.retry('summarize_inbox', {}, answer.requestState));
    expect(otherTool.message).toContain('was issued for another tool');

    // The same state presented by another user (another AlterMCP on the same vault, default user mallory).
    const mallory = new AlterMCP(h.vault, { defaultUser: 'mallory', logger: h.leak.logger });
    const m = await connect(mallory, [GmailTools], { manual: true });
    const otherUser = await refusal(m.retry('list_emails', args, answer.requestState));
    expect(otherUser.message).toContain('was issued for another user');
    expect(otherUser.data).toEqual({ reason: 'invalid_request_state', detail: 'other-user' });

    expect(gmail.calls).toBe(callsBefore);
    // The genuine retry still works.
    const ok = (await c.retry('list_emails', args, answer.requestState)) as CallResult;
    expect(ok.isError).toBeFalsy();
    expect(gmail.calls).toBe(callsBefore + 1);
    await alter.close();
    await mallory.close();
  });

  it('refuses an expired request state, saying to call again without it', async () => {
    const short = await createMcpHarness({ connectSessionTtlSec: 1 });
    closers.push(() => short.close());
    const alter = new AlterMCP(short.vault, { defaultUser: 'erin', logger: short.leak.logger });
    const c = await connect(alter, [GmailTools], { manual: true });
    const answer = asInputRequired(await c.first('list_emails', {}));
    // Wait for the clock to pass the state's expiry (readable in its claims: the link's expiry).
    const { e: expiresAt } = JSON.parse(Buffer.from(answer.requestState.split('.')[1]!, 'base64url').toString('utf8')) as { e: number };
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 1_000);
    while (Date.now() <= expiresAt) await new Promise((resolve) => setTimeout(resolve, 100));
    const expired = await refusal(c.retry('list_emails', {}, answer.requestState));
    expect(expired.code).toBe(-32602);
    expect(expired.message).toContain('has expired');
    expect(expired.message).toContain('Call list_emails again without requestState to start over');
    expect(expired.data).toEqual({ reason: 'invalid_request_state', detail: 'expired' });
    short.leak.inspect(answer, 'input_required');
    short.leak.assertClean();
    await alter.close();
  });

  it('a retry that arrives while the user is still on the consent page waits for that Connect session, then runs (one link, not two)', async () => {
    const alter = new AlterMCP(h.vault, { defaultUser: 'hank', logger: h.leak.logger });
    const urls: string[] = [];
    const approvals: Array<Promise<unknown>> = [];
    const { client } = await connect(alter, [GmailTools], {
      manual: false,
      onUrl: async (url) => {
        urls.push(url);
        // The user accepts opening the link; the consent itself completes after the client has retried.
        approvals.push(h.sandbox.approve(url, { login: 'bob' }));
        return 'accept';
      },
    });
    const result = (await client
      .callTool({ name: 'list_emails', arguments: { query: 'later' } })
      .finally(() => Promise.allSettled(approvals))) as CallResult;
    expect(result.isError).toBeFalsy();
    expect(urls).toHaveLength(1);
    await alter.close();
  });

  it('ends the call with a clear result when the user declines the link', async () => {
    const alter = new AlterMCP(h.vault, { defaultUser: 'frank', logger: h.leak.logger });
    const { client } = await connect(alter, [GmailTools], { manual: false, onUrl: async () => 'decline' });
    const result = (await client.callTool({ name: 'list_emails', arguments: {} })) as CallResult;
    expect(result.isError).toBe(true);
    expect(result.content[0]!.text).toBe(
      'The user declined to authorize google, so list_emails did not run. Call list_emails again if they want to connect google.',
    );
    await alter.close();
  });
});

describe('Re-authorization (missing scopes) on 2026-07-28', () => {
  it('answers input_required naming the missing scopes; after approval the retry resumes with the created event', async () => {
    const alter = new AlterMCP(h.vault, { defaultUser: 'grace', logger: h.leak.logger });
    // First a grant with the read-only scope only.
    const auto = await connect(alter, [CalendarTools], {
      manual: false,
      onUrl: async (url) => ((await h.sandbox.approve(url, { login: 'bob' })).status === 200 ? 'accept' : 'cancel'),
    });
    expect(((await auto.client.callTool({ name: 'list_events', arguments: {} })) as CallResult).isError).toBeFalsy();

    const c = await connect(alter, [CalendarTools], { manual: true });
    const args = { summary: 'Standup', start: '2026-11-26T09:00:00Z', end: '2026-11-26T09:15:00Z' };
    const answer = asInputRequired(await c.first('create_event', args));
    expect((answer._meta?.[CONNECT_META_KEY] as { missingScopes?: string[] } | undefined)?.missingScopes).toEqual([CALENDAR_EVENTS]);
    expect(answer.inputRequests[CONNECT_INPUT_KEY]!.params.message).toContain(CALENDAR_EVENTS);

    const otherArgs = await refusal(c.retry('create_event', { ...args, summary: 'Retro' }, answer.requestState));
    expect(otherArgs.data).toEqual({ reason: 'invalid_request_state', detail: 'other-arguments' });

    await h.sandbox.approve(answer.inputRequests[CONNECT_INPUT_KEY]!.params.url, { login: 'bob' });
    const created = (await c.retry('create_event', args, answer.requestState)) as CallResult;
    expect(created.isError).toBeFalsy();
    expect(created.structuredContent).toMatchObject({ summary: 'Standup' });
    h.leak.inspect(answer, 'input_required');
    h.leak.inspect(created, 'created');
    await alter.close();
  });

  it("the client's driver handles re-authorization end to end", async () => {
    const alter = new AlterMCP(h.vault, { defaultUser: 'grace', logger: h.leak.logger });
    const urls: string[] = [];
    const { client } = await connect(alter, [GmailTools], {
      manual: false,
      onUrl: async (url) => {
        urls.push(url);
        await h.sandbox.approve(url, { login: 'bob' });
        return 'accept';
      },
    });
    // grace holds calendar scopes only: Gmail needs re-authorization with GMAIL_READONLY added.
    const result = (await client.callTool({ name: 'list_emails', arguments: { query: 'x' } })) as CallResult;
    expect(urls).toHaveLength(1);
    expect(result.isError).toBeFalsy();
    await alter.close();
  });
});

describe('leak check', () => {
  it('no token, refresh token, vault key or request-state key appears in any result, error, log or audit row', async () => {
    await h.collectTokens();
    const slot = await h.vault.store.kvGet('mcp:recovery', 'request-state-hmac');
    expect(slot).toBeDefined();
    h.leak.secret(h.vault.openSecret(slot!.value), 'request-state key');
    h.leak.inspect(await h.vault.audit.query({}), 'audit rows');
    h.leak.assertClean();
  });
});
