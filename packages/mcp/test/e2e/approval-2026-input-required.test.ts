/**
 * Issue #16, human approval on protocol revision 2026-07-28: a tool declared
 * `approval: 'required'` answers `input_required` with a form elicitation showing the exact
 * request and a sealed request state; the client asks the user and retries with the answer; the
 * request is sent once on accept, never on decline, and the state is single use. Real parts: SDK
 * v2's `Client` pinned to 2026-07-28 (its own multi-round-trip driver, and manual mode), v2
 * `McpServer`s registered with `alter.register`, served by the SDK's own HTTP handler
 * (`createMcpHandler`, real Request/Response objects in-process) and stdio entry, the sandbox's
 * OAuth server and fake GitHub API, a SQLite vault, and a leak check over all of it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { AlterMCP, AlterTool, type AlterContext } from '@alter/mcp';
import type { AuditRecord } from '@alter/vault';
import { Client, ProtocolError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createMcpHandler, InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import { serveStdio as sdkServeStdio } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';
import { MODERN_PROTOCOL_VERSION } from '../support/sdk-generations.js';

/** The key of Alter's embedded approval form (approval-round.ts). */
const APPROVAL_INPUT_KEY = 'dev.alter/approval';
/** The sandbox's GitHub login the users connect as (owns alice/hello-world). */
const LOGIN = 'alice';
const ISSUES = 'https://api.github.com/repos/{owner}/{repo}/issues';
const ISSUES_URL = `https://api.github.com/repos/${LOGIN}/hello-world/issues`;
const CREATE_ROUTE = 'POST /repos/:owner/:repo/issues';

interface FormRequest {
  method: string;
  params: { mode?: string; message: string; requestedSchema: { type: string; properties: Record<string, unknown> } };
}
interface InputRequired {
  resultType: 'input_required';
  inputRequests: Record<string, FormRequest>;
  requestState: string;
}
type CallResult = { content: Array<{ type: string; text?: string }>; isError?: boolean };

class IssueTools {
  /** How many times each tool body ran (a refused request state runs nothing). */
  runs = 0;
  /** Appended to the title of `open_drifting_issue`: a tool whose request changes between rounds. */
  drift = 0;

  @AlterTool('github', { description: 'Opens one issue.', input: z.object({ title: z.string() }), scopes: ['repo'], approval: 'required' })
  async openIssue(ctx: AlterContext, { title }: { title: string }): Promise<string> {
    this.runs += 1;
    const res = await ctx.request('POST', ISSUES, { pathParams: { owner: LOGIN, repo: 'hello-world' }, json: { title } });
    return String(res.status);
  }

  @AlterTool('github', { description: 'Opens an issue whose title changes on every run.', scopes: ['repo'], approval: 'required' })
  async openDriftingIssue(ctx: AlterContext): Promise<string> {
    this.runs += 1;
    this.drift += 1;
    const res = await ctx.request('POST', ISSUES, {
      pathParams: { owner: LOGIN, repo: 'hello-world' },
      json: { title: `drift ${this.drift}` },
    });
    return String(res.status);
  }

  @AlterTool('github', { description: 'Opens two issues.', scopes: ['repo'], approval: 'required' })
  async openTwoIssues(ctx: AlterContext): Promise<string> {
    const statuses: number[] = [];
    for (const title of ['first', 'second'])
      statuses.push((await ctx.request('POST', ISSUES, { pathParams: { owner: LOGIN, repo: 'hello-world' }, json: { title } })).status);
    return statuses.join(',');
  }
}

let h: McpHarness;
const closers: Array<() => Promise<void>> = [];

/** Gives `user` a GitHub grant (as the sandbox login alice) through a real Connect session. */
async function connectUser(harness: McpHarness, user: string): Promise<void> {
  const session = await harness.vault.connect.createSession({ user, providers: { github: ['repo'] } });
  await harness.sandbox.approve(session.url, { login: LOGIN });
  await harness.vault.connect.waitFor(session.id, { timeoutMs: 20_000 });
  // Count only what the tool does from here on.
  harness.sandbox.stats.reset();
}

beforeAll(async () => {
  h = await createMcpHarness({ providers: ['github'] });
});
beforeEach(() => {
  h.sandbox.stats.reset();
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await h?.close();
});

const created = (harness: McpHarness = h): number => harness.sandbox.stats.apiRequests.byRoute[CREATE_ROUTE] ?? 0;

/**
 * A v2 client pinned to 2026-07-28 declaring `capabilities`, connected through the SDK's HTTP
 * handler (or stdio entry) to a server where `alter` registered `tools`. `manual`: input_required
 * results are handed back instead of being fulfilled by the client's driver through `onForm`.
 */
async function connect(
  alter: AlterMCP,
  tools: object,
  options: {
    manual: boolean;
    capabilities?: Record<string, unknown>;
    onForm?: (params: FormRequest['params']) => Promise<'accept' | 'decline' | 'cancel'>;
    entry?: 'http' | 'stdio';
  },
) {
  const factory = () => {
    const server = new McpServer({ name: 'approval-2026', version: '1.0.0' });
    alter.register(server, [tools]);
    return server;
  };
  const client = new Client(
    { name: 'pinned-2026', version: '1.0.0' },
    {
      capabilities: options.capabilities ?? { elicitation: { form: {} } },
      versionNegotiation: { mode: { pin: MODERN_PROTOCOL_VERSION } },
      ...(options.manual ? { inputRequired: { autoFulfill: false } } : {}),
    },
  );
  if (options.onForm) {
    const onForm = options.onForm;
    client.setRequestHandler('elicitation/create', async (request) => ({
      action: await onForm(request.params as FormRequest['params']),
      content: {},
    }));
  }
  let closeServer: () => Promise<void>;
  if (options.entry === 'stdio') {
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
    await alter.close();
  };
  closers.push(close);
  return {
    client,
    /** First round, manual mode: the raw answer. */
    first: (name: string, args: Record<string, unknown>) =>
      client.callTool({ name, arguments: args }, { allowInputRequired: true }) as Promise<unknown>,
    /** A retried call echoing `requestState` with the user's answer to the approval form. */
    retry: (name: string, args: Record<string, unknown>, requestState: string, action: 'accept' | 'decline' | 'none' = 'accept') =>
      client.callTool(
        {
          name,
          arguments: args,
          requestState,
          ...(action === 'none'
            ? {}
            : { inputResponses: { [APPROVAL_INPUT_KEY]: { action, ...(action === 'accept' ? { content: {} } : {}) } } }),
        } as never,
        { allowInputRequired: true },
      ) as Promise<unknown>,
  };
}

/** Checks the answer is an input_required carrying the approval form, and returns it. */
function asApprovalQuestion(answer: unknown): InputRequired {
  const a = answer as InputRequired;
  expect(a.resultType).toBe('input_required');
  expect(typeof a.requestState).toBe('string');
  expect(Object.keys(a.inputRequests)).toEqual([APPROVAL_INPUT_KEY]);
  const form = a.inputRequests[APPROVAL_INPUT_KEY]!;
  expect(form.method).toBe('elicitation/create');
  expect(form.params.mode).toBe('form');
  expect(form.params.requestedSchema).toEqual({ type: 'object', properties: {} });
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

/** The audit rows of `user`'s issue creations, oldest first. */
async function issueRows(user: string, harness: McpHarness = h): Promise<AuditRecord[]> {
  const rows = await harness.vault.audit.query({ user, limit: 1000 });
  return rows.filter((r) => r.method === 'POST' && r.url === ISSUES_URL).sort((a, b) => a.seq - b.seq);
}

const text = (result: unknown): string => (result as CallResult).content[0]?.text ?? '';

describe('approval on 2026-07-28 by input_required', () => {
  it.each([
    { entry: 'http' as const, user: 'ir-http', via: "the SDK's HTTP handler" },
    { entry: 'stdio' as const, user: 'ir-stdio', via: "the SDK's stdio entry" },
  ])("the client's driver shows the form, the user accepts, and the request is sent exactly once, via $via", async ({ entry, user }) => {
    await connectUser(h, user);
    const alter = new AlterMCP(h.vault, { defaultUser: user, logger: h.leak.logger });
    const shown: Array<FormRequest['params']> = [];
    const { client } = await connect(alter, new IssueTools(), {
      entry,
      manual: false,
      onForm: async (params) => {
        shown.push(params);
        return 'accept';
      },
    });
    const result = await client.callTool({ name: 'open_issue', arguments: { title: 'Crash on start' } });
    expect(text(result)).toBe('201');
    expect(created()).toBe(1);
    // The same text as the 2025 form: method, URL, body, expiry.
    expect(shown).toHaveLength(1);
    const message = shown[0]!.message;
    expect(message).toContain(
      `open_issue wants to send this request to github:\n\nPOST ${ISSUES_URL}\n\n{\n  "title": "Crash on start"\n}`,
    );
    expect(message).toMatch(/Approve sending exactly this request once\? The approval expires at \d{4}-\d\d-\d\dT/);
    // First round: refused before the token (nothing sent, asked by input_required); retry: approved and sent.
    const rows = await issueRows(user);
    expect(rows.map((r) => [r.status, r.errorCode, r.approval ?? null, r.approvalVia ?? null, r.approvalBy ?? null])).toEqual([
      [null, 'ALTER_APPROVAL_REFUSED', null, null, null],
      [201, null, 'approved', 'input_required', user],
    ]);
    expect(rows[1]!.approvalAt).toBeInstanceOf(Date);
    h.leak.inspect([result, shown, rows], 'accept round trip');
  });

  it('answers input_required with a sealed state naming neither user nor arguments; accept sends once; a replay of the state is refused', async () => {
    const user = 'ir-manual';
    await connectUser(h, user);
    const tools = new IssueTools();
    const c = await connect(new AlterMCP(h.vault, { defaultUser: user, logger: h.leak.logger }), tools, { manual: true });
    const args = { title: 'Secretive title' };
    const question = asApprovalQuestion(await c.first('open_issue', args));
    expect(created()).toBe(0);
    const claims = Buffer.from(question.requestState.split('.')[1]!, 'base64url').toString('utf8');
    expect(claims).not.toContain(user);
    expect(claims).not.toContain('Secretive');

    const sent = await c.retry('open_issue', { ...args }, question.requestState);
    expect(text(sent)).toBe('201');
    expect(created()).toBe(1);

    const runsBefore = tools.runs;
    const replay = await refusal(c.retry('open_issue', args, question.requestState));
    expect(replay.code).toBe(-32602);
    expect(replay.message).toContain('was already used (the approval it carries answered one request, once)');
    expect(replay.message).toContain('Call open_issue again without requestState to start over');
    expect(replay.data).toEqual({ reason: 'invalid_request_state', detail: 'used' });
    expect(tools.runs).toBe(runsBefore);
    expect(created()).toBe(1);
    h.leak.inspect([question, sent], 'manual round trip');
  });

  it('two retries racing with one state: exactly one request is sent (the use is recorded atomically in the store)', async () => {
    const user = 'ir-race';
    await connectUser(h, user);
    const a = await connect(new AlterMCP(h.vault, { defaultUser: user, logger: h.leak.logger }), new IssueTools(), { manual: true });
    // A second server on the same vault (as a second process sharing the store would be).
    const b = await connect(new AlterMCP(h.vault, { defaultUser: user, logger: h.leak.logger }), new IssueTools(), { manual: true });
    const args = { title: 'Only once' };
    const question = asApprovalQuestion(await a.first('open_issue', args));
    const outcomes = await Promise.allSettled([
      a.retry('open_issue', args, question.requestState),
      b.retry('open_issue', args, question.requestState),
      a.retry('open_issue', args, question.requestState),
    ]);
    expect(created()).toBe(1);
    const sent = outcomes.filter((o) => o.status === 'fulfilled' && text(o.value) === '201');
    expect(sent).toHaveLength(1);
    // The others are refused: early (-32602, the use already recorded) or when they reach the request (replayed).
    for (const o of outcomes) {
      if (o.status === 'fulfilled' && text(o.value) === '201') continue;
      if (o.status === 'fulfilled')
        expect(text(o.value)).toMatch(/the approval was already used; each approval sends one request\. Nothing was sent\./);
      else expect((o.reason as ProtocolError).data).toEqual({ reason: 'invalid_request_state', detail: 'used' });
    }
  });

  it('decline: nothing is sent, the tool fails with the decline, and the audit row records it', async () => {
    const user = 'ir-decline';
    await connectUser(h, user);
    const c = await connect(new AlterMCP(h.vault, { defaultUser: user, logger: h.leak.logger }), new IssueTools(), { manual: true });
    const args = { title: 'Please no' };
    const question = asApprovalQuestion(await c.first('open_issue', args));
    const result = (await c.retry('open_issue', args, question.requestState, 'decline')) as CallResult;
    expect(result.isError).toBe(true);
    expect(text(result)).toBe(
      `Tool open_issue failed: POST ${ISSUES_URL} (github) needs the user's approval and was not sent: the user declined it. Nothing was sent.`,
    );
    expect(created()).toBe(0);
    expect(h.sandbox.stats.tokenRequests.total).toBe(0);
    const rows = await issueRows(user);
    expect(rows.at(-1)).toMatchObject({
      status: null,
      errorCode: 'ALTER_APPROVAL_REFUSED',
      approval: 'declined',
      approvalVia: 'input_required',
      approvalBy: user,
    });
    // A declined state is used too.
    expect((await refusal(c.retry('open_issue', args, question.requestState, 'accept'))).data).toEqual({
      reason: 'invalid_request_state',
      detail: 'used',
    });
    expect(created()).toBe(0);
  });

  it('refuses a tampered state or one of another user with -32602, running nothing', async () => {
    const user = 'ir-tamper';
    await connectUser(h, user);
    const tools = new IssueTools();
    const c = await connect(new AlterMCP(h.vault, { defaultUser: user, logger: h.leak.logger }), tools, { manual: true });
    const args = { title: 'Tamper' };
    const question = asApprovalQuestion(await c.first('open_issue', args));
    const runsBefore = tools.runs;

    const tampered = await refusal(c.retry('open_issue', args, tamper(question.requestState)));
    expect(tampered.code).toBe(-32602);
    expect(tampered.data).toEqual({ reason: 'invalid_request_state', detail: 'tampered' });

    const mallory = await connect(new AlterMCP(h.vault, { defaultUser: 'ir-mallory', logger: h.leak.logger }), tools, { manual: true });
    const otherUser = await refusal(mallory.retry('open_issue', args, question.requestState));
    expect(otherUser.data).toEqual({ reason: 'invalid_request_state', detail: 'other-user' });

    expect(tools.runs).toBe(runsBefore);
    expect(created()).toBe(0);
    // The genuine answer still works, once.
    expect(text(await c.retry('open_issue', args, question.requestState))).toBe('201');
    expect(created()).toBe(1);
  });

  it('changed arguments need a new approval: the old state is refused; a new call asks about the new body', async () => {
    const user = 'ir-args';
    await connectUser(h, user);
    const c = await connect(new AlterMCP(h.vault, { defaultUser: user, logger: h.leak.logger }), new IssueTools(), { manual: true });
    const question = asApprovalQuestion(await c.first('open_issue', { title: 'Harmless' }));
    const otherArgs = await refusal(c.retry('open_issue', { title: 'Harmful' }, question.requestState));
    expect(otherArgs.data).toEqual({ reason: 'invalid_request_state', detail: 'other-arguments' });
    expect(created()).toBe(0);

    const second = asApprovalQuestion(await c.first('open_issue', { title: 'Harmful' }));
    expect(second.inputRequests[APPROVAL_INPUT_KEY]!.params.message).toContain('"title": "Harmful"');
    expect(second.requestState).not.toBe(question.requestState);
    expect(text(await c.retry('open_issue', { title: 'Harmful' }, second.requestState))).toBe('201');
    expect(created()).toBe(1);
  });

  it('a request that changed on the retry (another hash) is not approved: a new question, nothing sent', async () => {
    const user = 'ir-drift';
    await connectUser(h, user);
    const tools = new IssueTools();
    const c = await connect(new AlterMCP(h.vault, { defaultUser: user, logger: h.leak.logger }), tools, { manual: true });
    const first = asApprovalQuestion(await c.first('open_drifting_issue', {}));
    expect(first.inputRequests[APPROVAL_INPUT_KEY]!.params.message).toContain('"title": "drift 1"');
    // The user approved "drift 1"; the tool now builds "drift 2".
    const second = asApprovalQuestion(await c.retry('open_drifting_issue', {}, first.requestState));
    expect(second.inputRequests[APPROVAL_INPUT_KEY]!.params.message).toContain('"title": "drift 2"');
    expect(created()).toBe(0);
    const rows = await issueRows(user);
    expect(rows.every((r) => r.status === null && r.approval == null)).toBe(true);
  });

  it('a retry without an answer asks again', async () => {
    const user = 'ir-unanswered';
    await connectUser(h, user);
    const c = await connect(new AlterMCP(h.vault, { defaultUser: user, logger: h.leak.logger }), new IssueTools(), { manual: true });
    const first = asApprovalQuestion(await c.first('open_issue', { title: 'Later' }));
    const again = asApprovalQuestion(await c.retry('open_issue', { title: 'Later' }, first.requestState, 'none'));
    expect(again.requestState).not.toBe(first.requestState);
    expect(created()).toBe(0);
  });

  it('one approval per call: a second request needing approval in the same call is refused, the first sent once', async () => {
    const user = 'ir-two';
    await connectUser(h, user);
    const shown: string[] = [];
    const { client } = await connect(new AlterMCP(h.vault, { defaultUser: user, logger: h.leak.logger }), new IssueTools(), {
      manual: false,
      onForm: async (params) => {
        shown.push(params.message);
        return 'accept';
      },
    });
    const result = (await client.callTool({ name: 'open_two_issues', arguments: {} })) as CallResult;
    expect(result.isError).toBe(true);
    expect(text(result)).toContain(`POST ${ISSUES_URL} (github) needs the user's approval and was not sent`);
    expect(shown).toHaveLength(1);
    expect(shown[0]).toContain('"title": "first"');
    expect(created()).toBe(1);
  });

  it('a 2026 client without form elicitation is asked by URL: an approval link, nothing sent', async () => {
    const user = 'ir-noform';
    await connectUser(h, user);
    const { client } = await connect(new AlterMCP(h.vault, { defaultUser: user, logger: h.leak.logger }), new IssueTools(), {
      manual: true,
      capabilities: { elicitation: { url: {} } },
    });
    const result = (await client.callTool({ name: 'open_issue', arguments: { title: 'x' } }, { allowInputRequired: true })) as CallResult;
    expect(result.isError).toBe(true);
    expect(text(result)).toContain("open_issue needs the user's approval before it sends this request to github; nothing was sent");
    expect(text(result)).toMatch(/\/connect\/approvals\/[A-Za-z0-9_-]+/);
    expect(created()).toBe(0);
  });
});

describe('expiry', () => {
  it('refuses a state past the approval expiry with a clear -32602, sending nothing', async () => {
    const short = await createMcpHarness({ providers: ['github'], approvalTtlMs: 1_000 });
    closers.push(() => short.close());
    const user = 'ir-expiry';
    await connectUser(short, user);
    const c = await connect(new AlterMCP(short.vault, { defaultUser: user, logger: short.leak.logger }), new IssueTools(), {
      manual: true,
    });
    const question = asApprovalQuestion(await c.first('open_issue', { title: 'Too late' }));
    const { e: expiresAt } = JSON.parse(Buffer.from(question.requestState.split('.')[1]!, 'base64url').toString('utf8')) as { e: number };
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 1_000);
    while (Date.now() <= expiresAt) await new Promise((resolve) => setTimeout(resolve, 100));
    const err = await c.retry('open_issue', { title: 'Too late' }, question.requestState).then(
      () => undefined,
      (e: unknown) => e as ProtocolError,
    );
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err!.code).toBe(-32602);
    expect(err!.message).toContain('has expired (the authorization link or the approval it belonged to expired with it)');
    expect(err!.message).toContain('Call open_issue again without requestState to start over');
    expect(err!.data).toEqual({ reason: 'invalid_request_state', detail: 'expired' });
    expect(created(short)).toBe(0);
    await short.collectTokens();
    short.leak.inspect([question, err, await short.vault.audit.query({ limit: 1000 })], 'expiry');
    short.leak.assertClean();
  });
});

describe('2025-11-25 regression', () => {
  it('a 2025 client with form elicitation is asked mid-call by the session elicitation (approvalVia: elicitation)', async () => {
    const user = 'ir-2025';
    await connectUser(h, user);
    const server = new McpServer({ name: 'approval-2025', version: '1.0.0' });
    const alter = new AlterMCP(h.vault, { defaultUser: user, logger: h.leak.logger });
    alter.register(server, [new IssueTools()]);
    const client = new Client({ name: 'client-2025', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
    const asked: string[] = [];
    client.setRequestHandler('elicitation/create', async (request) => {
      asked.push((request.params as { message: string }).message);
      return { action: 'accept', content: {} };
    });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await Promise.all([server.connect(a), client.connect(b)]);
    closers.push(async () => {
      await client.close();
      await alter.close();
    });
    expect(client.getNegotiatedProtocolVersion()).not.toBe(MODERN_PROTOCOL_VERSION);
    const result = await client.callTool({ name: 'open_issue', arguments: { title: 'Old client' } });
    expect(text(result)).toBe('201');
    expect(asked).toHaveLength(1);
    expect(created()).toBe(1);
    const rows = await issueRows(user);
    expect(rows.map((r) => [r.status, r.approval ?? null, r.approvalVia ?? null])).toEqual([[201, 'approved', 'elicitation']]);
  });
});

describe('leak check', () => {
  it('no token, refresh token, vault key or request-state key appears in any result, error, log or audit row', async () => {
    // A sealed state of its own, so the request-state key exists whatever ran before (in any order).
    const user = 'ir-leak';
    await connectUser(h, user);
    const c = await connect(new AlterMCP(h.vault, { defaultUser: user, logger: h.leak.logger }), new IssueTools(), { manual: true });
    h.leak.inspect(asApprovalQuestion(await c.first('open_issue', { title: 'Leak check' })), 'leak-check question');
    await h.collectTokens();
    const slot = await h.vault.store.kvGet('mcp:recovery', 'request-state-hmac');
    expect(slot).toBeDefined();
    h.leak.secret(h.vault.openSecret(slot!.value), 'request-state key');
    h.leak.inspect(await h.vault.audit.query({ limit: 1000 }), 'audit rows');
    h.leak.assertClean();
  });
});
