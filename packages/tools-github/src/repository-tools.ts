import { type AlterContext, AlterTool } from '@alter/mcp';
import { z } from 'zod';
import { GITHUB_SCOPES_BY_TOOL } from './github-scopes.js';
import { GITHUB_HEADERS, githubJson } from './internal/github-response.js';
import { page, perPage, pickRepo, repoSchema } from './internal/github-shapes.js';

const listReposInput = z.object({
  visibility: z.enum(['all', 'public', 'private']).default('all').describe('Which repositories by visibility.'),
  affiliation: z
    .array(z.enum(['owner', 'collaborator', 'organization_member']))
    .min(1)
    .default(['owner', 'collaborator', 'organization_member'])
    .describe('Which relationships to include: repositories the user owns, collaborates on, or reaches through an organization.'),
  sort: z.enum(['created', 'updated', 'pushed', 'full_name']).default('updated').describe('Sort key.'),
  direction: z.enum(['asc', 'desc']).optional().describe('Sort order (default: asc for full_name, else desc).'),
  perPage,
  page,
});
const listReposOutput = z.object({
  repositories: z.array(repoSchema).describe('Repositories on this page.'),
  page: z.number().describe('The page returned.'),
  hasMore: z.boolean().describe('True when the page was full, so a next page may exist.'),
});

/** Input of `list_repos` (after defaults). */
export type ListReposInput = z.output<typeof listReposInput>;
/** Result of `list_repos`. */
export type ListReposOutput = z.output<typeof listReposOutput>;

/**
 * GitHub repository tools: `list_repos`.
 *
 * @throws ProviderApiError (code `ALTER_PROVIDER_API`) from a tool method when GitHub refuses the
 *   call; `@alter/mcp` shows its message to the model. Missing grants and scopes are handled by
 *   `@alter/mcp` (a Connect URL), not here.
 * @example
 * ```ts
 * alter.register(server, [GitHubRepositoryTools]);
 * ```
 */
export class GitHubRepositoryTools {
  @AlterTool('github', {
    name: 'list_repos',
    // Only these: a request elsewhere is refused before the token is read (docs/policies.md).
    endpoints: ['GET https://api.github.com/user/repos'],
    title: 'List my GitHub repositories',
    description: 'List the repositories the signed-in GitHub user can access (owned, collaborator, organization).',
    input: listReposInput,
    output: listReposOutput,
    scopes: [...GITHUB_SCOPES_BY_TOOL.list_repos],
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  })
  async listRepos(ctx: AlterContext, input: ListReposInput): Promise<ListReposOutput> {
    // GET /user/repos — https://docs.github.com/en/rest/repos/repos#list-repositories-for-the-authenticated-user
    const queryParams: Record<string, string> = {
      visibility: input.visibility,
      affiliation: input.affiliation.join(','),
      sort: input.sort,
      per_page: String(input.perPage),
      page: String(input.page),
    };
    if (input.direction) queryParams.direction = input.direction;
    const repos = githubJson<unknown[]>(
      await ctx.request('GET', 'https://api.github.com/user/repos', {
        queryParams,
        extraHeaders: GITHUB_HEADERS,
        reason: 'list repositories',
      }),
      'Listing repositories',
    );
    return { repositories: repos.map(pickRepo), page: input.page, hasMore: repos.length === input.perPage };
  }
}
