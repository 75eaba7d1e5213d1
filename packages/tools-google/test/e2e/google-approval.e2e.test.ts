/**
 * Issue #16: the pack's `send_email`, registered with `requireApproval: ['send_email']`, asks the user by
 * form elicitation before calling the provider (the SDK's real Client declaring form elicitation,
 * the sandbox, a SQLite vault). accept → exactly one provider request; decline → none.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { type ElicitRequest, ElicitRequestSchema, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { GmailTools, googleManifest } from '@alter/tools-google';
import { AlterMCP } from '@alter/mcp';
import { startToolPackHarness, textOf, type ToolPackHarness } from '@alter/testing';

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

describe('send_email with requireApproval (form elicitation)', () => {
  let stack: ToolPackHarness<ApprovingClient>;

  beforeAll(async () => {
    stack = await startToolPackHarness({
      sdk: { Client: ApprovingClient, InMemoryTransport, McpServer },
      AlterMCP,
      tools: [GmailTools],
      providers: ['google'],
      registrations: [{ requireApproval: ['send_email'] }],
    });
    await stack.connect('google', googleManifest.allScopes);
  });
  beforeEach(() => {
    asked.length = 0;
    stack.sandbox.stats.reset();
  });
  afterAll(async () => {
    await stack?.close();
    stack?.leaks.assertClean();
  });

  it('on decline sends nothing to the provider', async () => {
    answer = { action: 'decline' };
    const result = await stack.call('send_email', { to: ['bob@sandbox.test'], subject: 'Approval', body: 'Needs approval' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/needs the user's approval and was not sent: the user declined it\. Nothing was sent\./);
    expect(asked).toHaveLength(1);
    expect(stack.sandbox.stats.apiRequests.total).toBe(0);
  });

  it('on accept sends exactly one request, after showing it', async () => {
    answer = { action: 'accept', content: {} };
    await stack.callOk('send_email', { to: ['bob@sandbox.test'], subject: 'Approval', body: 'Needs approval' });
    expect(asked).toHaveLength(1);
    expect((asked[0]!.params as { message: string }).message).toContain('send_email wants to send this request to google:');
    stack.leaks.inspect(asked, 'approval elicitations');
    expect(stack.sandbox.stats.apiRequests.total).toBe(1);
  });
});
