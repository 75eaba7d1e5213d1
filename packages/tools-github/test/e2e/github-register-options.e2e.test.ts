/**
 * @alter/tools-github registered tool by tool with per-registration prefixes on one server
 * (`register(server, GitHubTools, { prefix: 'gh_', include: ['list_issues'] })`), through the real
 * stack: sandbox, SQLite vault, AlterMCP, the SDK client. The manifest type comes from @alter/mcp.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ToolPackManifest } from '@alter/mcp';
import { GitHubTools, githubManifest } from '@alter/tools-github';
import { type PackStack, startPackStack, USER } from './support/pack-stack.js';

// The pack's manifest is the @alter/mcp type (the pack re-exports it; no copy of its own).
const manifest: ToolPackManifest = githubManifest;

describe('@alter/tools-github with register options', () => {
  let stack: PackStack;

  beforeAll(async () => {
    stack = await startPackStack(['github'], GitHubTools, [
      { prefix: 'gh_', include: ['list_issues'] },
      { prefix: 'gh_ro_', exclude: ['create_issue', 'create_issue_comment', 'list_issues'] },
    ]);
  });
  afterAll(async () => {
    await stack?.close();
    stack?.leaks.assertClean();
  });

  it('lists exactly the selected tools under their registration prefixes', async () => {
    const names = (await stack.client.listTools()).tools.map((t) => t.name).sort();
    const readOnlyRest = Object.keys(manifest.scopesByTool).filter(
      (n) => !['create_issue', 'create_issue_comment', 'list_issues'].includes(n),
    );
    expect(readOnlyRest.length).toBeGreaterThan(0);
    expect(names).toEqual(['gh_list_issues', ...readOnlyRest.map((n) => `gh_ro_${n}`)].sort());
  });

  it('calls tools of both registrations and audits their prefixed names', async () => {
    await stack.connect('github', manifest.allScopes);
    const issues = await stack.callOk<{ issues: Array<{ title: string }> }>('gh_list_issues', { owner: 'alice', repo: 'hello-world' });
    expect(issues.issues.map((i) => i.title)).toContain('Found a bug');
    const repos = await stack.callOk<{ repositories: Array<{ fullName: string }> }>('gh_ro_list_repos', {});
    expect(repos.repositories.map((r) => r.fullName)).toContain('alice/hello-world');
    const unprefixed = await stack.call('list_issues', { owner: 'alice', repo: 'hello-world' }).catch((e: unknown) => e);
    expect(String(unprefixed instanceof Error ? unprefixed.message : JSON.stringify(unprefixed))).toMatch(/not found/);
    await stack.vault.audit.flush();
    const tools = new Set((await stack.vault.audit.query({ user: USER, provider: 'github' })).map((r) => r.tool));
    expect(tools).toEqual(new Set(['gh_list_issues', 'gh_ro_list_repos']));
  });
});
