/**
 * @alter/mcp end to end over the SDK's in-memory transport with the real Client, against the
 * sandbox OAuth server and fake Google APIs, with a real SQLite vault — once per MCP SDK
 * generation (v1 `@modelcontextprotocol/sdk`, v2 `@modelcontextprotocol/server` + `client`), each
 * with its own real `McpServer`, `Server`, `Client` and in-memory transport.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AlterMCP, AlterTool, type AlterContext, CONNECT_META_KEY, ToolRegistrationError } from '@alter/mcp';
import { CALENDAR_EVENTS, CALENDAR_READONLY, CalendarTools, GMAIL_READONLY, GmailTools, UtilityTools } from '../fixtures/example.tools.js';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';
import { SDK_GENERATIONS, type SdkKit } from '../support/sdk-generations.js';

let h: McpHarness;
const cancelled: { value: boolean; started?: () => void } = { value: false };

class SlowTools {
  @AlterTool({ description: 'Waits until the client cancels.' })
  async waitForCancel(ctx: AlterContext): Promise<string> {
    cancelled.started?.();
    await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
    cancelled.value = true;
    return 'cancelled';
  }
}

async function connect(sdk: SdkKit, alter: AlterMCP, modules: object[], options: { elicitation?: boolean; sdkTool?: boolean } = {}) {
  const server = sdk.mcpServer('e2e');
  if (options.sdkTool) sdk.registerSdkTool(server, 'sdk_ping', 'Registered with the raw SDK', (who) => `pong ${who}`, true);
  alter.register(server, modules);
  // Registered after AlterMCP installed its handlers: must still be listed and callable.
  if (options.sdkTool) sdk.registerSdkTool(server, 'sdk_late', 'Registered after AlterMCP', () => 'late', false);
  const client = await sdk.connectInMemory(server, { urlElicitation: options.elicitation === true });
  return {
    server,
    client,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

/**
 * Connects `user` to Google with `scopes` through the real Connect flow (sandbox login and
 * consent). A test that needs a grant makes it itself, so it passes alone (`-t`) and in any order;
 * connecting again with scopes the grant already has changes nothing (re-authorization keeps the
 * union of scopes).
 */
async function connectGoogle(user: string, scopes: string[]): Promise<void> {
  const session = await h.vault.connect.createSession({ user, providers: { google: scopes } });
  await h.sandbox.approve(session.url, { login: user });
  const done = await h.vault.connect.waitFor(session.id, { timeoutMs: 20_000 });
  if (done.status !== 'complete') throw new Error(`connecting ${user} to Google ended ${done.status}`);
}

/** Revokes `user`'s Google grant, if any, for a test that starts from "not connected". */
async function disconnectGoogle(user: string): Promise<void> {
  const grant = await h.vault.grants.get({ user, provider: 'google' });
  if (grant && grant.status === 'active') await h.vault.grants.revoke({ id: grant.id });
}

describe.each(SDK_GENERATIONS)('AlterMCP over the in-memory transport (SDK $name)', (sdk) => {
  // One vault per generation: the first call of each test must find no grant.
  beforeAll(async () => {
    h = await createMcpHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('lists the precomputed tools without the context parameter, beside a raw SDK tool', async () => {
    const alter = new AlterMCP(h.vault, { defaultUser: 'alice', logger: h.leak.logger });
    const { client, close } = await connect(sdk, alter, [CalendarTools, GmailTools, UtilityTools], { sdkTool: true });
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(['list_events', 'create_event', 'list_emails', 'summarize_inbox', 'echo', 'sdk_ping', 'sdk_late']),
    );
    const listEvents = tools.find((t) => t.name === 'list_events')!;
    expect(listEvents.description).toBe('List upcoming calendar events.');
    expect(listEvents.annotations).toEqual({ readOnlyHint: true });
    expect(Object.keys(listEvents.inputSchema.properties ?? {})).toEqual(['maxResults']);
    expect(tools.find((t) => t.name === 'create_event')!.outputSchema).toMatchObject({ properties: { id: { type: 'string' } } });
    // The raw SDK tool still works beside ours.
    const pong = await client.callTool('sdk_ping', { who: 'bob' });
    expect(pong.content[0]!.text).toBe('pong bob');
    expect((await client.callTool('sdk_late', {})).content[0]!.text).toBe('late');
    const echoed = await client.callTool('echo', { text: 'hi', times: 2 });
    expect(echoed).toEqual({ content: [{ type: 'text', text: 'hihi' }] });
    await close();
  });

  it('registers on the low-level Server too, serving 2020-12 JSON Schema untouched', async () => {
    const alter = new AlterMCP(h.vault, { defaultUser: 'alice', logger: h.leak.logger });
    const server = sdk.lowLevelServer('low');
    alter.register(server, [UtilityTools]);
    const client = await sdk.connectInMemory(server);
    const { tools } = await client.listTools();
    expect(tools.find((t) => t.name === 'echo')!.inputSchema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      required: ['text'],
    });
    expect((await client.callTool('echo', { text: 'x' })).content[0]!.text).toBe('x');
    const missing = await client.callTool('nope', {}).catch((e: unknown) => e);
    expect(sdk.protocolError(missing)?.code).toBe(-32602);
    await client.close();
    await server.close();
  });

  it('answers the first call with a Connect URL, and the same call succeeds after approval (fallback path)', async () => {
    await disconnectGoogle('alice');
    const alter = new AlterMCP(h.vault, { defaultUser: 'alice', logger: h.leak.logger });
    const { client, close } = await connect(sdk, alter, [CalendarTools]);
    const first = await client.callTool('list_events', { maxResults: 5 });
    expect(first.isError).toBe(true);
    const text = first.content[0]!.text!;
    expect(text).toContain('google');
    const url = /(http:\/\/127\.0\.0\.1:\d+\/connect\/[A-Za-z0-9_-]+)/.exec(text)?.[1];
    expect(url).toBeDefined();
    expect((first._meta![CONNECT_META_KEY] as { url: string }).url).toBe(url);
    const approved = await h.sandbox.approve(url!, { login: 'alice' });
    expect(approved.status).toBe(200);
    const second = await client.callTool('list_events', { maxResults: 5 });
    expect(second.isError).toBeFalsy();
    expect(Array.isArray(JSON.parse(second.content[0]!.text!))).toBe(true);
    h.leak.inspect(first, 'connect result');
    h.leak.inspect(second, 'tool result');
    await close();
  });

  it('names the missing scopes and offers a re-authorize URL (ScopeReauthRequiredError)', async () => {
    // alice holds a Calendar grant, read-only: writing needs one more scope.
    await connectGoogle('alice', [CALENDAR_READONLY]);
    const alter = new AlterMCP(h.vault, { defaultUser: 'alice', logger: h.leak.logger });
    const { client, close } = await connect(sdk, alter, [CalendarTools]);
    const args = { summary: 'Standup', start: '2026-11-26T09:00:00Z', end: '2026-11-26T09:15:00Z' };
    const first = await client.callTool('create_event', args);
    expect(first.isError).toBe(true);
    expect(first.content[0]!.text).toContain(CALENDAR_EVENTS);
    const meta = first._meta?.[CONNECT_META_KEY] as { url: string; missingScopes: string[] };
    expect(meta.missingScopes).toEqual([CALENDAR_EVENTS]);
    await h.sandbox.approve(meta.url, { login: 'alice' });
    const second = await client.callTool('create_event', args);
    expect(second.isError).toBeFalsy();
    expect(second.structuredContent).toMatchObject({ summary: 'Standup' });
    expect(JSON.parse(second.content[0]!.text!)).toEqual(second.structuredContent);
    await close();
  });

  it('raises URL elicitation (-32042) when the client supports it and notifies completion', async () => {
    await disconnectGoogle('bob');
    const alter = new AlterMCP(h.vault, { defaultUser: 'bob', logger: h.leak.logger });
    const { client, close } = await connect(sdk, alter, [GmailTools], { elicitation: true });
    const completed: string[] = [];
    let onComplete: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      onComplete = resolve;
    });
    client.onElicitationComplete((elicitationId) => {
      completed.push(elicitationId);
      onComplete();
    });
    const err = await client.callTool('list_emails', { query: 'x' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const protocolError = sdk.protocolError(err);
    expect(protocolError?.code).toBe(-32042);
    const elicitation = (
      protocolError!.data as { elicitations: Array<{ mode: string; url: string; elicitationId: string; message: string }> }
    ).elicitations[0]!;
    expect(elicitation.mode).toBe('url');
    expect(elicitation.message).toContain('google');
    await h.sandbox.approve(elicitation.url, { login: 'bob' });
    await done;
    expect(completed).toEqual([elicitation.elicitationId]);
    const ok = await client.callTool('list_emails', { query: 'x' });
    expect(ok.isError).toBeFalsy();
    await close();
    await alter.close();
  });

  it('raises URL elicitation (-32042) naming the missing scopes for re-authorization, and notifies completion', async () => {
    const alter = new AlterMCP(h.vault, { defaultUser: 'carol', logger: h.leak.logger });
    // carol first holds a read-only calendar grant (fallback answer: no URL elicitation declared).
    const plain = await connect(sdk, alter, [CalendarTools]);
    const first = await plain.client.callTool('list_events', { maxResults: 1 });
    await h.sandbox.approve((first._meta![CONNECT_META_KEY] as { url: string }).url, { login: 'alice' });
    expect((await plain.client.callTool('list_events', { maxResults: 1 })).isError).toBeFalsy();
    await plain.close();

    const { client, close } = await connect(sdk, alter, [CalendarTools], { elicitation: true });
    const completed = new Promise<string>((resolve) => client.onElicitationComplete(resolve));
    const args = { summary: 'Review', start: '2026-11-27T10:00:00Z', end: '2026-11-27T10:30:00Z' };
    const err = await client.callTool('create_event', args).then(
      () => undefined,
      (e: unknown) => e,
    );
    const protocolError = sdk.protocolError(err);
    expect(protocolError?.code).toBe(-32042);
    const elicitation = (
      protocolError!.data as { elicitations: Array<{ mode: string; url: string; elicitationId: string; message: string }> }
    ).elicitations[0]!;
    expect(elicitation.mode).toBe('url');
    expect(elicitation.message).toContain(`missing permissions (${CALENDAR_EVENTS})`);
    await h.sandbox.approve(elicitation.url, { login: 'alice' });
    expect(await completed).toBe(elicitation.elicitationId);
    const created = await client.callTool('create_event', args);
    expect(created.isError).toBeFalsy();
    expect(created.structuredContent).toMatchObject({ summary: 'Review' });
    h.leak.inspect(err, 'elicitation error');
    await close();
    await alter.close();
  });

  it('runs nested tools in a child audit context: the inner row has parentTool and the chain', async () => {
    await connectGoogle('bob', [GMAIL_READONLY]);
    const alter = new AlterMCP(h.vault, { defaultUser: 'bob', logger: h.leak.logger });
    const { client, close } = await connect(sdk, alter, [GmailTools]);
    const res = await client.callTool('summarize_inbox', {});
    expect(res.isError).toBeFalsy();
    expect(res.content[0]!.text).toMatch(/^Found \d+ unread emails$/);
    await h.vault.audit.flush();
    const rows = await h.vault.audit.query({ user: 'bob', tool: 'list_emails', limit: 1 });
    expect(rows[0]).toMatchObject({
      tool: 'list_emails',
      parentTool: 'summarize_inbox',
      chain: ['summarize_inbox', 'list_emails'],
      status: 200,
    });
    expect(rows[0]!.callId).toEqual(expect.any(String));
    h.leak.inspect(rows, 'audit rows');
    await close();
  });

  it('stops runaway recursion with a clear error', async () => {
    const alter = new AlterMCP(h.vault, { defaultUser: 'bob', maxNestingDepth: 4, logger: h.leak.logger });
    const { client, close } = await connect(sdk, alter, [GmailTools]);
    const res = await client.callTool('runaway', {});
    expect(res.isError).toBe(true);
    expect(res.content[0]!.text).toContain('maximum depth of 4');
    await close();
  });

  it('rejects invalid input naming each field, without calling the method', async () => {
    const gmail = new GmailTools();
    const alter = new AlterMCP(h.vault, { defaultUser: 'bob', logger: h.leak.logger });
    const { client, close } = await connect(sdk, alter, [gmail, UtilityTools]);
    const res = await client.callTool('list_emails', { query: 5 });
    expect(res.isError).toBe(true);
    expect(res.content[0]!.text).toMatch(/^Invalid arguments for tool list_emails:\n- query: /);
    expect(gmail.calls).toBe(0);
    const res2 = await client.callTool('echo', { text: '', times: 9, extra: true });
    expect(res2.content[0]!.text).toContain('- text:');
    expect(res2.content[0]!.text).toContain('- times:');
    await close();
  });

  it('maps errors: ToolError text for the model, other errors to a safe message', async () => {
    const alter = new AlterMCP(h.vault, { defaultUser: 'bob', logger: h.leak.logger });
    const { client, close } = await connect(sdk, alter, [UtilityTools]);
    const refused = await client.callTool('refuse', {});
    expect(refused).toEqual({ content: [{ type: 'text', text: 'No channel named #nowhere.' }], isError: true });
    const crashed = await client.callTool('crash', {});
    expect(crashed.isError).toBe(true);
    expect(crashed.content[0]!.text).not.toContain('hunter2');
    expect(crashed.content[0]!.text).toMatch(/internal error \(Error\).*call id/);
    await close();
  });

  it('refuses calls when no user is known, saying how to configure one', async () => {
    const alter = new AlterMCP(h.vault, { logger: h.leak.logger });
    const { client, close } = await connect(sdk, alter, [CalendarTools]);
    const res = await client.callTool('list_events', {});
    expect(res.isError).toBe(true);
    expect(res.content[0]!.text).toContain('defaultUser');
    await close();
  });

  it('sends progress notifications when the client asks for them', async () => {
    const alter = new AlterMCP(h.vault, { defaultUser: 'bob', logger: h.leak.logger });
    const { client, close } = await connect(sdk, alter, [UtilityTools]);
    const seen: number[] = [];
    const res = await client.callTool('countdown', { steps: 3 }, { onprogress: (p) => seen.push(p.progress) });
    expect(res.content[0]!.text).toBe('done');
    expect(seen).toEqual([1, 2, 3]);
    await close();
  });

  it('aborts ctx.signal when the client cancels the call', async () => {
    const alter = new AlterMCP(h.vault, { defaultUser: 'bob', logger: h.leak.logger });
    const { client, close } = await connect(sdk, alter, [SlowTools]);
    cancelled.value = false;
    const started = new Promise<void>((resolve) => {
      cancelled.started = resolve;
    });
    const ac = new AbortController();
    const call = client.callTool('wait_for_cancel', {}, { signal: ac.signal }).catch((e: unknown) => e);
    await started;
    ac.abort('user pressed stop');
    await call;
    for (let i = 0; i < 50 && !cancelled.value; i++) await new Promise((r) => setTimeout(r, 10));
    expect(cancelled.value).toBe(true);
    await close();
  });

  it('fails at startup naming class, method and fixes: duplicates across classes and unknown providers', () => {
    class A {
      @AlterTool({ description: 'a', name: 'same' })
      one(_ctx: AlterContext) {
        return 1;
      }
    }
    class B {
      @AlterTool({ description: 'b', name: 'same' })
      two(_ctx: AlterContext) {
        return 2;
      }
      @AlterTool('dropbox', { description: 'c' })
      three(_ctx: AlterContext) {
        return 3;
      }
    }
    const alter = new AlterMCP(h.vault, { defaultUser: 'x', logger: h.leak.logger });
    const server = sdk.mcpServer('s');
    let err: unknown;
    try {
      alter.register(server, [A, B]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ToolRegistrationError);
    const msg = (err as Error).message;
    expect(msg).toContain('B.two: tool name "same" is also used by A.one');
    expect(msg).toContain('B.three: uses provider "dropbox", which the vault does not know (known: google)');
    expect(msg).toContain('Likely fixes');
  });

  it('passes the leak check: no token in results, logs, errors or audit rows', async () => {
    await h.collectTokens();
    h.leak.inspect(await h.vault.audit.query({ limit: 1000 }), 'all audit rows');
    h.leak.assertClean();
  });
});
