/**
 * Egress policies end to end (docs/policies.md): the SDK's real Client → AlterMCP → SQLite vault →
 * the sandbox's fake GitHub. Each refusal is checked three ways: the tool result names
 * ALTER_POLICY_DENIED, the fake API saw no request (`sandbox.stats`), and the audit row records
 * `decision: 'deny'` with the rule. Every result and audit row goes through the leak check.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AlterMCP, type AlterContext, AlterTool, ToolRegistrationError } from '@alter/mcp';
import { GitHubTools, githubManifest } from '@alter/tools-github';
import type { AuditRecord, PolicyOptions } from '@alter/vault';
import { z } from 'zod';
import { type PackStack, startPackStack, textOf, USER } from './support/pack-stack.js';

const ISSUE = 'https://api.github.com/repos/{owner}/{repo}/issues/{number}';
const repoInput = z.object({ owner: z.string(), repo: z.string(), number: z.number().int().min(1).default(1) });
type RepoInput = z.output<typeof repoInput>;

/** A pack-like tool class: declares one endpoint, and one tool that strays outside it. */
class IssueReaderTools {
  @AlterTool('github', {
    description: 'Reads an issue (inside its declaration).',
    input: repoInput,
    scopes: ['repo'],
    endpoints: [`GET ${ISSUE}`],
  })
  async readIssue(ctx: AlterContext, input: RepoInput): Promise<string> {
    const res = await ctx.request('GET', ISSUE, { pathParams: { owner: input.owner, repo: input.repo, number: String(input.number) } });
    return `status ${res.status}`;
  }

  @AlterTool('github', {
    description: 'Declares the issue endpoint but reads its comments.',
    input: repoInput,
    scopes: ['repo'],
    endpoints: [`GET ${ISSUE}`],
  })
  async strayComments(ctx: AlterContext, input: RepoInput): Promise<string> {
    // A route the fake GitHub serves: without enforcement this request would succeed.
    const res = await ctx.request('GET', `${ISSUE}/comments`, {
      pathParams: { owner: input.owner, repo: input.repo, number: String(input.number) },
    });
    return `status ${res.status}`;
  }
}

/** Undeclared tools (no `endpoints`): only vault rules and deny-by-default can hold them. */
class UndeclaredTools {
  @AlterTool('github', { description: 'Reads the signed-in user.', scopes: [] })
  async whoami(ctx: AlterContext): Promise<string> {
    const res = await ctx.request('GET', 'https://api.github.com/user');
    return `status ${res.status}`;
  }

  @AlterTool('github', { description: 'Unlocks an issue (DELETE).', input: repoInput, scopes: ['repo'] })
  async unlockIssue(ctx: AlterContext, input: RepoInput): Promise<string> {
    const res = await ctx.request('DELETE', `${ISSUE}/lock`, {
      pathParams: { owner: input.owner, repo: input.repo, number: String(input.number) },
    });
    return `status ${res.status}`;
  }
}

async function startStack(
  policy: PolicyOptions,
  modules: readonly object[] = [...GitHubTools, IssueReaderTools, UndeclaredTools],
): Promise<PackStack> {
  const stack = await startPackStack(['github'], modules as never, undefined, { policy });
  await stack.connect('github', githubManifest.allScopes);
  return stack;
}

/** The newest audit row of `tool`. */
async function lastRow(stack: PackStack, tool: string): Promise<AuditRecord> {
  const [row] = await stack.vault.audit.query({ tool, limit: 1 });
  expect(row).toBeDefined();
  return row!;
}

/** Calls `tool`, expects a policy refusal by `rule` with nothing sent, and returns the refusal's text. */
async function expectRefused(stack: PackStack, tool: string, args: Record<string, unknown>, rule: string): Promise<string> {
  const before = stack.sandbox.stats.apiRequests.total;
  const result = (await stack.call(tool, args)) as { isError?: boolean };
  const text = textOf(result);
  expect(result.isError).toBe(true);
  expect(text).toContain('was refused by the vault policy');
  expect(stack.sandbox.stats.apiRequests.total).toBe(before);
  const row = await lastRow(stack, tool);
  expect(row).toMatchObject({ decision: 'deny', policyRule: rule, errorCode: 'ALTER_POLICY_DENIED', status: null, user: USER });
  return text;
}

/** A second MCP client whose calls run as `user` on the same vault. */
async function clientAs(stack: PackStack, user: string, modules: readonly object[]) {
  const server = new McpServer({ name: `policy-${user}`, version: '1.0.0' });
  new AlterMCP(stack.vault, { defaultUser: user, logger: stack.leaks.logger }).register(server, [...modules] as never);
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: `policy-${user}-client`, version: '1.0.0' });
  await client.connect(clientTransport);
  return {
    async call(name: string, args: Record<string, unknown> = {}) {
      const result = await client.callTool({ name, arguments: args });
      stack.leaks.inspect(result, `result of ${name} as ${user}`);
      return result as { isError?: boolean };
    },
    async close() {
      await client.close();
      await server.close();
    },
  };
}

describe('egress policies through the real stack (sandbox GitHub, SQLite vault, AlterMCP, SDK client)', () => {
  const stacks: PackStack[] = [];
  const start = async (policy: PolicyOptions, modules?: readonly object[]) => {
    const s = await startStack(policy, modules);
    stacks.push(s);
    return s;
  };
  afterAll(async () => {
    for (const s of stacks) {
      await s.close();
      s.leaks.assertClean();
    }
  });

  describe('declared endpoints (no vault policy at all)', () => {
    let stack: PackStack;
    beforeAll(async () => {
      stack = await start({});
    });

    it('a tool inside its declaration reaches GitHub; the audit row names the endpoint that allowed it', async () => {
      const before = stack.sandbox.stats.apiRequests.total;
      const result = await stack.call('read_issue', { owner: 'alice', repo: 'hello-world' });
      expect(textOf(result)).toBe('status 200');
      expect(stack.sandbox.stats.apiRequests.total).toBe(before + 1);
      expect(await lastRow(stack, 'read_issue')).toMatchObject({
        decision: 'allow',
        policyRule: `endpoint GET ${ISSUE}`,
        status: 200,
        errorCode: null,
      });
    });

    it('a tool calling outside its declared endpoints is refused before anything is sent, naming the tool, the path and the fix', async () => {
      const text = await expectRefused(stack, 'stray_comments', { owner: 'alice', repo: 'hello-world' }, 'endpoints');
      expect(text).toContain('stray_comments');
      expect(text).toContain('GET /repos/alice/hello-world/issues/1/comments');
      expect(text).toContain(`declared endpoints (GET ${ISSUE})`);
      expect(text).toContain('Nothing was sent');
      expect(stack.sandbox.stats.apiRequests.byRoute['GET /repos/:owner/:repo/issues/:number/comments'] ?? 0).toBe(0);
    });

    it('the pack tools stay inside their declared endpoints (every pack tool, with enforcement on)', async () => {
      await stack.callOk('list_repos', {});
      await stack.callOk('list_issues', { owner: 'alice', repo: 'hello-world' });
      await stack.callOk('get_pull_request', { owner: 'alice', repo: 'hello-world', pullNumber: 3 });
      await stack.callOk('create_issue', { owner: 'alice', repo: 'hello-world', title: 'Policy test' });
      await stack.callOk('create_issue_comment', { owner: 'alice', repo: 'hello-world', issueNumber: 1, body: 'ok' });
      for (const tool of ['list_repos', 'list_issues', 'get_pull_request', 'create_issue', 'create_issue_comment']) {
        const row = await lastRow(stack, tool);
        expect(row.decision).toBe('allow');
        expect(row.policyRule).toMatch(/^endpoint (GET|POST) https:\/\/api\.github\.com\//);
      }
    });
  });

  describe('a vault rule denying DELETE on GitHub', () => {
    let stack: PackStack;
    beforeAll(async () => {
      stack = await start({ rules: [{ name: 'no-github-delete', match: { provider: 'github', method: 'DELETE' }, deny: true }] });
    });

    it('refuses the DELETE before the token is read; the audit row names the rule', async () => {
      const text = await expectRefused(stack, 'unlock_issue', { owner: 'alice', repo: 'hello-world' }, 'no-github-delete');
      expect(text).toContain('DELETE /repos/alice/hello-world/issues/1/lock');
      expect(text).toContain('no-github-delete');
    });

    it('other methods still go out', async () => {
      expect(textOf(await stack.call('whoami'))).toBe('status 200');
      expect(await lastRow(stack, 'whoami')).toMatchObject({ decision: 'allow', policyRule: 'default' });
    });
  });

  describe('a rate limit per user and tool', () => {
    let stack: PackStack;
    beforeAll(async () => {
      stack = await start({
        rules: [{ name: 'github-burst', match: { provider: 'github' }, rateLimit: { max: 2, perMs: 60_000, per: 'user+tool' } }],
      });
      await stack.connect('github', githubManifest.allScopes, 'bob');
    });

    it('refuses the third call in the window; another tool and another user are unaffected', async () => {
      await stack.callOk('list_repos', {});
      await stack.callOk('list_repos', {});
      const text = await expectRefused(stack, 'list_repos', {}, 'github-burst');
      expect(text).toContain('allows 2 request(s) per 60000 ms per user+tool');
      // Same user, another tool: its own budget.
      await stack.callOk('list_issues', { owner: 'alice', repo: 'hello-world' });
      // Another user, same tool: their own budget.
      const bob = await clientAs(stack, 'bob', GitHubTools);
      try {
        const before = stack.sandbox.stats.apiRequests.total;
        const result = await bob.call('list_repos', {});
        expect(result.isError).toBeFalsy();
        expect(stack.sandbox.stats.apiRequests.total).toBe(before + 1);
        const [row] = await stack.vault.audit.query({ tool: 'list_repos', user: 'bob', limit: 1 });
        expect(row).toMatchObject({ decision: 'allow', status: 200 });
      } finally {
        await bob.close();
      }
    });
  });

  describe("undeclared: 'deny'", () => {
    let stack: PackStack;
    beforeAll(async () => {
      stack = await start({ undeclared: 'deny' });
    });

    it('an undeclared tool cannot reach GitHub at all', async () => {
      const text = await expectRefused(stack, 'whoami', {}, 'undeclared');
      expect(text).toContain('declare the endpoints of tool whoami');
    });

    it('a declared tool can', async () => {
      expect(textOf(await stack.call('read_issue', { owner: 'alice', repo: 'hello-world' }))).toBe('status 200');
      expect((await lastRow(stack, 'read_issue')).decision).toBe('allow');
    });
  });

  describe('a policy function', () => {
    let stack: PackStack;
    beforeAll(async () => {
      stack = await start({
        decide: {
          name: 'repo-lookup',
          fn: (request) => {
            // A lookup that breaks for one repository: the policy must fail closed there.
            if (request.url.pathname.includes('/private-notes/')) throw new Error('directory unavailable');
            if (request.url.pathname.includes('/nope/')) return { allow: false, reason: 'repository nope is off limits' };
            return { allow: true };
          },
        },
      });
    });

    it('that throws refuses the request (fail closed); the audit row names the function', async () => {
      const text = await expectRefused(stack, 'list_issues', { owner: 'alice', repo: 'private-notes' }, 'repo-lookup');
      expect(text).toContain('the policy failed while deciding (Error: directory unavailable)');
    });

    it('that denies refuses with its reason; that allows lets the request out', async () => {
      const text = await expectRefused(stack, 'list_issues', { owner: 'alice', repo: 'nope' }, 'repo-lookup');
      expect(text).toContain('repository nope is off limits');
      await stack.callOk('list_issues', { owner: 'alice', repo: 'hello-world' });
      expect(await lastRow(stack, 'list_issues')).toMatchObject({ decision: 'allow', policyRule: expect.stringMatching(/^endpoint GET /) });
    });
  });

  describe('a time window', () => {
    let stack: PackStack;
    // A window that excludes now and the next hour (so the test cannot straddle its edge), from the current UTC hour.
    const hour = new Date().getUTCHours();
    const closed = hour <= 21 ? { fromHour: hour + 2, toHour: 24 } : { fromHour: 1, toHour: hour - 1 };
    beforeAll(async () => {
      stack = await start({
        rules: [
          { name: 'issues-office-hours', match: { tool: 'list_issues' }, timeWindow: closed },
          { name: 'repos-all-day', match: { tool: 'list_repos' }, timeWindow: { fromHour: 0, toHour: 24 } },
        ],
      });
    });

    it('refuses outside the window and allows inside it', async () => {
      const text = await expectRefused(stack, 'list_issues', { owner: 'alice', repo: 'hello-world' }, 'issues-office-hours');
      expect(text).toContain(`between ${closed.fromHour}:00 and ${closed.toHour}:00 UTC`);
      await stack.callOk('list_repos', {});
      expect((await lastRow(stack, 'list_repos')).decision).toBe('allow');
    });
  });

  describe('startup validation of declared endpoints', () => {
    let stack: PackStack;
    beforeAll(async () => {
      stack = await start({}, GitHubTools);
    });

    const register = (module: object) =>
      new AlterMCP(stack.vault, { defaultUser: USER }).register(new McpServer({ name: 'x', version: '1' }), [module as never]);
    const registrationError = (module: object): ToolRegistrationError => {
      try {
        register(module);
      } catch (err) {
        expect(err).toBeInstanceOf(ToolRegistrationError);
        return err as ToolRegistrationError;
      }
      throw new Error('registration succeeded');
    };

    it('an endpoint on a host outside the provider allowlist is a registration error naming it', () => {
      class ExfiltratingTools {
        @AlterTool('github', { description: 'Posts somewhere else.', endpoints: ['GET /user', 'POST https://collector.example/upload'] })
        async upload(): Promise<string> {
          return 'x';
        }
      }
      const err = registrationError(ExfiltratingTools);
      expect(err.message).toContain('POST https://collector.example/upload');
      expect(err.message).toContain('collector.example');
      expect(err.message).toContain('allowedHosts');
    });

    it.each([
      ['FETCH /user', 'METHOD one of'],
      ['GET user', 'must start with "/"'],
      ['GET /repos/{owner}x/issues', 'whole path segment'],
      ['GET /user/repos?per_page=5', 'leave the query out'],
    ])('a malformed endpoint (%s) is refused with a clear message', (endpoint, says) => {
      class MalformedTools {
        @AlterTool('github', { description: 'Malformed declaration.', endpoints: [endpoint] })
        async malformed(): Promise<string> {
          return 'x';
        }
      }
      const err = registrationError(MalformedTools);
      expect(err.message).toContain(endpoint);
      expect(err.message).toContain(says);
    });

    it('endpoints without a provider are a definition error', () => {
      expect(() => {
        class NoProviderTools {
          @AlterTool({ description: 'No provider.', endpoints: ['GET /user'] })
          async orphan(): Promise<string> {
            return 'x';
          }
        }
        return NoProviderTools;
      }).toThrow(/endpoints were given but no provider/);
    });
  });
});
