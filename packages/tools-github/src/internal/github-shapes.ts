import { z } from 'zod';

/** Input fields shared by the repository-scoped tools. */
export const owner = z
  .string()
  .min(1)
  .max(39)
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/, 'a GitHub user or organization name')
  .describe('Owner of the repository (user or organization), e.g. "octocat".');
export const repo = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._-]+$/, 'a repository name is letters, digits, ".", "-" and "_"')
  .describe('Repository name without the owner, e.g. "hello-world".');
export const perPage = z.number().int().min(1).max(100).default(30).describe('Results per page (1–100).');
export const page = z.number().int().min(1).max(1000).default(1).describe('Page number, starting at 1.');

const str = (s: unknown): string | undefined => (typeof s === 'string' ? s : undefined);
// Finite only: the output schemas' z.number() refuses NaN and ±Infinity (not JSON, but a picker
// must match its schema whatever it is given).
const num = (n: unknown): number | undefined => (typeof n === 'number' && Number.isFinite(n) ? n : undefined);
const login = (u: unknown): string | undefined => str((u as { login?: unknown } | null | undefined)?.login);
type Raw = Record<string, unknown>;

/** Drops undefined values so the result matches an output schema with optional fields. */
function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export const repoSchema = z.object({
  id: z.number().describe('Repository id.'),
  name: z.string().describe('Name.'),
  fullName: z.string().describe('owner/name.'),
  owner: z.string().optional().describe('Owner login.'),
  private: z.boolean().describe('True for a private repository.'),
  description: z.string().optional().describe('Description.'),
  htmlUrl: z.string().optional().describe('Web page.'),
  defaultBranch: z.string().optional().describe('Default branch.'),
  fork: z.boolean().optional().describe('True for a fork.'),
  archived: z.boolean().optional().describe('True when archived (read-only).'),
  language: z.string().optional().describe('Main language.'),
  stargazersCount: z.number().optional().describe('Stars.'),
  openIssuesCount: z.number().optional().describe('Open issues and pull requests.'),
  updatedAt: z.string().optional().describe('Last update (ISO 8601).'),
});
export function pickRepo(raw: unknown): z.output<typeof repoSchema> {
  const r = (raw ?? {}) as Raw;
  return compact({
    id: num(r.id) ?? 0,
    name: str(r.name) ?? '',
    fullName: str(r.full_name) ?? '',
    owner: login(r.owner),
    private: r.private === true,
    description: str(r.description),
    htmlUrl: str(r.html_url),
    defaultBranch: str(r.default_branch),
    fork: typeof r.fork === 'boolean' ? r.fork : undefined,
    archived: typeof r.archived === 'boolean' ? r.archived : undefined,
    language: str(r.language),
    stargazersCount: num(r.stargazers_count),
    openIssuesCount: num(r.open_issues_count),
    updatedAt: str(r.updated_at),
  });
}

export const issueSchema = z.object({
  number: z.number().describe('Issue number (use with create_issue_comment).'),
  title: z.string().describe('Title.'),
  state: z.string().describe('open or closed.'),
  htmlUrl: z.string().optional().describe('Web page.'),
  user: z.string().optional().describe('Author login.'),
  labels: z.array(z.string()).describe('Label names.'),
  assignees: z.array(z.string()).describe('Assignee logins.'),
  comments: z.number().optional().describe('Number of comments.'),
  body: z.string().optional().describe('Description (Markdown).'),
  isPullRequest: z.boolean().describe('GitHub lists pull requests as issues too; true for those.'),
  createdAt: z.string().optional().describe('Creation time (ISO 8601).'),
  updatedAt: z.string().optional().describe('Last update (ISO 8601).'),
});
export function pickIssue(raw: unknown, maxBodyChars = 4000): z.output<typeof issueSchema> {
  const r = (raw ?? {}) as Raw;
  const labels = Array.isArray(r.labels) ? r.labels : [];
  const assignees = Array.isArray(r.assignees) ? r.assignees : [];
  const body = str(r.body);
  return compact({
    number: num(r.number) ?? 0,
    title: str(r.title) ?? '',
    state: str(r.state) ?? 'open',
    htmlUrl: str(r.html_url),
    user: login(r.user),
    // Labels come as objects ({ name }) or, in some payloads, plain strings.
    labels: labels.map((l) => (typeof l === 'string' ? l : (str((l as Raw | null)?.name) ?? ''))).filter(Boolean),
    assignees: assignees.map(login).filter((x): x is string => !!x),
    comments: num(r.comments),
    body: body === undefined ? undefined : body.slice(0, maxBodyChars),
    isPullRequest: r.pull_request !== undefined && r.pull_request !== null,
    createdAt: str(r.created_at),
    updatedAt: str(r.updated_at),
  });
}

export const pullRequestSchema = z.object({
  number: z.number().describe('Pull request number.'),
  title: z.string().describe('Title.'),
  state: z.string().describe('open or closed.'),
  draft: z.boolean().optional().describe('True for a draft.'),
  merged: z.boolean().optional().describe('True once merged.'),
  mergeable: z.boolean().nullable().optional().describe('Whether it can be merged cleanly (null while GitHub computes it).'),
  htmlUrl: z.string().optional().describe('Web page.'),
  user: z.string().optional().describe('Author login.'),
  head: z.object({ ref: z.string().optional(), sha: z.string().optional() }).describe('Source branch and commit.'),
  base: z.object({ ref: z.string().optional(), sha: z.string().optional() }).describe('Target branch and commit.'),
  body: z.string().optional().describe('Description (Markdown).'),
  additions: z.number().optional().describe('Lines added.'),
  deletions: z.number().optional().describe('Lines removed.'),
  changedFiles: z.number().optional().describe('Files changed.'),
  commits: z.number().optional().describe('Commits.'),
  comments: z.number().optional().describe('Conversation comments.'),
  reviewComments: z.number().optional().describe('Review (diff) comments.'),
  createdAt: z.string().optional().describe('Creation time (ISO 8601).'),
  mergedAt: z.string().nullable().optional().describe('Merge time, or null.'),
});
export function pickPullRequest(raw: unknown): z.output<typeof pullRequestSchema> {
  const r = (raw ?? {}) as Raw;
  const ref = (x: unknown) => {
    const b = (x ?? {}) as Raw;
    return compact({ ref: str(b.ref), sha: str(b.sha) });
  };
  return compact({
    number: num(r.number) ?? 0,
    title: str(r.title) ?? '',
    state: str(r.state) ?? 'open',
    draft: typeof r.draft === 'boolean' ? r.draft : undefined,
    merged: typeof r.merged === 'boolean' ? r.merged : undefined,
    mergeable: typeof r.mergeable === 'boolean' || r.mergeable === null ? (r.mergeable as boolean | null) : undefined,
    htmlUrl: str(r.html_url),
    user: login(r.user),
    head: ref(r.head),
    base: ref(r.base),
    body: str(r.body)?.slice(0, 8000),
    additions: num(r.additions),
    deletions: num(r.deletions),
    changedFiles: num(r.changed_files),
    commits: num(r.commits),
    comments: num(r.comments),
    reviewComments: num(r.review_comments),
    createdAt: str(r.created_at),
    mergedAt: typeof r.merged_at === 'string' || r.merged_at === null ? (r.merged_at as string | null) : undefined,
  });
}

export const commentSchema = z.object({
  id: z.number().describe('Comment id.'),
  htmlUrl: z.string().optional().describe('Web link to the comment.'),
  user: z.string().optional().describe('Author login.'),
  body: z.string().optional().describe('The comment (Markdown).'),
  createdAt: z.string().optional().describe('Creation time (ISO 8601).'),
});
export function pickComment(raw: unknown): z.output<typeof commentSchema> {
  const r = (raw ?? {}) as Raw;
  return compact({
    id: num(r.id) ?? 0,
    htmlUrl: str(r.html_url),
    user: login(r.user),
    body: str(r.body),
    createdAt: str(r.created_at),
  });
}
