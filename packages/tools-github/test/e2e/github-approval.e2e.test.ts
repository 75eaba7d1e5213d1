/**
 * Issue #16, human approval by form elicitation, through the real stack (sandbox OAuth server and
 * fake GitHub, SQLite vault, AlterMCP, the SDK's real Client declaring form elicitation): the
 * pack's `create_issue`, registered with `requireApproval: ['create_issue']`, asks the user with a
 * form showing the exact request (method, URL, body summary; nothing secret) before GitHub is
 * called. accept → GitHub received exactly one request; decline → none; both audited.
 * Without the opt-in the pack behaves as before (no question).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { type ElicitRequest, ElicitRequestSchema, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { GitHubIssueTools, githubManifest } from '@alter/tools-github';
import { AlterMCP } from '@alter/mcp';
import { startToolPackHarness, textOf, TOOL_PACK_USER as USER, type ToolPackHarness } from '@alter/testing';

/** What the next elicitation is answered with, and every elicitation the client received. */
let answer: ElicitResult = { action: 'decline' };
const asked: ElicitRequest[] = [];

/** The SDK's real Client, declaring form elicitation and answering it with `answer`. */
class ApprovingClient extends Client {
  constructor(info: { name: string; version: string }) {
    super(info, { capabilities: { elicitation: { form: {} } } });
    this.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(req);
      return answer;
    });
  }
}

const CREATE_ROUTE = 'POST /repos/:owner/:repo/issues';

describe('create_issue with requireApproval (form elicitation)', () => {
  let stack: ToolPackHarness<ApprovingClient>;
  const created = () => stack.sandbox.stats.apiRequests.byRoute[CREATE_ROUTE] ?? 0;

  beforeAll(async () => {
    stack = await startToolPackHarness({
      sdk: { Client: ApprovingClient, InMemoryTransport, McpServer },
      AlterMCP,
      tools: [GitHubIssueTools],
      providers: ['github'],
      registrations: [{ requireApproval: ['create_issue'] }, { prefix: 'plain_', include: ['create_issue'] }],
    });
    await stack.connect('github', githubManifest.allScopes);
  });
  beforeEach(() => {
    asked.length = 0;
    stack.sandbox.stats.reset();
  });
  afterAll(async () => {
    await stack?.close();
    stack?.leaks.assertClean();
  });

  it('shows the exact request and, on accept, sends it to GitHub exactly once', async () => {
    answer = { action: 'accept', content: {} };
    const issue = await stack.callOk<{ number: number; title: string }>('create_issue', {
      owner: 'alice',
      repo: 'hello-world',
      title: 'Approved issue',
      body: 'Created after approval',
    });
    expect(issue.title).toBe('Approved issue');
    expect(created()).toBe(1);
    expect(asked).toHaveLength(1);
    const params = asked[0]!.params as { mode?: string; message: string; requestedSchema: { properties: Record<string, unknown> } };
    expect(params.mode ?? 'form').toBe('form');
    expect(params.message).toContain('create_issue wants to send this request to github:');
    expect(params.message).toContain('POST https://api.github.com/repos/alice/hello-world/issues');
    expect(params.message).toContain('"title": "Approved issue"');
    expect(params.message).toContain('"body": "Created after approval"');
    expect(params.requestedSchema.properties).toEqual({});
    stack.leaks.inspect(asked, 'approval elicitations');
    await stack.vault.audit.flush();
    const [row] = await stack.vault.audit.query({ user: USER, provider: 'github', limit: 1 });
    expect(row).toMatchObject({
      tool: 'create_issue',
      method: 'POST',
      status: 201,
      approval: 'approved',
      approvalBy: USER,
      approvalVia: 'elicitation',
    });
    expect(row!.approvalAt).toBeInstanceOf(Date);
  });

  it.each([
    ['decline', { action: 'decline' } as ElicitResult, 'declined', /the user declined it\. Nothing was sent\./],
    ['cancel', { action: 'cancel' } as ElicitResult, 'declined', /the user cancelled the question\. Nothing was sent\./],
  ])('on %s sends nothing to GitHub, says so clearly and audits it', async (_label, given, audited, message) => {
    answer = given;
    const result = await stack.call('create_issue', { owner: 'alice', repo: 'hello-world', title: 'Refused issue' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(
      /^Tool create_issue failed: POST https:\/\/api\.github\.com\/repos\/alice\/hello-world\/issues \(github\) needs the user's approval and was not sent: /,
    );
    expect(textOf(result)).toMatch(message);
    expect(asked).toHaveLength(1);
    expect(created()).toBe(0);
    expect(stack.sandbox.stats.apiRequests.total).toBe(0);
    await stack.vault.audit.flush();
    const [row] = await stack.vault.audit.query({ user: USER, provider: 'github', limit: 1 });
    expect(row).toMatchObject({
      tool: 'create_issue',
      status: null,
      errorCode: 'ALTER_APPROVAL_REFUSED',
      approval: audited,
      approvalBy: USER,
      approvalVia: 'elicitation',
    });
  });

  it('asks again for every call: an approval covers one request', async () => {
    answer = { action: 'accept', content: {} };
    await stack.callOk('create_issue', { owner: 'alice', repo: 'hello-world', title: 'One' });
    await stack.callOk('create_issue', { owner: 'alice', repo: 'hello-world', title: 'Two' });
    expect(asked).toHaveLength(2);
    expect(created()).toBe(2);
  });

  it('leaves the pack unchanged without the opt-in: no question, the issue is created', async () => {
    answer = { action: 'decline' };
    await stack.callOk('plain_create_issue', { owner: 'alice', repo: 'hello-world', title: 'No approval needed' });
    expect(asked).toHaveLength(0);
    expect(created()).toBe(1);
  });
});
