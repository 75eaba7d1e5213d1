/**
 * Issue #16, approval by URL through MCP (docs/approvals.md): a client WITHOUT form elicitation
 * calls a tool whose provider request needs an approval (declared `approval: 'required'`, or asked
 * by a vault policy rule). The answer is an isError result with the approval link (text and
 * `_meta`) and nothing is sent; a second HTTP client — `SandboxBrowser`, a cookie jar, as the user's
 * browser — confirms the page and approves (or denies); the model's retry of the same call is then
 * sent ONCE. Replays, changed bodies, expiry, a forwarded link, the audit rows. Real parts: the
 * sandbox's OAuth server and fake GitHub, a SQLite vault, Connect's handler on 127.0.0.1, the SDK's
 * real Client, the leak check over every result, page and audit row.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SandboxBrowser } from '@alter/testing';
import { AlterMCP, AlterTool, type AlterContext, APPROVAL_META_KEY } from '@alter/mcp';
import { z } from 'zod';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';

jest.setTimeout(60_000);

type ToolResultT = { content: Array<{ type: string; text?: string }>; isError?: boolean; _meta?: Record<string, unknown> };

const USER = 'url-approver';
/** The sandbox's GitHub login the user connects as (owns alice/hello-world). */
const LOGIN = 'alice';
const ISSUES = 'https://api.github.com/repos/{owner}/{repo}/issues';
const CREATE_ROUTE = 'POST /repos/:owner/:repo/issues';
const RULE = 'plain-issues-need-approval';

class UrlApprovalTools {
  @AlterTool('github', {
    description: 'Opens one issue (declared: needs approval).',
    scopes: ['repo'],
    approval: 'required',
    input: z.object({ title: z.string() }),
  })
  async openIssue(ctx: AlterContext, { title }: { title: string }): Promise<string> {
    const res = await ctx.request('POST', ISSUES, { pathParams: { owner: LOGIN, repo: 'hello-world' }, json: { title } });
    return String(res.status);
  }

  @AlterTool('github', {
    description: 'Opens one issue (not declared; the vault policy asks for approval).',
    scopes: ['repo'],
    input: z.object({ title: z.string() }),
  })
  async openIssuePlain(ctx: AlterContext, { title }: { title: string }): Promise<string> {
    const res = await ctx.request('POST', ISSUES, { pathParams: { owner: LOGIN, repo: 'hello-world' }, json: { title } });
    return String(res.status);
  }
}

async function connectedHarness(ttlMs?: number): Promise<McpHarness> {
  const h = await createMcpHarness({
    providers: ['github'],
    vault: {
      policy: { rules: [{ name: RULE, match: { provider: 'github', tool: 'open_issue_plain' }, approval: 'required' }] },
      ...(ttlMs !== undefined ? { approvals: { ttlMs } } : {}),
    },
  });
  const session = await h.vault.connect.createSession({ user: USER, providers: { github: ['repo'] } });
  await h.sandbox.approve(session.url, { login: LOGIN });
  await h.vault.connect.waitFor(session.id, { timeoutMs: 10_000 });
  await h.collectTokens();
  return h;
}

/** A client that declares no elicitation at all (it cannot show a form). */
async function plainClient(h: McpHarness): Promise<Client> {
  const server = new McpServer({ name: 'approval-url', version: '1.0.0' });
  new AlterMCP(h.vault, { defaultUser: USER, logger: h.leak.logger }).register(server, [UrlApprovalTools]);
  const client = new Client({ name: 'plain-client', version: '1.0.0' }, { capabilities: {} });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(a), client.connect(b)]);
  return client;
}

const text = (result: unknown): string => (result as ToolResultT).content[0]?.text ?? '';
const code = (res: Response) => res.headers.get('x-alter-connect-status');
const csrfOf = (html: string) => /name="csrf" value="([^"]*)"/.exec(html)?.[1] ?? '';
const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

/** The approval link of a "needs approval" answer, checked against its text and `_meta`. */
function linkOf(h: McpHarness, result: unknown): string {
  const r = result as ToolResultT;
  expect(r.isError).toBe(true);
  const meta = r._meta?.[APPROVAL_META_KEY] as { url: string; approvalId: string; provider: string; expiresAt: string };
  expect(meta.url).toBe(`${h.connectUrl}/connect/approvals/${meta.approvalId}`);
  expect(meta.provider).toBe('github');
  expect(text(r)).toContain(meta.url);
  expect(text(r)).toMatch(/call open_issue(_plain)? again with exactly the same arguments/);
  return meta.url;
}

/** The user's browser: opens the link, confirms the interstitial, and answers. Returns the final page. */
async function decide(h: McpHarness, browser: SandboxBrowser, url: string, action: 'approve' | 'deny'): Promise<string> {
  const first = await browser.fetch(url);
  expect(code(first)).toBe('approval_confirm');
  const confirmed = await browser.fetch(url, form({ csrf: csrfOf(await first.text()), action: 'confirm' }));
  expect(confirmed.status).toBe(303);
  const page = await browser.fetch(confirmed.headers.get('location')!);
  expect(code(page)).toBe('approval_pending');
  const html = await page.text();
  h.leak.inspect(html, 'approval page');
  const answered = await browser.fetch(url, form({ csrf: csrfOf(html), action }));
  expect(code(answered)).toBe(action === 'approve' ? 'approval_approved' : 'approval_denied');
  const done = await answered.text();
  h.leak.inspect(done, 'approval page after the answer');
  return html;
}

describe('approval by URL through MCP (client without form elicitation)', () => {
  let h: McpHarness;
  let client: Client;
  beforeAll(async () => {
    h = await connectedHarness();
    client = await plainClient(h);
  });
  beforeEach(() => {
    h.sandbox.stats.reset();
  });
  afterAll(async () => {
    await client?.close();
    if (h) for (const row of await h.vault.audit.query({ limit: 1000 })) h.leak.inspect(row, 'audit row');
    await h?.close();
    h?.leak.assertClean();
  });

  const created = (): number => h.sandbox.stats.apiRequests.byRoute[CREATE_ROUTE] ?? 0;
  const call = async (name: string, title: string) => {
    const result = await client.callTool({ name, arguments: { title } });
    h.leak.inspect(result, `result of ${name}`);
    return result;
  };
  const lastRow = async () => {
    await h.vault.audit.flush();
    return (await h.vault.audit.query({ user: USER, limit: 1 }))[0]!;
  };

  it('answers with a link, nothing sent; approved in a second HTTP client, the retry is sent once', async () => {
    expect(APPROVAL_META_KEY).toBe('dev.alter/approval');
    const first = await call('open_issue', 'Approve me');
    const url = linkOf(h, first);
    expect(h.sandbox.stats.apiRequests.total).toBe(0);
    expect(h.sandbox.stats.tokenRequests.total).toBe(0);
    const html = await decide(h, new SandboxBrowser(), url, 'approve');
    expect(html).toContain(`POST https://api.github.com/repos/${LOGIN}/hello-world/issues`);
    expect(html).toContain('&quot;title&quot;: &quot;Approve me&quot;');
    expect(html).toContain('<code>open_issue</code>');

    const retried = await call('open_issue', 'Approve me');
    expect(retried.isError).toBeFalsy();
    expect(text(retried)).toBe('201');
    expect(created()).toBe(1);
    expect(await lastRow()).toMatchObject({ tool: 'open_issue', status: 201, approval: 'approved', approvalBy: USER, approvalVia: 'url' });
  });

  it('refuses a replay: the same call again needs a new approval, and the used link approves nothing', async () => {
    const url = linkOf(h, await call('open_issue', 'Once only'));
    const browser = new SandboxBrowser();
    const html = await decide(h, browser, url, 'approve');
    expect(text(await call('open_issue', 'Once only'))).toBe('201');
    const replay = await call('open_issue', 'Once only');
    const next = linkOf(h, replay);
    expect(next).not.toBe(url);
    const reused = await browser.fetch(url, form({ csrf: csrfOf(html), action: 'approve' }));
    expect(code(reused)).toBe('approval_used');
    expect(linkOf(h, await call('open_issue', 'Once only'))).toBe(next);
    expect(created()).toBe(1);
    expect(await lastRow()).toMatchObject({ status: null, errorCode: 'ALTER_APPROVAL_PENDING' });
  });

  it('needs a new approval for a changed body', async () => {
    const approvedUrl = linkOf(h, await call('open_issue', 'Body A'));
    await decide(h, new SandboxBrowser(), approvedUrl, 'approve');
    const changed = linkOf(h, await call('open_issue', 'Body B'));
    expect(changed).not.toBe(approvedUrl);
    expect(created()).toBe(0);
    expect(text(await call('open_issue', 'Body A'))).toBe('201');
    expect(created()).toBe(1);
  });

  it('a deny refuses the retry with nothing sent, and the audit row records the decline', async () => {
    const url = linkOf(h, await call('open_issue', 'Deny me'));
    await decide(h, new SandboxBrowser(), url, 'deny');
    const refused = await call('open_issue', 'Deny me');
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/the user declined it\. Nothing was sent\./);
    expect(created()).toBe(0);
    expect(await lastRow()).toMatchObject({
      status: null,
      errorCode: 'ALTER_APPROVAL_REFUSED',
      approval: 'declined',
      approvalBy: USER,
      approvalVia: 'url',
    });
    expect(linkOf(h, await call('open_issue', 'Deny me'))).not.toBe(url);
  });

  it('shows nothing of the request to a forwarded link in another browser', async () => {
    const url = linkOf(h, await call('open_issue', 'Forwarded secret plan'));
    const owner = new SandboxBrowser();
    const first = await owner.fetch(url);
    const interstitial = await first.text();
    expect(interstitial).not.toContain('Forwarded secret plan');
    await owner.fetch(url, form({ csrf: csrfOf(interstitial), action: 'confirm' }));
    const stranger = await new SandboxBrowser().fetch(url);
    expect(stranger.status).toBe(403);
    expect(code(stranger)).toBe('wrong_browser');
    expect(await stranger.text()).not.toContain('Forwarded secret plan');
    expect(created()).toBe(0);
  });

  it('asks for approval when a vault policy rule says so, for a tool that did not declare it', async () => {
    const url = linkOf(h, await call('open_issue_plain', 'By rule'));
    expect(created()).toBe(0);
    const id = url.slice(url.lastIndexOf('/') + 1);
    expect(await h.vault.approvals.get(id)).toMatchObject({ status: 'pending', rule: RULE, tool: 'open_issue_plain', user: USER });
    // A second person approves from the operator side.
    expect((await h.vault.approvals.approve(id, { by: 'ops:carol', via: 'cli' })).ok).toBe(true);
    expect(text(await call('open_issue_plain', 'By rule'))).toBe('201');
    expect(created()).toBe(1);
    expect(await lastRow()).toMatchObject({
      tool: 'open_issue_plain',
      status: 201,
      decision: 'allow',
      policyRule: RULE,
      approval: 'approved',
      approvalBy: 'ops:carol',
      approvalVia: 'cli',
    });
  });
});

describe('approval by URL through MCP: expiry', () => {
  let h: McpHarness;
  let client: Client;
  beforeAll(async () => {
    // Long enough to open the page under load, short enough to wait out.
    h = await connectedHarness(3_000);
    client = await plainClient(h);
  });
  afterAll(async () => {
    await client?.close();
    if (h) for (const row of await h.vault.audit.query({ limit: 1000 })) h.leak.inspect(row, 'audit row');
    await h?.close();
    h?.leak.assertClean();
  });

  it('an approval link that expired approves nothing; the retry is refused, then asked anew', async () => {
    h.sandbox.stats.reset();
    const first = await client.callTool({ name: 'open_issue', arguments: { title: 'Too late' } });
    const url = linkOf(h, first);
    const id = url.slice(url.lastIndexOf('/') + 1);
    // Wait for the condition (the approval reads as expired), not for a duration.
    while ((await h.vault.approvals.get(id))?.status !== 'expired') await new Promise((r) => setTimeout(r, 100));
    const page = await new SandboxBrowser().fetch(url);
    expect(code(page)).toBe('approval_expired');
    const refused = await client.callTool({ name: 'open_issue', arguments: { title: 'Too late' } });
    h.leak.inspect([first, refused], 'results');
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/the approval expired before it was given/);
    const again = linkOf(h, await client.callTool({ name: 'open_issue', arguments: { title: 'Too late' } }));
    expect(again).not.toBe(url);
    expect(h.sandbox.stats.apiRequests.total).toBe(0);
  });
});
