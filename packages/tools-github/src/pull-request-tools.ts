import { type AlterContext, AlterTool } from '@alter/mcp';
import { z } from 'zod';
import { GITHUB_SCOPES_BY_TOOL } from './github-scopes.js';
import { GITHUB_HEADERS, githubJson } from './internal/github-response.js';
import { owner, pickPullRequest, pullRequestSchema, repo } from './internal/github-shapes.js';

const getPullRequestInput = z.object({
  owner,
  repo,
  pullNumber: z.number().int().min(1).describe('Pull request number.'),
});

/** Input of `get_pull_request`. */
export type GetPullRequestInput = z.output<typeof getPullRequestInput>;
/** A pull request as `get_pull_request` returns it. */
export type GitHubPullRequest = z.output<typeof pullRequestSchema>;

/**
 * GitHub pull-request tools: `get_pull_request`. (Comment on a pull request with
 * `create_issue_comment` from {@link GitHubIssueTools}.)
 *
 * @throws ProviderApiError (code `ALTER_PROVIDER_API`) from a tool method when GitHub refuses the
 *   call; `@alter/mcp` shows its message to the model. Missing grants and scopes are handled by
 *   `@alter/mcp` (a Connect URL), not here.
 * @example
 * ```ts
 * alter.register(server, [GitHubPullRequestTools]);
 * ```
 */
export class GitHubPullRequestTools {
  @AlterTool('github', {
    name: 'get_pull_request',
    // Only these: a request elsewhere is refused before the token is read (docs/policies.md).
    endpoints: ['GET https://api.github.com/repos/{owner}/{repo}/pulls/{pull_number}'],
    title: 'Get a pull request',
    description: 'Get one pull request: title, state, branches, mergeability and size of the change.',
    input: getPullRequestInput,
    output: pullRequestSchema,
    scopes: [...GITHUB_SCOPES_BY_TOOL.get_pull_request],
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  })
  async getPullRequest(ctx: AlterContext, input: GetPullRequestInput): Promise<GitHubPullRequest> {
    // GET /repos/{owner}/{repo}/pulls/{pull_number} — https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request
    const pr = githubJson<unknown>(
      await ctx.request('GET', 'https://api.github.com/repos/{owner}/{repo}/pulls/{pull_number}', {
        pathParams: { owner: input.owner, repo: input.repo, pull_number: String(input.pullNumber) },
        extraHeaders: GITHUB_HEADERS,
        reason: 'read pull request',
      }),
      `Reading pull request ${input.owner}/${input.repo}#${input.pullNumber}`,
    );
    return pickPullRequest(pr);
  }
}
