import { expectToolsDeclareEndpoints, expectToolsMatchManifest } from '@alter/testing';
import { SLACK_CHAT_WRITE, SlackChannelTools, SlackMessageTools, SlackTools, slackManifest } from '@alter/tools-slack';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { CONNECT_URL, fuzzEveryTool, type PackStack, startPackStack, textOf, USER } from './support/pack-stack.js';

describe('@alter/tools-slack, what it declares', () => {
  it('every tool declares the endpoints it calls (this suite runs with undeclared: "deny", so each call below stays inside them)', () => {
    expectToolsDeclareEndpoints(SlackTools, Object.keys(slackManifest.scopesByTool));
  });
  it('exports the pack whole and by class', () => {
    expect(SlackTools).toEqual([SlackChannelTools, SlackMessageTools]);
  });
});

// Every test gets its own stack (sandbox with freshly seeded fakes, vault, server, client), so each
// passes alone and in any order: none sees the grants, messages or audit rows of another.
describe('@alter/tools-slack through the real stack (sandbox, SQLite vault, AlterMCP, SDK client)', () => {
  let stack: PackStack;

  beforeEach(async () => {
    stack = await startPackStack(['slack'], SlackTools);
  });
  afterEach(async () => {
    await stack?.close();
    stack?.leaks.assertClean();
  });

  it('lists every tool of the manifest, each field described, with output schema and truthful annotations', async () => {
    const { tools } = await stack.client.listTools();
    expectToolsMatchManifest(tools, slackManifest);
    for (const tool of tools) {
      const writes = tool.name === 'post_message';
      expect(tool.annotations).toMatchObject({
        readOnlyHint: !writes,
        destructiveHint: false,
        idempotentHint: !writes,
        openWorldHint: true,
      });
    }
  });

  it('answers the first call with a Connect URL', async () => {
    const result = await stack.call('list_channels', {});
    expect(result.isError).toBe(true);
    expect(CONNECT_URL.test(textOf(result))).toBe(true);
  });

  describe('with Slack connected', () => {
    beforeEach(async () => {
      await stack.connect('slack', slackManifest.allScopes);
    });

    it('list_channels lists public channels only, with ids', async () => {
      const out = await stack.callOk<{
        channels: Array<{ id: string; name: string; isPrivate?: boolean; isMember?: boolean; numMembers?: number; purpose?: string }>;
      }>('list_channels', {});
      expect(out.channels.map((c) => c.name)).toEqual(['general', 'random']);
      expect(out.channels[0]).toMatchObject({ id: 'C0GENERAL01', isPrivate: false, isMember: true, numMembers: 2 });
      const page = await stack.callOk<{ channels: unknown[]; nextCursor?: string }>('list_channels', { limit: 1 });
      expect(page.channels).toHaveLength(1);
      const next = await stack.callOk<{ channels: Array<{ name: string }> }>('list_channels', { limit: 1, cursor: page.nextCursor });
      expect(next.channels.map((c) => c.name)).toEqual(['random']);
    });

    it('post_message posts as the user and read_channel_history reads it back, newest first', async () => {
      const posted = await stack.callOk<{ channel: string; ts: string; text?: string }>('post_message', {
        channel: 'C0RANDOM001',
        text: 'Hello *world* from a tool',
      });
      expect(posted).toMatchObject({ channel: 'C0RANDOM001', text: 'Hello *world* from a tool' });
      const reply = await stack.callOk<{ threadTs?: string }>('post_message', {
        channel: '#random',
        text: 'in thread',
        threadTs: posted.ts,
      });
      expect(reply.threadTs).toBe(posted.ts);
      const stored = stack.sandbox.fakes.slack.messages('C0RANDOM001');
      expect(stored.map((m) => m.text)).toEqual(['Hello *world* from a tool', 'in thread']);
      expect(stored[0]?.user).toBe(stack.sandbox.user(USER).slackId);
      expect(stored[1]?.thread_ts).toBe(posted.ts);

      const history = await stack.callOk<{ messages: Array<{ ts: string; text: string; threadTs?: string }>; hasMore: boolean }>(
        'read_channel_history',
        { channel: 'C0RANDOM001', limit: 1 },
      );
      expect(history.messages.map((m) => m.text)).toEqual(['in thread']);
      expect(history.hasMore).toBe(true);
      const since = await stack.callOk<{ messages: Array<{ text: string }> }>('read_channel_history', {
        channel: 'C0RANDOM001',
        oldest: posted.ts,
      });
      expect(since.messages.map((m) => m.text)).toEqual(['in thread']);
    });

    it("Slack's ok:false becomes an error result carrying its error code and a hint", async () => {
      const result = await stack.call('read_channel_history', { channel: 'C0NOPE00000' });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/channel_not_found/);
      expect(textOf(result)).toMatch(/list_channels/);
    });

    it('random JSON arguments never crash a tool (every answer is a result, never an internal error)', async () => {
      expect(await fuzzEveryTool(stack)).toBeGreaterThan(0);
    });

    it('rejects an empty message and a malformed channel before any request', async () => {
      const before = stack.sandbox.stats.apiRequests.total;
      expect((await stack.call('post_message', { channel: 'C0RANDOM001', text: '' })).isError).toBe(true);
      expect((await stack.call('read_channel_history', { channel: 'general' })).isError).toBe(true);
      expect(stack.sandbox.stats.apiRequests.total).toBe(before);
    });
  });

  describe('the fake Slack API checks shapes and scopes like the real one', () => {
    it('answers no_text for a post without text, and missing_scope (naming it) for a token without chat:write', async () => {
      await stack.connect('slack', slackManifest.allScopes);
      const noText = await stack.vault.request('slack', 'POST', 'https://slack.com/api/chat.postMessage', {
        user: USER,
        endpoints: ['POST /api/chat.postMessage'],
        json: { channel: 'C0RANDOM001' },
      });
      expect(noText.json()).toMatchObject({ ok: false, error: 'no_text' });
      await stack.connect('slack', ['channels:read'], 'bob');
      // The raw answer (by default the vault raises ScopeReauthRequiredError naming chat:write).
      const denied = await stack.vault.request('slack', 'POST', 'https://slack.com/api/chat.postMessage', {
        user: 'bob',
        endpoints: ['POST /api/chat.postMessage'],
        json: { channel: 'C0RANDOM001', text: 'hi' },
        scopeErrors: 'return',
      });
      expect(denied.json()).toMatchObject({ ok: false, error: 'missing_scope', needed: SLACK_CHAT_WRITE });
    });
  });
});
