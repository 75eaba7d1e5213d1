import { type AlterContext, AlterTool } from '@alter/mcp';
import { z } from 'zod';
import { GITHUB_SCOPES_BY_TOOL } from './github-scopes.js';
import { GITHUB_HEADERS, githubJson } from './internal/github-response.js';
import { commentSchema, issueSchema, owner, page, perPage, pickComment, pickIssue, repo } from './internal/github-shapes.js';

const API = 'https://api.github.com/repos/{owner}/{repo}';

const listIssuesInput = z.object({
  owner,
  repo,
  state: z.enum(['open', 'closed', 'all']).default('open').describe('Which issues by state.'),
  labels: z.array(z.string().min(1).max(50)).max(20).optional().describe('Only issues carrying all of these label names.'),
  assignee: z.string().max(39).optional().describe('Only issues assigned to this login; "none" for unassigned, "*" for any.'),
  sort: z.enum(['created', 'updated', 'comments']).default('created').describe('Sort key.'),
  direction: z.enum(['asc', 'desc']).default('desc').describe('Sort order.'),
  perPage,
  page,
});
const listIssuesOutput = z.object({
  issues: z.array(issueSchema).describe('Issues on this page (pull requests are included and flagged).'),
  page: z.number().describe('The page returned.'),
  hasMore: z.boolean().describe('True when the page was full, so a next page may exist.'),
});

const createIssueInput = z.object({
  owner,
  repo,
  title: z.string().min(1).max(256).describe('Issue title.'),
  body: z.string().max(65_536).optional().describe('Issue description (GitHub Markdown).'),
  labels: z.array(z.string().min(1).max(50)).max(20).optional().describe('Label names to apply (needs push access; ignored otherwise).'),
  assignees: z.array(z.string().min(1).max(39)).max(10).optional().describe('Logins to assign (needs push access; ignored otherwise).'),
});

const createIssueCommentInput = z.object({
  owner,
  repo,
  issueNumber: z.number().int().min(1).describe('Number of the issue or pull request to comment on.'),
  body: z.string().min(1).max(65_536).describe('The comment (GitHub Markdown).'),
});

/** Input of `list_issues` (after defaults). */
export type ListIssuesInput = z.output<typeof listIssuesInput>;
/** Result of `list_issues`. */
export type ListIssuesOutput = z.output<typeof listIssuesOutput>;
/** Input of `create_issue`. */
export type CreateIssueInput = z.output<typeof createIssueInput>;
/** An issue as the tools return it. */
export type GitHubIssue = z.output<typeof issueSchema>;
/** Input of `create_issue_comment`. */
export type CreateIssueCommentInput = z.output<typeof createIssueCommentInput>;
/** A comment as the tools return it. */
export type GitHubComment = z.output<typeof commentSchema>;

/**
 * GitHub issue tools: `list_issues`, `create_issue`, `create_issue_comment` (issues and pull
 * requests share GitHub's comment thread).
 *
 * @throws ProviderApiError (code `ALTER_PROVIDER_API`) from a tool method when GitHub refuses the
 *   call; `@alter/mcp` shows its message to the model. Missing grants and scopes are handled by
 *   `@alter/mcp` (a Connect URL), not here.
 * @example
 * ```ts
 * alter.register(server, [GitHubIssueTools]);
 * ```
 */
export class GitHubIssueTools {
  @AlterTool('github', {
    name: 'list_issues',
    // Only these: a request elsewhere is refused before the token is read (docs/policies.md).
    endpoints: ['GET https://api.github.com/repos/{owner}/{repo}/issues'],
    title: 'List issues',
    description: 'List issues of a GitHub repository, newest first by default. Pull requests appear too, flagged isPullRequest.',
    input: listIssuesInput,
    output: listIssuesOutput,
    scopes: [...GITHUB_SCOPES_BY_TOOL.list_issues],
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  })
  async listIssues(ctx: AlterContext, input: ListIssuesInput): Promise<ListIssuesOutput> {
    // GET /repos/{owner}/{repo}/issues — https://docs.github.com/en/rest/issues/issues#list-repository-issues
    const queryParams: Record<string, string> = {
      state: input.state,
      sort: input.sort,
      direction: input.direction,
      per_page: String(input.perPage),
      page: String(input.page),
    };
    if (input.labels?.length) queryParams.labels = input.labels.join(',');
    if (input.assignee) queryParams.assignee = input.assignee;
    const issues = githubJson<unknown[]>(
      await ctx.request('GET', `${API}/issues`, {
        pathParams: { owner: input.owner, repo: input.repo },
        queryParams,
        extraHeaders: GITHUB_HEADERS,
        reason: 'list issues',
      }),
      `Listing issues of ${input.owner}/${input.repo}`,
    );
    return { issues: issues.map((i) => pickIssue(i, 1000)), page: input.page, hasMore: issues.length === input.perPage };
  }

  @AlterTool('github', {
    name: 'create_issue',
    // Only these: a request elsewhere is refused before the token is read (docs/policies.md).
    endpoints: ['POST https://api.github.com/repos/{owner}/{repo}/issues'],
    title: 'Create an issue',
    description: 'Open a new issue in a GitHub repository as the signed-in user.',
    input: createIssueInput,
    output: issueSchema,
    scopes: [...GITHUB_SCOPES_BY_TOOL.create_issue],
    // Adds an issue; each call opens another one.
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  })
  async createIssue(ctx: AlterContext, input: CreateIssueInput): Promise<GitHubIssue> {
    // POST /repos/{owner}/{repo}/issues — https://docs.github.com/en/rest/issues/issues#create-an-issue
    const json: Record<string, unknown> = { title: input.title };
    if (input.body !== undefined) json.body = input.body;
    if (input.labels?.length) json.labels = input.labels;
    if (input.assignees?.length) json.assignees = input.assignees;
    const created = githubJson<unknown>(
      await ctx.request('POST', `${API}/issues`, {
        pathParams: { owner: input.owner, repo: input.repo },
        json,
        extraHeaders: GITHUB_HEADERS,
        reason: 'create issue',
      }),
      `Creating an issue in ${input.owner}/${input.repo}`,
    );
    return pickIssue(created);
  }

  @AlterTool('github', {
    name: 'create_issue_comment',
    // Only these: a request elsewhere is refused before the token is read (docs/policies.md).
    endpoints: ['POST https://api.github.com/repos/{owner}/{repo}/issues/{issue_number}/comments'],
    title: 'Comment on an issue or pull request',
    description: 'Add a comment to a GitHub issue or pull request as the signed-in user.',
    input: createIssueCommentInput,
    output: commentSchema,
    scopes: [...GITHUB_SCOPES_BY_TOOL.create_issue_comment],
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  })
  async createIssueComment(ctx: AlterContext, input: CreateIssueCommentInput): Promise<GitHubComment> {
    // POST /repos/{owner}/{repo}/issues/{issue_number}/comments — https://docs.github.com/en/rest/issues/comments#create-an-issue-comment
    const created = githubJson<unknown>(
      await ctx.request('POST', `${API}/issues/{issue_number}/comments`, {
        pathParams: { owner: input.owner, repo: input.repo, issue_number: String(input.issueNumber) },
        json: { body: input.body },
        extraHeaders: GITHUB_HEADERS,
        reason: 'comment on issue',
      }),
      `Commenting on ${input.owner}/${input.repo}#${input.issueNumber}`,
    );
    return pickComment(created);
  }
}
