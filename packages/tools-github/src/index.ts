// @alter/tools-github — every export here is public API. Add deliberately.
import { GitHubIssueTools } from './issue-tools.js';
import { GitHubPullRequestTools } from './pull-request-tools.js';
import { GitHubRepositoryTools } from './repository-tools.js';

export { githubManifest } from './github-manifest.js';
export { GITHUB_PUBLIC_REPO, GITHUB_REPO, GITHUB_SCOPES_BY_TOOL } from './github-scopes.js';
export type { GitHubToolName } from './github-scopes.js';
export { GitHubIssueTools } from './issue-tools.js';
export type {
  CreateIssueCommentInput,
  CreateIssueInput,
  GitHubComment,
  GitHubIssue,
  ListIssuesInput,
  ListIssuesOutput,
} from './issue-tools.js';
export { GitHubPullRequestTools } from './pull-request-tools.js';
export type { GetPullRequestInput, GitHubPullRequest } from './pull-request-tools.js';
export { GitHubRepositoryTools } from './repository-tools.js';
export type { ListReposInput, ListReposOutput } from './repository-tools.js';
export type { ToolPackManifest } from '@alter/mcp';

/** Every tool class of the pack, for `alter.register(server, GitHubTools)`. */
export const GitHubTools = Object.freeze([GitHubRepositoryTools, GitHubIssueTools, GitHubPullRequestTools] as const);
