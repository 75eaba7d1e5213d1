/**
 * GitHub's and Slack's "insufficient scope" answers reach the model as a re-authorize link naming
 * the scope (issue #13, finding 2), through the SDK's real Client, the sandbox's fake APIs and a
 * SQLite vault; after approval the same call works. Tools declare no scopes, like the Python docs'.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { AlterMCP, AlterTool, type AlterContext, CONNECT_META_KEY } from '@alter/mcp';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';

type ToolResultT = { content: Array<{ type: string; text?: string }>; isError?: boolean; _meta?: Record<string, unknown> };

class UnscopedTools {
  @AlterTool('github', { description: 'Read a repository.', input: z.object({ owner: z.string(), repo: z.string() }) })
  async getRepo(ctx: AlterContext, { owner, repo }: { owner: string; repo: string }) {
    const res = await ctx.request('GET', 'https://api.github.com/repos/{owner}/{repo}', { pathParams: { owner, repo } });
    return { status: res.status, name: res.json<{ name?: string }>().name ?? null };
  }

  @AlterTool('slack', { description: 'Post a message.', input: z.object({ channel: z.string(), text: z.string() }) })
  async sendMessage(ctx: AlterContext, { channel, text }: { channel: string; text: string }) {
    return (await ctx.request('POST', 'https://slack.com/api/chat.postMessage', { json: { channel, text } })).json();
  }
}

let h: McpHarness;
let client: Client;
let closeAll: () => Promise<void>;

beforeAll(async () => {
  h = await createMcpHarness({ providers: ['github', 'slack'] });
  const alter = new AlterMCP(h.vault, { defaultUser: 'signals-user', logger: h.leak.logger });
  const server = new McpServer({ name: 'signals', version: '1.0.0' });
  alter.register(server, [UnscopedTools]);
  const [a, b] = InMemoryTransport.createLinkedPair();
  client = new Client({ name: 'signals-client', version: '1.0.0' });
  await Promise.all([server.connect(a), client.connect(b)]);
  closeAll = async () => {
    await client.close();
    await server.close();
  };
});
afterAll(async () => {
  await closeAll?.();
  await h?.close();
});

async function reauthorizeThenWork(name: string, args: Record<string, unknown>, scope: string): Promise<ToolResultT[]> {
  const call = async () => (await client.callTool({ name, arguments: args })) as ToolResultT;
  const connect = await call();
  expect(connect.isError).toBe(true);
  await h.sandbox.approve((connect._meta![CONNECT_META_KEY] as { url: string }).url, { login: 'alice' });
  const reauthorize = await call();
  expect(reauthorize.isError).toBe(true);
  expect(reauthorize.content[0]!.text).toContain(scope);
  const meta = reauthorize._meta![CONNECT_META_KEY] as { url: string; missingScopes: string[] };
  expect(meta.missingScopes).toEqual([scope]);
  await h.sandbox.approve(meta.url, { login: 'alice' });
  const works = await call();
  expect(works.isError).toBeFalsy();
  return [connect, reauthorize, works];
}

describe('provider-reported scope shortfalls over MCP', () => {
  it('GitHub: the 404 hiding a private repository becomes a re-authorize link for `repo`', async () => {
    const results = await reauthorizeThenWork('get_repo', { owner: 'alice', repo: 'private-notes' }, 'repo');
    expect(JSON.parse(results[2]!.content[0]!.text!)).toEqual({ status: 200, name: 'private-notes' });
    h.leak.inspect(results, 'github results');
  });

  it('Slack: missing_scope becomes a re-authorize link for `chat:write`', async () => {
    const results = await reauthorizeThenWork('send_message', { channel: 'C0GENERAL01', text: 'hello' }, 'chat:write');
    expect(JSON.parse(results[2]!.content[0]!.text!)).toMatchObject({ ok: true });
    expect(h.sandbox.fakes.slack.messages('C0GENERAL01').at(-1)?.text).toBe('hello');
    h.leak.inspect(results, 'slack results');
  });

  it('leaks no token or secret', async () => {
    await h.collectTokens();
    h.leak.assertClean();
  });
});
