import { type AlterContext, AlterTool } from '@alter/mcp';
import { z } from 'zod';

/**
 * The Quick Start of the Python docs, line for line:
 *
 * ```python
 * @mcp.tool()
 * @alter.tool(provider="google")
 * async def list_emails(ctx: AlterContext, query: str) -> list[dict]:
 *     """Search emails by query string."""
 *     response = await ctx.request("GET", "https://gmail.googleapis.com/gmail/v1/users/me/messages",
 *                                  query_params={"q": query, "maxResults": "10"})
 *     return response.json().get("messages", [])
 * ```
 *
 * Like the Python original it declares no scopes. The first call answers with a Connect URL;
 * Gmail's 403 for the missing scope then becomes a re-authorize answer naming
 * `gmail.readonly` (the vault reads Google's insufficient-scope signal), not an empty list.
 */
export class QuickStartTools {
  @AlterTool('google', {
    description: 'Search emails by query string.',
    input: z.object({ query: z.string() }),
  })
  async listEmails(ctx: AlterContext, { query }: { query: string }): Promise<unknown[]> {
    const response = await ctx.request('GET', 'https://gmail.googleapis.com/gmail/v1/users/me/messages', {
      queryParams: { q: query, maxResults: '10' },
    });
    return response.json<{ messages?: unknown[] }>().messages ?? [];
  }
}
