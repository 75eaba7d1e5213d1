/**
 * The GitHub OAuth scopes the pack's tools need, per tool. GitHub OAuth-app scopes are coarse:
 * `repo` is full access to public and private repositories (it includes `public_repo`), and
 * every tool here needs it to work on private repositories. A server that only touches public
 * repositories can ask for `public_repo` instead (see the package README).
 */

/** Full access to public and private repositories. */
export const GITHUB_REPO = 'repo';
/** Read/write access to public repositories only. */
export const GITHUB_PUBLIC_REPO = 'public_repo';

/** Tool name (as registered, before any prefix) → the scopes it needs. */
export const GITHUB_SCOPES_BY_TOOL = Object.freeze({
  list_repos: Object.freeze([GITHUB_REPO]),
  list_issues: Object.freeze([GITHUB_REPO]),
  create_issue: Object.freeze([GITHUB_REPO]),
  create_issue_comment: Object.freeze([GITHUB_REPO]),
  get_pull_request: Object.freeze([GITHUB_REPO]),
} as const);

/** Names of the tools in @alter/tools-github. */
export type GitHubToolName = keyof typeof GITHUB_SCOPES_BY_TOOL;
