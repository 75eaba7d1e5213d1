import { expectToolsDeclareEndpoints, expectToolsMatchManifest, SandboxBrowser } from '@alter/testing';
import { GitHubIssueTools, GitHubPullRequestTools, GitHubRepositoryTools, GitHubTools, githubManifest } from '@alter/tools-github';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { CONNECT_URL, fuzzEveryTool, type PackStack, startPackStack, textOf, USER } from './support/pack-stack.js';

const API = 'https://api.github.com';

describe('@alter/tools-github, what it declares', () => {
  it('every tool declares the endpoints it calls (this suite runs with undeclared: "deny", so each call below stays inside them)', () => {
    expectToolsDeclareEndpoints(GitHubTools, Object.keys(githubManifest.scopesByTool));
  });
  it('exports the pack whole and by class', () => {
    expect(GitHubTools).toEqual([GitHubRepositoryTools, GitHubIssueTools, GitHubPullRequestTools]);
  });
});

// Every test gets its own stack (sandbox with freshly seeded fakes, vault, server, client), so each
// passes alone and in any order: none sees the grants, issues, comments or audit rows of another.
describe('@alter/tools-github through the real stack (sandbox, SQLite vault, AlterMCP, SDK client)', () => {
  let stack: PackStack;

  beforeEach(async () => {
    stack = await startPackStack(['github'], GitHubTools);
  });
  afterEach(async () => {
    await stack?.close();
    stack?.leaks.assertClean();
  });

  it('lists every tool of the manifest, each field described, with output schema and truthful annotations', async () => {
    const { tools } = await stack.client.listTools();
    expectToolsMatchManifest(tools, githubManifest);
    for (const tool of tools) {
      const writes = tool.name.startsWith('create_');
      expect(tool.annotations).toMatchObject({
        readOnlyHint: !writes,
        destructiveHint: false,
        idempotentHint: !writes,
        openWorldHint: true,
      });
    }
  });

  it('answers the first call with a Connect URL for the repo scope', async () => {
    const result = await stack.call('list_repos', {});
    expect(result.isError).toBe(true);
    const url = CONNECT_URL.exec(textOf(result))?.[0];
    const res = await new SandboxBrowser().openConnect(url as string);
    expect(new URL(res.headers.get('location') ?? '').searchParams.get('scope')?.split(' ')).toContain('repo');
  });

  describe('with GitHub connected', () => {
    beforeEach(async () => {
      await stack.connect('github', githubManifest.allScopes);
    });

    it('list_repos includes the private repository (the repo scope reached the fake API)', async () => {
      const out = await stack.callOk<{
        repositories: Array<{ fullName: string; private: boolean; owner?: string; defaultBranch?: string }>;
        hasMore: boolean;
      }>('list_repos', {});
      expect(out.repositories.map((r) => r.fullName).sort()).toEqual(['alice/hello-world', 'alice/private-notes']);
      expect(out.repositories.find((r) => r.fullName === 'alice/private-notes')).toMatchObject({
        private: true,
        owner: 'alice',
        defaultBranch: 'main',
      });
      expect(out.hasMore).toBe(false);
    });

    it('list_issues lists open issues and flags pull requests; state=all includes closed ones', async () => {
      const open = await stack.callOk<{
        issues: Array<{ number: number; title: string; labels: string[]; isPullRequest: boolean; state: string }>;
      }>('list_issues', { owner: 'alice', repo: 'hello-world' });
      expect(open.issues.map((i) => [i.title, i.isPullRequest])).toEqual([
        ['Add README', true],
        ['Found a bug', false],
      ]);
      expect(open.issues.find((i) => i.title === 'Found a bug')?.labels).toEqual(['bug']);
      const all = await stack.callOk<{ issues: Array<{ state: string }> }>('list_issues', {
        owner: 'alice',
        repo: 'hello-world',
        state: 'all',
      });
      expect(all.issues.map((i) => i.state)).toContain('closed');
      const bugs = await stack.callOk<{ issues: unknown[] }>('list_issues', { owner: 'alice', repo: 'hello-world', labels: ['bug'] });
      expect(bugs.issues).toHaveLength(1);
    });

    it('create_issue opens an issue the fake GitHub stores', async () => {
      const created = await stack.callOk<{
        number: number;
        title: string;
        body?: string;
        labels: string[];
        user?: string;
        htmlUrl?: string;
      }>('create_issue', {
        owner: 'alice',
        repo: 'hello-world',
        title: 'Docs: explain the sandbox',
        body: 'It is **fake**.',
        labels: ['docs'],
      });
      expect(created).toMatchObject({ title: 'Docs: explain the sandbox', body: 'It is **fake**.', labels: ['docs'], user: 'alice' });
      expect(created.htmlUrl).toBe(`https://github.com/alice/hello-world/issues/${created.number}`);
      const stored = stack.sandbox.fakes.github.items('alice/hello-world').find((i) => i.number === created.number);
      expect(stored).toMatchObject({ title: 'Docs: explain the sandbox', author: 'alice', labels: ['docs'] });
    });

    it('create_issue_comment comments on an issue and on a pull request', async () => {
      const c1 = await stack.callOk<{ id: number; body?: string; user?: string }>('create_issue_comment', {
        owner: 'alice',
        repo: 'hello-world',
        issueNumber: 1,
        body: 'Fixed in #3.',
      });
      expect(c1).toMatchObject({ body: 'Fixed in #3.', user: 'alice' });
      await stack.callOk('create_issue_comment', { owner: 'alice', repo: 'hello-world', issueNumber: 3, body: 'LGTM' });
      expect(stack.sandbox.fakes.github.comments('alice/hello-world', 1).map((c) => c.body)).toContain('Fixed in #3.');
      expect(stack.sandbox.fakes.github.comments('alice/hello-world', 3).map((c) => c.body)).toEqual(['LGTM']);
    });

    it('get_pull_request returns branches, mergeability and size', async () => {
      // The seeded pull request has no comment yet: one comment makes `comments` count something.
      await stack.callOk('create_issue_comment', { owner: 'alice', repo: 'hello-world', issueNumber: 3, body: 'LGTM' });
      const pr = await stack.callOk<Record<string, unknown>>('get_pull_request', { owner: 'alice', repo: 'hello-world', pullNumber: 3 });
      expect(pr).toMatchObject({
        number: 3,
        title: 'Add README',
        state: 'open',
        draft: false,
        merged: false,
        mergeable: true,
        head: { ref: 'add-readme' },
        base: { ref: 'main' },
        comments: 1,
      });
    });

    it("a missing resource is an error result with GitHub's message and a hint", async () => {
      const result = await stack.call('get_pull_request', { owner: 'alice', repo: 'hello-world', pullNumber: 1 });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/github answered 404: Not Found/);
      const noRepo = await stack.call('list_issues', { owner: 'alice', repo: 'does-not-exist' });
      expect(textOf(noRepo)).toMatch(/404/);
    });

    it('rejects a path-traversal repo name before any request', async () => {
      const before = stack.sandbox.stats.apiRequests.total;
      const result = await stack.call('list_issues', { owner: 'alice', repo: '../../user' });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/repo/);
      expect(stack.sandbox.stats.apiRequests.total).toBe(before);
    });

    it('random JSON arguments never crash a tool (every answer is a result, never an internal error)', async () => {
      expect(await fuzzEveryTool(stack)).toBeGreaterThan(0);
    });

    it('the audit rows name each tool and the real GitHub URL', async () => {
      await callEveryTool(stack);
      await stack.vault.audit.flush();
      const rows = await stack.vault.audit.query({ user: USER, provider: 'github' });
      const tools = new Set(rows.map((r) => r.tool));
      for (const name of Object.keys(githubManifest.scopesByTool)) expect(tools).toContain(name);
      expect(rows.every((r) => r.url.startsWith(API))).toBe(true);
    });
  });

  describe('the fake GitHub API checks shapes and scopes like the real one', () => {
    it('answers 422 Validation Failed for an issue without a title, and create_issue never sends one', async () => {
      await stack.connect('github', githubManifest.allScopes);
      const res = await stack.vault.request('github', 'POST', `${API}/repos/{owner}/{repo}/issues`, {
        user: USER,
        endpoints: ['POST /repos/{owner}/{repo}/issues'],
        pathParams: { owner: 'alice', repo: 'hello-world' },
        json: { body: 'no title' },
      });
      expect(res.status).toBe(422);
      expect(res.json<{ message: string }>().message).toBe('Validation Failed');
      const tool = await stack.call('create_issue', { owner: 'alice', repo: 'hello-world', title: '' });
      expect(tool.isError).toBe(true);
      expect(textOf(tool)).toMatch(/title/);
    });

    it('hides a private repository (404) from a token without the repo scope', async () => {
      await stack.connect('github', ['read:user'], 'bob');
      const res = await stack.vault.request('github', 'GET', `${API}/user/repos`, { user: 'bob', endpoints: ['GET /user/repos'] });
      expect(res.status).toBe(200);
      expect(res.json<Array<{ full_name: string }>>().map((r) => r.full_name)).toEqual(['bob/hello-world']);
      // The raw answer (by default the vault raises ScopeReauthRequiredError naming public_repo).
      const write = await stack.vault.request('github', 'POST', `${API}/repos/bob/hello-world/issues`, {
        user: 'bob',
        endpoints: ['POST /repos/{owner}/{repo}/issues'],
        json: { title: 'x' },
        scopeErrors: 'return',
      });
      expect(write.status).toBe(403);
    });
  });
});

/** Calls each tool of the pack once with valid arguments (each call reaches the fake API). */
async function callEveryTool(stack: PackStack): Promise<void> {
  const repo = { owner: 'alice', repo: 'hello-world' };
  const calls: Record<keyof typeof githubManifest.scopesByTool, Record<string, unknown>> = {
    list_repos: {},
    list_issues: repo,
    create_issue: { ...repo, title: 'Audited' },
    create_issue_comment: { ...repo, issueNumber: 1, body: 'Audited too.' },
    get_pull_request: { ...repo, pullNumber: 3 },
  };
  for (const [name, args] of Object.entries(calls)) await stack.callOk(name, args);
}
