/**
 * `requireApproval` holds wherever the registration's tools run the tool (a review finding, stop
 * 33): `summarize_inbox` calls `search_emails`; registered with `include: ['summarize_inbox'],
 * requireApproval: ['search_emails']`, the nested search read the mailbox with no approval (the
 * registration's copies were made only for listed tools, and a nested call fell back to the
 * original, unprefixed and without approval). Another register() call of the module decides for
 * its own tools, under its own prefix. The SDK's real Client (declaring form elicitation, always
 * declining), the sandbox's Gmail, a SQLite vault.
 */
import { describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { type ElicitRequest, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { GmailTools, googleManifest } from '@alter/tools-google';
import { AlterMCP, type RegisterOptions } from '@alter/mcp';
import { startToolPackHarness, textOf } from '@alter/testing';

const asked: ElicitRequest[] = [];

/** The SDK's real Client, declaring form elicitation and declining every approval it is asked. */
class DecliningClient extends Client {
  constructor(info: { name: string; version: string }) {
    super(info, { capabilities: { elicitation: { form: {} } } });
    this.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(req);
      return { action: 'decline' };
    });
  }
}

async function start(registrations: readonly RegisterOptions[]) {
  const stack = await startToolPackHarness({
    sdk: { Client: DecliningClient, InMemoryTransport, McpServer },
    AlterMCP,
    tools: [GmailTools],
    providers: ['google'],
    registrations,
  });
  await stack.connect('google', googleManifest.allScopes);
  asked.length = 0;
  stack.sandbox.stats.reset();
  return stack;
}

/** Calls `tool` and returns what reached Gmail and what the user was asked. */
async function summarize(registrations: readonly RegisterOptions[], tool: string) {
  const stack = await start(registrations);
  try {
    const result = await stack.call(tool, {});
    return {
      isError: result.isError === true,
      text: textOf(result),
      gmailRequests: stack.sandbox.stats.apiRequests.total,
      asked: asked.map((r) => (r.params as { message: string }).message.split('\n')[0]),
    };
  } finally {
    await stack.close();
    stack.leaks.assertClean();
  }
}

/** Calls `tool`; whether it failed, what the user was asked, and the tools the audit rows name. */
async function summarizeWithAudit(registrations: readonly RegisterOptions[], tool: string) {
  const stack = await start(registrations);
  try {
    const result = await stack.call(tool, {});
    await stack.vault.audit.flush();
    const rows = await stack.vault.audit.query({ limit: 100 });
    return { isError: result.isError === true, asked: [...asked], tools: rows.map((r) => r.tool) };
  } finally {
    await stack.close();
    stack.leaks.assertClean();
  }
}

describe('requireApproval on a tool another tool calls', () => {
  it('asks before the nested search when only the calling tool is listed (include)', async () => {
    const seen = await summarize([{ include: ['summarize_inbox'], requireApproval: ['search_emails'] }], 'summarize_inbox');
    expect(seen).toMatchObject({ isError: true, gmailRequests: 0, asked: ['search_emails wants to send this request to google:'] });
    expect(seen.text).toContain('the user declined it');
  });

  it("runs the nested tool as the calling registration's copy: its prefix, its own choice", async () => {
    const registrations = [{ requireApproval: ['search_emails'] }, { prefix: 'ro_', include: ['summarize_inbox'] }];
    // The approving registration asks before its nested search.
    const approving = await summarize(registrations, 'summarize_inbox');
    expect(approving).toMatchObject({ isError: true, gmailRequests: 0, asked: ['search_emails wants to send this request to google:'] });
    // The `ro_` one did not opt in (as a `plain_` registration serves a pack unchanged); its audit
    // rows name its own copy, not the unprefixed original.
    const plain = await summarizeWithAudit(registrations, 'ro_summarize_inbox');
    expect(plain).toMatchObject({ isError: false, asked: [] });
    expect(new Set(plain.tools)).toEqual(new Set(['ro_search_emails']));
  });

  it('leaves a tool without requireApproval as it was (the nested search runs)', async () => {
    const seen = await summarize([{ include: ['summarize_inbox'] }], 'summarize_inbox');
    expect(seen).toMatchObject({ isError: false, asked: [] });
    expect(seen.gmailRequests).toBeGreaterThan(0);
  });
});
