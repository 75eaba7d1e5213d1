/**
 * Issue #16, `@AlterTool(provider, { approval: 'required' })`: each provider request of the tool
 * is shown to the user by form elicitation and sent only on accept. A client without form
 * elicitation gets an approval link instead, with nothing sent. Two requests with different
 * bodies need two approvals. Declaration errors are clear. Real parts: the sandbox (OAuth server +
 * fake GitHub), a SQLite vault, the SDK's real Client over the in-memory transport, the leak check.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { type ElicitRequest, ElicitRequestSchema, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { InvalidArgumentError } from '@alter/vault';
import { AlterMCP, AlterTool, type AlterContext, ToolDefinitionError } from '@alter/mcp';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';

type ToolResultT = { content: Array<{ type: string; text?: string }>; isError?: boolean };

const USER = 'approver';
/**
 * The user of the approval-link test: the link it gets leaves a pending approval for exactly the
 * request the accept test makes, and a pending approval of the same user and request answers that
 * request with its link — so in a random test order the accept test got a link, not a question.
 */
const LINK_USER = 'approver-by-link';
/** The sandbox's GitHub login the user connects as (owns alice/hello-world). */
const LOGIN = 'alice';
const ISSUES = 'https://api.github.com/repos/{owner}/{repo}/issues';
const CREATE_ROUTE = 'POST /repos/:owner/:repo/issues';

class ApprovalTools {
  @AlterTool('github', { description: 'Opens one issue.', scopes: ['repo'], approval: 'required' })
  async openIssue(ctx: AlterContext): Promise<string> {
    const res = await ctx.request('POST', ISSUES, {
      pathParams: { owner: LOGIN, repo: 'hello-world' },
      json: { title: 'from approval test' },
    });
    return String(res.status);
  }

  @AlterTool('github', { description: 'Opens two issues with different titles.', scopes: ['repo'], approval: 'required' })
  async openTwoIssues(ctx: AlterContext): Promise<string> {
    const statuses: number[] = [];
    for (const title of ['first', 'second'])
      statuses.push((await ctx.request('POST', ISSUES, { pathParams: { owner: LOGIN, repo: 'hello-world' }, json: { title } })).status);
    return statuses.join(',');
  }
}

let h: McpHarness;

beforeAll(async () => {
  h = await createMcpHarness({ providers: ['github'] });
  for (const user of [USER, LINK_USER]) {
    const session = await h.vault.connect.createSession({ user, providers: { github: ['repo'] } });
    await h.sandbox.approve(session.url, { login: LOGIN });
    await h.vault.connect.waitFor(session.id, { timeoutMs: 10_000 });
  }
  await h.collectTokens();
});
beforeEach(() => {
  h.sandbox.stats.reset();
});
afterAll(async () => {
  for (const row of await h.vault.audit.query({ limit: 1000 })) h.leak.inspect(row, 'audit row');
  await h?.close();
  h?.leak.assertClean();
});

async function clientWith(
  capabilities: Record<string, unknown>,
  answer?: (req: ElicitRequest) => ElicitResult,
  user = USER,
): Promise<{ client: Client; asked: ElicitRequest[] }> {
  const asked: ElicitRequest[] = [];
  const server = new McpServer({ name: 'approval', version: '1.0.0' });
  new AlterMCP(h.vault, { defaultUser: user, logger: h.leak.logger }).register(server, [ApprovalTools]);
  const client = new Client({ name: 'approval-client', version: '1.0.0' }, { capabilities });
  if (answer) {
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(req);
      return answer(req);
    });
  }
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(a), client.connect(b)]);
  return { client, asked };
}

const text = (result: unknown): string => (result as ToolResultT).content[0]?.text ?? '';
const created = (): number => h.sandbox.stats.apiRequests.byRoute[CREATE_ROUTE] ?? 0;

describe("@AlterTool approval: 'required'", () => {
  it('asks before the provider call and sends once on accept', async () => {
    const { client, asked } = await clientWith({ elicitation: {} }, () => ({ action: 'accept', content: {} }));
    try {
      const result = await client.callTool({ name: 'open_issue', arguments: {} });
      expect(text(result)).toBe('201');
      expect(asked).toHaveLength(1);
      expect((asked[0]!.params as { message: string }).message).toContain(`POST https://api.github.com/repos/${LOGIN}/hello-world/issues`);
      expect(created()).toBe(1);
      h.leak.inspect([result, asked], 'approval: result and elicitation');
    } finally {
      await client.close();
    }
  });

  it('needs a new approval for a changed request: two bodies, two questions, each showing its own body', async () => {
    const { client, asked } = await clientWith({ elicitation: { form: {} } }, (req) => ({
      action: (req.params as { message: string }).message.includes('"second"') ? 'decline' : 'accept',
      content: {},
    }));
    try {
      const result = await client.callTool({ name: 'open_two_issues', arguments: {} });
      expect(asked.map((r) => (r.params as { message: string }).message.includes('"first"'))).toEqual([true, false]);
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/declined it\. Nothing was sent\./);
      // The first request was approved and sent; the second (another body) was declined and not sent.
      expect(created()).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('answers with an approval link, nothing sent, when the client cannot show a form (approval-url.test.ts has the rest)', async () => {
    const { client } = await clientWith({}, undefined, LINK_USER);
    try {
      const result = await client.callTool({ name: 'open_issue', arguments: {} });
      h.leak.inspect(result, 'approval link result');
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(new RegExp(`Show the user this link .*: ${h.connectUrl}/connect/approvals/[A-Za-z0-9_-]{44} `));
      expect(h.sandbox.stats.apiRequests.total).toBe(0);
      expect(h.sandbox.stats.tokenRequests.total).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('rejects a bad declaration with a clear error', () => {
    expect(() => {
      class Bad {
        @AlterTool('github', { description: 'x', approval: 'always' as never })
        async bad(): Promise<void> {}
      }
      return Bad;
    }).toThrow(/options\.approval must be 'required'/);
    expect(() => {
      class NoProvider {
        @AlterTool({ description: 'x', approval: 'required' })
        async bad(): Promise<void> {}
      }
      return NoProvider;
    }).toThrow(ToolDefinitionError);
  });

  it('rejects requireApproval naming an unknown tool', () => {
    const alter = new AlterMCP(h.vault, { defaultUser: USER, logger: h.leak.logger });
    expect(() => alter.register(new McpServer({ name: 'x', version: '1' }), [ApprovalTools], { requireApproval: ['nope'] })).toThrow(
      InvalidArgumentError,
    );
  });
});
