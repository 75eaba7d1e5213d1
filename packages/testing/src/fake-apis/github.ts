import type { ResolvedSandboxUser } from '../sandbox-user.js';
import { type FakeApi, type FakeApiErrors, type FakeRequest, type FakeResponse, intParam, isRecord, reply } from './fake-api.js';

const API = 'https://api.github.com';
const WEB = 'https://github.com';
const DOCS = 'https://docs.github.com/rest';

/** A repository in the fake GitHub. */
export interface GitHubRepo {
  readonly id: number;
  readonly owner: string;
  readonly name: string;
  readonly private: boolean;
  readonly description: string | null;
  readonly createdAt: string;
}

/** An issue or a pull request (GitHub numbers both in one sequence per repo). */
export interface GitHubItem {
  readonly id: number;
  readonly number: number;
  readonly kind: 'issue' | 'pull';
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  labels: string[];
  assignees: string[];
  readonly author: string;
  readonly createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** Pull requests only. */
  readonly head?: string;
  readonly base?: string;
  readonly draft?: boolean;
}

/** A comment on an issue or pull request. */
export interface GitHubComment {
  readonly id: number;
  readonly author: string;
  readonly body: string;
  readonly createdAt: string;
}

/**
 * A fake GitHub REST API (`api.github.com`): `GET /user`, `GET /user/repos`, `GET /repos/{o}/{r}`,
 * issues (list/get/create/update), issue comments (list/create) and pulls (list/get/create), with
 * GitHub's scope rules for OAuth apps: public repos are readable with any token, private repos
 * need `repo` (else 404, as GitHub hides them), writes need `repo` (or `public_repo` on a public
 * repo) else 403. Validation errors are 422 `Validation Failed`, malformed JSON is 400. Every
 * answer carries `X-OAuth-Scopes`. Each user owns `<login>/hello-world` (public, with issues and
 * a pull request) and `<login>/private-notes` (private).
 */
export class GitHubFake {
  readonly #users: readonly ResolvedSandboxUser[];
  readonly #repos = new Map<string, GitHubRepo>();
  readonly #items = new Map<string, GitHubItem[]>();
  readonly #comments = new Map<string, GitHubComment[]>();
  #nextId = 1_000_000;

  constructor(users: readonly ResolvedSandboxUser[]) {
    this.#users = users;
    const t0 = '2026-01-02T10:00:00Z';
    for (const u of users) {
      this.addRepo({ owner: u.login, name: 'hello-world', private: false, description: 'My first repository' });
      this.addRepo({ owner: u.login, name: 'private-notes', private: true, description: null });
      const bug = this.addIssue(`${u.login}/hello-world`, {
        author: u.login,
        title: 'Found a bug',
        body: 'Steps to reproduce: run it.',
        labels: ['bug'],
        createdAt: t0,
      });
      this.addComment(`${u.login}/hello-world`, bug.number, { author: u.login, body: 'Confirmed on main.' });
      const done = this.addIssue(`${u.login}/hello-world`, { author: u.login, title: 'Add a license', body: null, createdAt: t0 });
      done.state = 'closed';
      done.closedAt = t0;
      this.addPull(`${u.login}/hello-world`, {
        author: u.login,
        title: 'Add README',
        body: 'Adds a README.',
        head: 'add-readme',
        base: 'main',
      });
    }
  }

  /** Every repository (owner/name → repo). */
  get repos(): ReadonlyMap<string, GitHubRepo> {
    return this.#repos;
  }

  /** Issues and pull requests of a repository, by number. */
  items(fullName: string): readonly GitHubItem[] {
    return [...(this.#items.get(fullName.toLowerCase()) ?? [])];
  }

  /** Comments of an issue or pull request. */
  comments(fullName: string, number: number): readonly GitHubComment[] {
    return [...(this.#comments.get(`${fullName.toLowerCase()}#${number}`) ?? [])];
  }

  /** Creates a repository (with no issues). `owner` is a sandbox login. */
  addRepo(r: { owner: string; name: string; private: boolean; description: string | null }): GitHubRepo {
    const repo: GitHubRepo = {
      id: this.#id(),
      owner: r.owner,
      name: r.name,
      private: r.private,
      description: r.description,
      createdAt: '2026-01-01T00:00:00Z',
    };
    this.#repos.set(`${r.owner}/${r.name}`.toLowerCase(), repo);
    this.#items.set(`${r.owner}/${r.name}`.toLowerCase(), []);
    return repo;
  }

  /** Opens an issue in `owner/name`; numbers continue the repository's sequence. */
  addIssue(
    fullName: string,
    i: { author: string; title: string; body: string | null; labels?: string[]; assignees?: string[]; createdAt?: string },
  ): GitHubItem {
    return this.#addItem(fullName, { kind: 'issue', ...i });
  }

  /** Opens a pull request in `owner/name` (it is also an issue, as on GitHub). */
  addPull(
    fullName: string,
    p: { author: string; title: string; body: string | null; head: string; base: string; draft?: boolean },
  ): GitHubItem {
    return this.#addItem(fullName, { kind: 'pull', ...p });
  }

  /** Adds a comment to issue or pull request `number`. */
  addComment(fullName: string, number: number, c: { author: string; body: string }): GitHubComment {
    const key = `${fullName.toLowerCase()}#${number}`;
    const comment: GitHubComment = { id: this.#id(), author: c.author, body: c.body, createdAt: new Date().toISOString() };
    const list = this.#comments.get(key) ?? [];
    list.push(comment);
    this.#comments.set(key, list);
    return comment;
  }

  #addItem(
    fullName: string,
    i: {
      kind: 'issue' | 'pull';
      author: string;
      title: string;
      body: string | null;
      labels?: string[];
      assignees?: string[];
      createdAt?: string;
      head?: string;
      base?: string;
      draft?: boolean;
    },
  ): GitHubItem {
    const items = this.#items.get(fullName.toLowerCase());
    if (!items) throw new RangeError(`no repository ${fullName}`);
    const now = i.createdAt ?? new Date().toISOString();
    const item: GitHubItem = {
      id: this.#id(),
      number: items.length + 1,
      kind: i.kind,
      title: i.title,
      body: i.body,
      state: 'open',
      labels: [...(i.labels ?? [])],
      assignees: [...(i.assignees ?? [])],
      author: i.author,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      ...(i.kind === 'pull' ? { head: i.head ?? 'feature', base: i.base ?? 'main', draft: i.draft ?? false } : {}),
    };
    items.push(item);
    return item;
  }

  #id(): number {
    this.#nextId += 1;
    return this.#nextId;
  }

  /** @internal The routes, for the sandbox's API server. */
  apis(): FakeApi[] {
    const R = '/repos/:owner/:repo';
    return [
      {
        name: 'github',
        provider: 'github',
        hosts: ['api.github.com'],
        errors: githubErrors,
        headersFor: (scopes) => ({
          'x-oauth-scopes': [...scopes].filter((s) => !['openid', 'offline_access', 'email', 'profile'].includes(s)).join(', '),
          'x-github-media-type': 'github.v3; format=json',
        }),
        routes: [
          { method: 'GET', path: '/user', anyScope: [], handle: (r) => this.#user(r) },
          { method: 'GET', path: '/user/repos', anyScope: [], handle: (r) => this.#userRepos(r) },
          {
            method: 'GET',
            path: R,
            anyScope: [],
            handle: (r) => this.#withRepo(r, 'read', (repo) => reply(200, this.#repoJson(repo, r.user))),
          },
          {
            method: 'GET',
            path: `${R}/issues`,
            anyScope: [],
            handle: (r) => this.#withRepo(r, 'read', (repo) => this.#listItems(r, repo, 'issue')),
          },
          {
            method: 'POST',
            path: `${R}/issues`,
            anyScope: [],
            handle: (r) => this.#withRepo(r, 'write', (repo) => this.#createIssue(r, repo)),
          },
          {
            method: 'GET',
            path: `${R}/issues/:number`,
            anyScope: [],
            handle: (r) => this.#withItem(r, 'read', 'issue', (repo, item) => reply(200, this.#issueJson(repo, item))),
          },
          {
            method: 'PATCH',
            path: `${R}/issues/:number`,
            anyScope: [],
            handle: (r) => this.#withItem(r, 'write', 'issue', (repo, item) => this.#updateIssue(r, repo, item)),
          },
          {
            method: 'GET',
            path: `${R}/issues/:number/comments`,
            anyScope: [],
            handle: (r) => this.#withItem(r, 'read', 'issue', (repo, item) => this.#listComments(r, repo, item)),
          },
          {
            method: 'POST',
            path: `${R}/issues/:number/comments`,
            anyScope: [],
            handle: (r) => this.#withItem(r, 'write', 'issue', (repo, item) => this.#createComment(r, repo, item)),
          },
          {
            method: 'GET',
            path: `${R}/pulls`,
            anyScope: [],
            handle: (r) => this.#withRepo(r, 'read', (repo) => this.#listItems(r, repo, 'pull')),
          },
          {
            method: 'POST',
            path: `${R}/pulls`,
            anyScope: [],
            handle: (r) => this.#withRepo(r, 'write', (repo) => this.#createPull(r, repo)),
          },
          {
            method: 'GET',
            path: `${R}/pulls/:number`,
            anyScope: [],
            handle: (r) => this.#withItem(r, 'read', 'pull', (repo, item) => reply(200, this.#pullJson(repo, item))),
          },
        ],
      },
    ];
  }

  // ---- access rules -------------------------------------------------------------------------

  #withRepo(r: FakeRequest, access: 'read' | 'write', then: (repo: GitHubRepo) => FakeResponse): FakeResponse {
    const repo = this.#repos.get(`${r.params.owner}/${r.params.repo}`.toLowerCase());
    const canSeePrivate = r.scopes.has('repo') && repo?.owner === r.user.login;
    if (!repo) return ghError(404, 'Not Found', `${DOCS}/repos/repos#get-a-repository`);
    // GitHub hides a private repository from a token without `repo` behind a 404, and says in
    // X-Accepted-OAuth-Scopes which scope would have shown it (with X-OAuth-Scopes: what the token has).
    if (repo.private && !canSeePrivate) {
      return ghError(
        404,
        'Not Found',
        `${DOCS}/repos/repos#get-a-repository`,
        r.scopes.has('repo') ? undefined : { 'x-accepted-oauth-scopes': 'repo' },
      );
    }
    if (access === 'write') {
      const ok = r.scopes.has('repo') || (!repo.private && r.scopes.has('public_repo'));
      if (!ok) {
        return ghError(403, 'Resource not accessible by integration', DOCS, {
          'x-accepted-oauth-scopes': repo.private ? 'repo' : 'public_repo, repo',
        });
      }
    }
    return then(repo);
  }

  #withItem(
    r: FakeRequest,
    access: 'read' | 'write',
    kind: 'issue' | 'pull',
    then: (repo: GitHubRepo, item: GitHubItem) => FakeResponse,
  ): FakeResponse {
    return this.#withRepo(r, access, (repo) => {
      const n = Number(r.params.number);
      const item = Number.isInteger(n)
        ? this.#items.get(`${repo.owner}/${repo.name}`.toLowerCase())?.find((i) => i.number === n)
        : undefined;
      // Issues endpoints also answer for pull requests (they are issues); pulls endpoints do not answer for issues.
      if (!item || (kind === 'pull' && item.kind !== 'pull')) return ghError(404, 'Not Found', DOCS);
      return then(repo, item);
    });
  }

  // ---- handlers -----------------------------------------------------------------------------

  #user(r: FakeRequest): FakeResponse {
    const u = r.user;
    const privateOk = r.scopes.has('read:user') || r.scopes.has('user') || r.scopes.has('user:email');
    return reply(200, {
      ...simpleUser(u.login, u.githubId),
      name: u.name,
      company: null,
      blog: '',
      location: null,
      email: privateOk ? u.email : null,
      hireable: null,
      bio: null,
      twitter_username: null,
      public_repos: [...this.#repos.values()].filter((x) => x.owner === u.login && !x.private).length,
      public_gists: 0,
      followers: 0,
      following: 0,
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
    });
  }

  #userRepos(r: FakeRequest): FakeResponse {
    const paging = pageOf(r);
    if ('status' in paging) return paging;
    const visibility = r.query.get('visibility') ?? 'all';
    if (!['all', 'public', 'private'].includes(visibility)) return validationFailed('Repository', 'visibility', 'invalid');
    const repos = [...this.#repos.values()]
      .filter((x) => x.owner === r.user.login && (!x.private || r.scopes.has('repo')))
      .filter((x) => visibility === 'all' || (visibility === 'private') === x.private)
      .sort((a, b) => a.name.localeCompare(b.name));
    return reply(
      200,
      paging.slice(repos).map((x) => this.#repoJson(x, r.user)),
    );
  }

  #listItems(r: FakeRequest, repo: GitHubRepo, kind: 'issue' | 'pull'): FakeResponse {
    const paging = pageOf(r);
    if ('status' in paging) return paging;
    const state = r.query.get('state') ?? 'open';
    if (!['open', 'closed', 'all'].includes(state)) return validationFailed(kind === 'pull' ? 'PullRequest' : 'Issue', 'state', 'invalid');
    const labels = (r.query.get('labels') ?? '').split(',').filter(Boolean);
    const assignee = r.query.get('assignee');
    const sort = r.query.get('sort') ?? 'created';
    const direction = r.query.get('direction') ?? 'desc';
    if (!['created', 'updated', 'comments', 'popularity', 'long-running'].includes(sort))
      return validationFailed('Issue', 'sort', 'invalid');
    if (direction !== 'asc' && direction !== 'desc') return validationFailed('Issue', 'direction', 'invalid');
    const full = `${repo.owner}/${repo.name}`;
    const key = (i: GitHubItem): number =>
      sort === 'updated' ? Date.parse(i.updatedAt) : sort === 'comments' ? this.comments(full, i.number).length : i.number;
    const items = (this.#items.get(full.toLowerCase()) ?? [])
      .filter((i) => (kind === 'pull' ? i.kind === 'pull' : true))
      .filter((i) => state === 'all' || i.state === state)
      .filter((i) => labels.every((l) => i.labels.includes(l)))
      .filter(
        (i) =>
          !assignee ||
          (assignee === 'none' ? i.assignees.length === 0 : assignee === '*' ? i.assignees.length > 0 : i.assignees.includes(assignee)),
      )
      .sort((a, b) => (direction === 'asc' ? key(a) - key(b) || a.number - b.number : key(b) - key(a) || b.number - a.number));
    const page = paging.slice(items);
    return reply(
      200,
      page.map((i) => (kind === 'pull' ? this.#pullJson(repo, i) : this.#issueJson(repo, i))),
    );
  }

  #createIssue(r: FakeRequest, repo: GitHubRepo): FakeResponse {
    const parsed = bodyOf(r);
    if ('error' in parsed) return parsed.error;
    const b = parsed.ok;
    if (b.title === undefined || b.title === null || b.title === '') return validationFailed('Issue', 'title', 'missing_field');
    if (typeof b.title !== 'string' && typeof b.title !== 'number') return validationFailed('Issue', 'title', 'invalid');
    if (b.body !== undefined && b.body !== null && typeof b.body !== 'string') return validationFailed('Issue', 'body', 'invalid');
    const labels = stringList(b.labels);
    const assignees = stringList(b.assignees);
    if (labels === null) return validationFailed('Issue', 'labels', 'invalid');
    if (assignees === null) return validationFailed('Issue', 'assignees', 'invalid');
    const unknown = assignees.find((a) => !this.#users.some((u) => u.login === a));
    if (unknown) return validationFailed('Issue', 'assignees', 'invalid', unknown);
    const item = this.addIssue(`${repo.owner}/${repo.name}`, {
      author: r.user.login,
      title: String(b.title),
      body: (b.body as string | null | undefined) ?? null,
      labels,
      assignees,
    });
    return reply(201, this.#issueJson(repo, item), { location: `${API}/repos/${repo.owner}/${repo.name}/issues/${item.number}` });
  }

  #updateIssue(r: FakeRequest, repo: GitHubRepo, item: GitHubItem): FakeResponse {
    const parsed = bodyOf(r);
    if ('error' in parsed) return parsed.error;
    const b = parsed.ok;
    if (b.title !== undefined && (typeof b.title !== 'string' || b.title === '')) return validationFailed('Issue', 'title', 'invalid');
    if (b.body !== undefined && b.body !== null && typeof b.body !== 'string') return validationFailed('Issue', 'body', 'invalid');
    if (b.state !== undefined && b.state !== 'open' && b.state !== 'closed') return validationFailed('Issue', 'state', 'invalid');
    const labels = b.labels === undefined ? undefined : stringList(b.labels);
    if (labels === null) return validationFailed('Issue', 'labels', 'invalid');
    if (typeof b.title === 'string') item.title = b.title;
    if (b.body !== undefined) item.body = (b.body as string | null) ?? null;
    if (labels) item.labels = labels;
    if (b.state === 'closed' && item.state === 'open') item.closedAt = new Date().toISOString();
    if (b.state === 'open') item.closedAt = null;
    if (b.state === 'open' || b.state === 'closed') item.state = b.state;
    item.updatedAt = new Date().toISOString();
    return reply(200, this.#issueJson(repo, item));
  }

  #listComments(r: FakeRequest, repo: GitHubRepo, item: GitHubItem): FakeResponse {
    const paging = pageOf(r);
    if ('status' in paging) return paging;
    const list = this.comments(`${repo.owner}/${repo.name}`, item.number);
    return reply(
      200,
      paging.slice(list).map((c) => this.#commentJson(repo, item, c)),
    );
  }

  #createComment(r: FakeRequest, repo: GitHubRepo, item: GitHubItem): FakeResponse {
    const parsed = bodyOf(r);
    if ('error' in parsed) return parsed.error;
    const b = parsed.ok;
    if (b.body === undefined || b.body === null || b.body === '') return validationFailed('IssueComment', 'body', 'missing_field');
    if (typeof b.body !== 'string') return validationFailed('IssueComment', 'body', 'invalid');
    const c = this.addComment(`${repo.owner}/${repo.name}`, item.number, { author: r.user.login, body: b.body });
    item.updatedAt = c.createdAt;
    return reply(201, this.#commentJson(repo, item, c), { location: `${API}/repos/${repo.owner}/${repo.name}/issues/comments/${c.id}` });
  }

  #createPull(r: FakeRequest, repo: GitHubRepo): FakeResponse {
    const parsed = bodyOf(r);
    if ('error' in parsed) return parsed.error;
    const b = parsed.ok;
    for (const f of ['title', 'head', 'base'] as const) {
      if (b[f] === undefined || b[f] === null || b[f] === '') return validationFailed('PullRequest', f, 'missing_field');
      if (typeof b[f] !== 'string') return validationFailed('PullRequest', f, 'invalid');
    }
    if (b.body !== undefined && b.body !== null && typeof b.body !== 'string') return validationFailed('PullRequest', 'body', 'invalid');
    if (b.draft !== undefined && typeof b.draft !== 'boolean') return validationFailed('PullRequest', 'draft', 'invalid');
    if (b.head === b.base)
      return validationFailed('PullRequest', 'base', 'invalid', `No commits between ${String(b.base)} and ${String(b.head)}`);
    const item = this.addPull(`${repo.owner}/${repo.name}`, {
      author: r.user.login,
      title: b.title as string,
      body: (b.body as string | null | undefined) ?? null,
      head: b.head as string,
      base: b.base as string,
      draft: (b.draft as boolean | undefined) ?? false,
    });
    return reply(201, this.#pullJson(repo, item), { location: `${API}/repos/${repo.owner}/${repo.name}/pulls/${item.number}` });
  }

  // ---- JSON shapes (subset of GitHub's, same names and types) ------------------------------

  #userId(login: string): number {
    return this.#users.find((u) => u.login === login)?.githubId ?? 0;
  }

  #repoJson(repo: GitHubRepo, viewer: ResolvedSandboxUser): Record<string, unknown> {
    const full = `${repo.owner}/${repo.name}`;
    const openIssues = (this.#items.get(full.toLowerCase()) ?? []).filter((i) => i.state === 'open').length;
    return {
      id: repo.id,
      node_id: nodeId('R_', repo.id),
      name: repo.name,
      full_name: full,
      private: repo.private,
      owner: simpleUser(repo.owner, this.#userId(repo.owner)),
      html_url: `${WEB}/${full}`,
      description: repo.description,
      fork: false,
      url: `${API}/repos/${full}`,
      issues_url: `${API}/repos/${full}/issues{/number}`,
      pulls_url: `${API}/repos/${full}/pulls{/number}`,
      created_at: repo.createdAt,
      updated_at: repo.createdAt,
      pushed_at: repo.createdAt,
      homepage: null,
      size: 1,
      stargazers_count: 0,
      watchers_count: 0,
      language: 'TypeScript',
      has_issues: true,
      forks_count: 0,
      archived: false,
      disabled: false,
      open_issues_count: openIssues,
      visibility: repo.private ? 'private' : 'public',
      default_branch: 'main',
      permissions: {
        admin: repo.owner === viewer.login,
        maintain: repo.owner === viewer.login,
        push: repo.owner === viewer.login,
        triage: true,
        pull: true,
      },
    };
  }

  #issueJson(repo: GitHubRepo, i: GitHubItem): Record<string, unknown> {
    const full = `${repo.owner}/${repo.name}`;
    const comments = this.comments(full, i.number).length;
    const json: Record<string, unknown> = {
      id: i.id,
      node_id: nodeId('I_', i.id),
      url: `${API}/repos/${full}/issues/${i.number}`,
      repository_url: `${API}/repos/${full}`,
      comments_url: `${API}/repos/${full}/issues/${i.number}/comments`,
      html_url: `${WEB}/${full}/${i.kind === 'pull' ? 'pull' : 'issues'}/${i.number}`,
      number: i.number,
      title: i.title,
      user: simpleUser(i.author, this.#userId(i.author)),
      labels: i.labels.map((name) => ({
        id: hash(name),
        node_id: nodeId('LA_', hash(name)),
        url: `${API}/repos/${full}/labels/${encodeURIComponent(name)}`,
        name,
        color: 'ededed',
        default: false,
        description: null,
      })),
      state: i.state,
      state_reason: i.state === 'closed' ? 'completed' : null,
      locked: false,
      assignee: i.assignees[0] ? simpleUser(i.assignees[0], this.#userId(i.assignees[0])) : null,
      assignees: i.assignees.map((a) => simpleUser(a, this.#userId(a))),
      milestone: null,
      comments,
      created_at: i.createdAt,
      updated_at: i.updatedAt,
      closed_at: i.closedAt,
      author_association: i.author === repo.owner ? 'OWNER' : 'NONE',
      body: i.body,
    };
    if (i.kind === 'pull') {
      json.pull_request = {
        url: `${API}/repos/${full}/pulls/${i.number}`,
        html_url: `${WEB}/${full}/pull/${i.number}`,
        diff_url: `${WEB}/${full}/pull/${i.number}.diff`,
        patch_url: `${WEB}/${full}/pull/${i.number}.patch`,
        merged_at: null,
      };
    }
    return json;
  }

  #pullJson(repo: GitHubRepo, i: GitHubItem): Record<string, unknown> {
    const full = `${repo.owner}/${repo.name}`;
    const owner = simpleUser(repo.owner, this.#userId(repo.owner));
    const ref = (name: string) => ({
      label: `${repo.owner}:${name}`,
      ref: name,
      sha: sha(`${full}:${name}`),
      user: owner,
      repo: { id: repo.id, name: repo.name, full_name: full, private: repo.private },
    });
    return {
      id: i.id,
      node_id: nodeId('PR_', i.id),
      url: `${API}/repos/${full}/pulls/${i.number}`,
      html_url: `${WEB}/${full}/pull/${i.number}`,
      diff_url: `${WEB}/${full}/pull/${i.number}.diff`,
      issue_url: `${API}/repos/${full}/issues/${i.number}`,
      number: i.number,
      state: i.state,
      locked: false,
      title: i.title,
      user: simpleUser(i.author, this.#userId(i.author)),
      body: i.body,
      labels: i.labels.map((name) => ({ id: hash(name), name, color: 'ededed', default: false, description: null })),
      created_at: i.createdAt,
      updated_at: i.updatedAt,
      closed_at: i.closedAt,
      merged_at: null,
      merge_commit_sha: null,
      assignees: i.assignees.map((a) => simpleUser(a, this.#userId(a))),
      draft: i.draft ?? false,
      head: ref(i.head ?? 'feature'),
      base: ref(i.base ?? 'main'),
      author_association: i.author === repo.owner ? 'OWNER' : 'NONE',
      merged: false,
      mergeable: true,
      comments: this.comments(full, i.number).length,
      commits: 1,
      additions: 10,
      deletions: 0,
      changed_files: 1,
    };
  }

  #commentJson(repo: GitHubRepo, item: GitHubItem, c: GitHubComment): Record<string, unknown> {
    const full = `${repo.owner}/${repo.name}`;
    return {
      id: c.id,
      node_id: nodeId('IC_', c.id),
      url: `${API}/repos/${full}/issues/comments/${c.id}`,
      html_url: `${WEB}/${full}/issues/${item.number}#issuecomment-${c.id}`,
      issue_url: `${API}/repos/${full}/issues/${item.number}`,
      body: c.body,
      user: simpleUser(c.author, this.#userId(c.author)),
      created_at: c.createdAt,
      updated_at: c.createdAt,
      author_association: c.author === repo.owner ? 'OWNER' : 'NONE',
    };
  }
}

const githubErrors: FakeApiErrors = {
  unauthorized: (reason) => (reason === 'missing' ? ghError(401, 'Requires authentication', DOCS) : ghError(401, 'Bad credentials', DOCS)),
  // Not used (GitHub routes check scopes per repository), kept for routes that declare anyScope.
  forbidden: (route) =>
    ghError(403, 'Resource not accessible by integration', DOCS, { 'x-accepted-oauth-scopes': route.anyScope.join(', ') }),
  notFound: () => ghError(404, 'Not Found', DOCS),
  injected: (status, retryAfterSec) =>
    status === 429
      ? ghError(429, 'API rate limit exceeded for user.', `${DOCS}/overview/rate-limits-for-the-rest-api`, {
          'retry-after': String(retryAfterSec),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + retryAfterSec),
        })
      : ghError(status, status === 503 ? 'Service Unavailable' : `The sandbox answered ${status} on purpose (faults.failNext).`, DOCS, {
          'retry-after': String(retryAfterSec),
        }),
};

function ghError(status: number, message: string, documentationUrl: string, headers?: Record<string, string>): FakeResponse {
  return reply(status, { message, documentation_url: documentationUrl, status: String(status) }, headers);
}

function validationFailed(resource: string, field: string, code: 'missing_field' | 'invalid', value?: string): FakeResponse {
  const error: Record<string, unknown> = { resource, code, field };
  if (value !== undefined) error.value = value;
  return reply(422, { message: 'Validation Failed', errors: [error], documentation_url: DOCS, status: '422' });
}

/** The JSON object body, or the 400 GitHub gives for anything else. */
function bodyOf(r: FakeRequest): { ok: Record<string, unknown> } | { error: FakeResponse } {
  if (r.bodyMalformed) return { error: ghError(400, 'Problems parsing JSON', DOCS) };
  if (r.body === undefined) return { ok: {} };
  if (!isRecord(r.body)) return { error: ghError(400, 'Problems parsing JSON', DOCS) };
  return { ok: r.body };
}

function pageOf(r: FakeRequest): { slice<T>(items: readonly T[]): T[] } | FakeResponse {
  const perPage = intParam(r.query, 'per_page', 1, 100);
  const page = intParam(r.query, 'page', 1, 100_000);
  if (Number.isNaN(perPage) || Number.isNaN(page)) return ghError(422, 'Invalid paging parameters', DOCS);
  const size = perPage ?? 30;
  const start = ((page ?? 1) - 1) * size;
  return { slice: (items) => items.slice(start, start + size) };
}

function stringList(v: unknown): string[] | null {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) return null;
  return v as string[];
}

function simpleUser(login: string, id: number): Record<string, unknown> {
  return {
    login,
    id,
    node_id: nodeId('U_', id),
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    url: `${API}/users/${login}`,
    html_url: `${WEB}/${login}`,
    type: 'User',
    site_admin: false,
  };
}

function nodeId(prefix: string, id: number): string {
  return `${prefix}${Buffer.from(`sandbox:${id}`).toString('base64url')}`;
}

function hash(text: string): number {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h;
}

function sha(text: string): string {
  return hash(text).toString(16).padStart(8, '0').repeat(5);
}
