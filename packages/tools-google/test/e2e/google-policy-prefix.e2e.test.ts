/**
 * A vault policy rule's `match.tool` holds whatever prefix the pack is registered with (a review
 * finding, stop 33): `{ tool: 'search_emails' }` — the pack's own name, as docs/policies.md writes
 * rules — stopped applying once the pack was registered with `prefix: 'g_'` (the rule compared the
 * registered name only), and every mail search was sent. The registered name still picks one
 * registration. The SDK's real Client, the sandbox's Gmail, a SQLite vault.
 */
import { describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { GmailTools, googleManifest } from '@alter/tools-google';
import { AlterMCP, type RegisterOptions } from '@alter/mcp';
import { startToolPackHarness, TOOL_PACK_POLICY, textOf } from '@alter/testing';

/** Calls each of `tools` once under a rule denying `ruleTool`: whether it was refused, and whether anything reached Gmail. */
async function searchUnderRule(ruleTool: string, registrations: readonly RegisterOptions[], tools: readonly string[]) {
  const stack = await startToolPackHarness({
    sdk: { Client, InMemoryTransport, McpServer },
    AlterMCP,
    tools: [GmailTools],
    providers: ['google'],
    registrations,
    policy: { ...TOOL_PACK_POLICY, rules: [{ name: 'no-mail-search', match: { provider: 'google', tool: ruleTool }, deny: true }] },
  });
  try {
    await stack.connect('google', googleManifest.allScopes);
    const seen: Record<string, { refused: boolean; sent: boolean }> = {};
    for (const tool of tools) {
      stack.sandbox.stats.reset();
      const result = await stack.call(tool, tool.endsWith('search_emails') ? { query: 'in:inbox' } : {});
      // The model reads why: the rule's name is in the error result (of the nested tool's refusal too).
      seen[tool] = {
        refused: result.isError === true && textOf(result).includes('no-mail-search'),
        sent: stack.sandbox.stats.apiRequests.total > 0,
      };
    }
    return seen;
  } finally {
    await stack.close();
    stack.leaks.assertClean();
  }
}

describe("a policy rule naming a pack's tool", () => {
  it('refuses the tool under every prefix it is registered with', async () => {
    expect(
      await searchUnderRule('search_emails', [{ prefix: 'g_' }, { prefix: 'work_' }], ['g_search_emails', 'work_search_emails']),
    ).toEqual({
      g_search_emails: { refused: true, sent: false },
      work_search_emails: { refused: true, sent: false },
    });
  });

  it('refuses it in a nested call too (summarize_inbox searches through it)', async () => {
    expect(await searchUnderRule('search_emails', [{ prefix: 'g_' }], ['g_summarize_inbox'])).toEqual({
      g_summarize_inbox: { refused: true, sent: false },
    });
  });

  it('with the registered name, picks that registration only', async () => {
    expect(
      await searchUnderRule('g_search_emails', [{ prefix: 'g_' }, { prefix: 'work_' }], ['g_search_emails', 'work_search_emails']),
    ).toEqual({
      g_search_emails: { refused: true, sent: false },
      work_search_emails: { refused: false, sent: true },
    });
  });
});
