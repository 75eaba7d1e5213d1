import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlterMCP, CONNECT_META_KEY, serveHttp } from '@alter/mcp';
import { startSandbox } from '@alter/testing';
import { GitHubTools, githubManifest } from '@alter/tools-github';
import { GoogleTools, googleManifest } from '@alter/tools-google';
import { SlackTools, slackManifest } from '@alter/tools-slack';
import { AlterVault } from '@alter/vault';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { bold, check, columns, cyan, dim, fit, Report } from './report.js';

const USER = 'alice';
const CONNECT_URL = /https?:\/\/[^\s"')]+\/connect\/[A-Za-z0-9_-]{20,64}/;

type CallResult = Awaited<ReturnType<Client['callTool']>>;

export interface DemoOptions {
  /** Leave the vault (SQLite file + key file) in its temp folder, to explore with the `alter` CLI. */
  readonly keep?: boolean;
}

/** What the run left behind: the folder of the kept vault, if any. */
export interface DemoResult {
  readonly keptDir?: string;
}

/**
 * Runs every step; throws StepFailedError at the first failure. Always stops the servers; removes
 * the vault's folder unless `keep` is set.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const report = new Report(9);
  const dir = mkdtempSync(join(tmpdir(), 'alter-demo-'));
  // The key is fresh for each run. Kept in a 0600 file next to the vault (never printed), so the
  // `alter` CLI can open a vault the demo kept.
  const encryptionKey = randomBytes(32).toString('base64');
  writeFileSync(join(dir, 'key'), `${encryptionKey}\n`, { mode: 0o600 });
  const cleanup: Array<() => Promise<unknown>> = [];
  console.log(bold('Alter MCP for TypeScript — the offline demo'));
  console.log(dim('Everything runs on 127.0.0.1: a sandbox OAuth server with fake Google, GitHub and Slack APIs.'));

  try {
    // ── 1. start ────────────────────────────────────────────────────────────────────────────
    const { sandbox, vault, client, mcpUrl } = await report.step(
      'Start the sandbox, a vault, and an MCP server with three tool packs',
      async () => {
        const sandbox = await startSandbox();
        cleanup.unshift(() => sandbox.close());
        const vault = new AlterVault({
          caller: 'alter-demo',
          store: join(dir, 'vault.db'),
          encryptionKey,
          providers: [sandbox.provider('google'), sandbox.provider('github'), sandbox.provider('slack')],
        });
        cleanup.unshift(() => vault.close());
        // Connect pages on their own loopback port; the sandbox accepts exactly this callback.
        const connect = await vault.connect.listen();
        sandbox.registerRedirectUri(`${connect.url}/connect/callback`);

        const alter = new AlterMCP(vault, { defaultUser: USER });
        const http = await serveHttp(
          () => {
            const server = new McpServer({ name: 'alter-demo', version: '1.0.0' });
            alter.register(server, [...GoogleTools, ...GitHubTools, ...SlackTools]);
            return server;
          },
          // The demo closes the vault itself, after reading the audit trail.
          { port: 0, host: '127.0.0.1', closeVault: false },
        );
        cleanup.unshift(() => http.close());

        const client = new Client({ name: 'demo-client', version: '1.0.0' });
        await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
        cleanup.unshift(() => client.close());
        return { sandbox, vault, client, mcpUrl: http.url };
      },
    );
    report.detail(`vault     SQLite file ${join(dir, 'vault.db')}`);
    report.detail(`sandbox   ${sandbox.url}  (OAuth server + fake APIs)`);
    report.detail(`server    ${mcpUrl}  (Streamable HTTP)`);
    report.ok('the MCP client is connected');

    // ── 2. tools/list ──────────────────────────────────────────────────────────────────────
    await report.step('tools/list', async () => {
      const { tools } = await client.listTools();
      const expected = [googleManifest, githubManifest, slackManifest].flatMap((m) => Object.keys(m.scopesByTool));
      const names = tools.map((t) => t.name);
      for (const name of expected) check(names.includes(name), `tools/list is missing ${name}`);
      for (const m of [googleManifest, githubManifest, slackManifest]) {
        report.detail(`${m.provider.padEnd(7)} ${Object.keys(m.scopesByTool).join(', ')}`);
      }
      for (const t of tools) {
        check(
          t.inputSchema?.type === 'object' && t.outputSchema && t.annotations,
          `${t.name} lacks an input schema, an output schema or annotations`,
        );
      }
      report.ok(`${tools.length} tools, each with an input schema, an output schema and annotations`);
    });

    // ── 3. first call: no grant → Connect URL ────────────────────────────────────────────────
    const connect = await report.step(`Call search_emails as ${USER}, who has not connected Google yet`, async () => {
      const result = await client.callTool({ name: 'search_emails', arguments: { query: 'in:inbox', maxResults: 5 } });
      check(result.isError === true, 'expected an error result asking the user to connect');
      const text = textOf(result);
      // The text is for the model to relay; _meta carries the same link for programs.
      const meta = (result._meta as Record<string, { url?: string; sessionId?: string }> | undefined)?.[CONNECT_META_KEY];
      const url = CONNECT_URL.exec(text)?.[0];
      check(url && meta?.url === url && meta.sessionId, `no Connect URL in the answer: ${text.slice(0, 200)}`);
      report.detail('the server answered (isError, for the model to relay):');
      report.detail(dim(`"${text.replace(url, '<url>').slice(0, 200)}"`));
      report.detail(`Connect URL: ${cyan(url)}`);
      return { url, sessionId: meta.sessionId };
    });

    // ── 4. headless approval ────────────────────────────────────────────────────────────────
    await report.step(`${USER} opens the URL and approves (headless: sandbox login + consent)`, async () => {
      await sandbox.approve(connect.url, { login: USER });
      const done = await vault.connect.waitFor(connect.sessionId, { timeoutMs: 60_000 });
      check(done.status === 'complete', `the Connect session ended ${done.status}${done.error ? `: ${done.error.message}` : ''}`);
      const grants = await vault.grants.list({ user: USER, provider: 'google' });
      const google = grants[0];
      check(google, 'no Google grant was stored');
      report.ok(
        `Google grant stored for ${USER} (tokens encrypted at rest) with scope ${google.scopes
          .filter((s) => s.includes('/auth/'))
          .map(shortScope)
          .join(', ')}`,
      );
    });

    // ── 5. the same call succeeds ──────────────────────────────────────────────────────────
    await report.step('Call search_emails again', async () => {
      const result = await client.callTool({ name: 'search_emails', arguments: { query: 'in:inbox', maxResults: 5 } });
      check(!result.isError, `the call failed: ${textOf(result).slice(0, 200)}`);
      const out = result.structuredContent as { messages: Array<{ from?: string; subject?: string }> };
      check(Array.isArray(out?.messages) && out.messages.length > 0, 'no messages came back');
      for (const m of out.messages.slice(0, 3)) report.detail(`${dim('•')} ${m.subject ?? '(no subject)'} ${dim(`— ${m.from ?? '?'}`)}`);
      report.ok(`${out.messages.length} messages from the fake Gmail API, fetched with alice's token (the tool never saw it)`);
    });

    // ── 6. nested tool ──────────────────────────────────────────────────────────────────────
    await report.step('Call summarize_inbox, a tool that calls search_emails', async () => {
      const result = await client.callTool({ name: 'summarize_inbox', arguments: { maxMessages: 10 } });
      check(!result.isError, `the call failed: ${textOf(result).slice(0, 200)}`);
      const out = result.structuredContent as { summary: string };
      check(typeof out?.summary === 'string', 'no summary came back');
      report.detail(`"${out.summary.slice(0, 160)}${out.summary.length > 160 ? '…' : ''}"`);
      report.ok('nested call done; its requests are audited with parent summarize_inbox');
    });

    // ── 7. GitHub + Slack in one Connect session ──────────────────────────────────────────
    await report.step("Connect GitHub and Slack in one session (scopes from the packs' manifests), then use both", async () => {
      const session = await vault.connect.createSession({
        user: USER,
        providers: { github: [...githubManifest.allScopes], slack: [...slackManifest.allScopes] },
      });
      await sandbox.approve(session.url, { login: USER });
      const done = await vault.connect.waitFor(session.id, { timeoutMs: 60_000 });
      check(
        done.status === 'complete' && done.grants.length === 2,
        `the Connect session ended ${done.status}${done.error ? `: ${done.error.message}` : ''}`,
      );
      report.ok(`approved: github [${githubManifest.allScopes.join(', ')}], slack [${slackManifest.allScopes.join(', ')}]`);

      const repos = await callOk(client, 'list_repos', { perPage: 5 });
      const repo = (repos.repositories as Array<{ fullName: string; owner?: string; name: string }>)[0];
      check(repo, 'list_repos returned no repository');
      const issues = await callOk(client, 'list_issues', {
        owner: repo.owner ?? repo.fullName.split('/')[0],
        repo: repo.name,
        state: 'open',
      });
      report.detail(
        `list_repos → ${(repos.repositories as unknown[]).length} repositories; list_issues ${repo.fullName} → ${(issues.issues as unknown[]).length} open`,
      );

      const channels = await callOk(client, 'list_channels', {});
      const channel = (channels.channels as Array<{ id: string; name: string }>)[0];
      check(channel, 'list_channels returned no channel');
      const posted = await callOk(client, 'post_message', { channel: channel.id, text: 'Hello from the Alter demo 👋' });
      const history = await callOk(client, 'read_channel_history', { channel: channel.id, limit: 5 });
      const seen = (history.messages as Array<{ ts: string }>).some((m) => m.ts === posted.ts);
      check(seen, 'the posted message is not in the channel history');
      report.detail(`post_message #${channel.name} → ts ${posted.ts}; read_channel_history shows it`);
    });

    // ── 8. audit trail ──────────────────────────────────────────────────────────────────────
    await report.step('The audit trail (one row per provider request)', async () => {
      await vault.audit.flush();
      const rows = (await vault.audit.query({ user: USER, limit: 200 })).slice().reverse();
      check(rows.length > 0, 'no audit rows');
      // One row per request, fitted to the terminal: the tool column is as wide as its longest
      // entry and the request column takes the rest, eliding the middle of long URL paths.
      // A request refused before sending (no grant yet) has no HTTP status: its error code
      // follows the tool instead.
      const statuses = rows.map((r) => (r.status === null ? '—' : String(r.status)));
      const tools = rows.map((r) => {
        const tool = r.chain.length > 1 ? cyan(r.chain.join(' › ')) : (r.tool ?? '-');
        return r.status === null ? `${tool}  ✗ ${(r.errorCode ?? 'not sent').replace(/^ALTER_/, '')}` : tool;
      });
      const statusWidth = Math.max(6, ...statuses.map(columns));
      const toolWidth = Math.max(4, ...tools.map(columns));
      const requestWidth = report.detailWidth - statusWidth - toolWidth - 2;
      const requests = rows.map((r) => `${r.method.padEnd(4)} ${shortUrl(r.url, requestWidth - 5)}`);
      report.detail(dim(`${'status'.padEnd(statusWidth)} ${'request'.padEnd(requestWidth)} tool (› chain, when nested)`));
      for (const [i] of rows.entries()) {
        report.detail(`${(statuses[i] ?? '').padEnd(statusWidth)} ${(requests[i] ?? '').padEnd(requestWidth)} ${tools[i]}`);
      }
      const nested = rows.filter((r) => r.tool === 'search_emails' && r.parentTool === 'summarize_inbox');
      check(nested.length > 0, 'no audit row has parent tool summarize_inbox');
      check(
        nested.every((r) => r.chain.join('>') === 'summarize_inbox>search_emails'),
        'the nested rows do not carry the chain',
      );
      check(!rows.some((r) => r.tool === null), 'a row has no tool');
      report.ok(`${rows.length} rows; ${nested.length} carry parent summarize_inbox and chain summarize_inbox › search_emails`);
    });

    // ── 9. verify ───────────────────────────────────────────────────────────────────────────
    await report.step('Verify the audit hash chain', async () => {
      const result = await vault.audit.verify();
      check(result.ok, `audit verification failed at seq ${result.firstBadSeq}: ${result.problem}`);
      report.ok(`audit.verify() → ok (${result.checked} rows, last hash ${result.lastHash.slice(0, 16)}…)`);
    });
  } finally {
    for (const close of cleanup) await close().catch(() => undefined);
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  }
  return options.keep ? { keptDir: dir } : {};
}

/**
 * The shell lines that open a kept vault with the `alter` CLI, run from the repository root. The
 * key is read from its file, never printed.
 */
export function exploreCommands(dir: string): string[] {
  return [
    `export ALTER_VAULT_STORE=${join(dir, 'vault.db')} ALTER_CALLER=alter-demo`,
    `export ALTER_VAULT_KEY="$(cat ${join(dir, 'key')})"`,
    'pnpm alter grants list',
    'pnpm alter audit tail',
    'pnpm alter audit verify',
  ];
}

function textOf(result: CallResult): string {
  const content = (result.content ?? []) as Array<{ type: string; text?: string }>;
  return content
    .filter((c) => c.type === 'text')
    .map((c) => c.text ?? '')
    .join('\n');
}

async function callOk(client: Client, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const result = await client.callTool({ name, arguments: args });
  check(!result.isError, `${name} failed: ${textOf(result).slice(0, 300)}`);
  check(result.structuredContent, `${name} returned no structured content`);
  return result.structuredContent as Record<string, unknown>;
}

/** `url` without scheme and query, in `width` columns: the host and the last path segments that fit. */
function shortUrl(url: string, width: number): string {
  const { host, pathname } = new URL(url);
  const full = `${host}${pathname}`;
  if (columns(full) <= width) return full;
  const segments = pathname.split('/').filter(Boolean);
  let tail = '';
  for (let i = segments.length - 1; i >= 0; i--) {
    const next = `/${segments[i]}${tail}`;
    if (columns(`${host}/…${next}`) > width) break;
    tail = next;
  }
  return tail === '' ? fit(full, width) : `${host}/…${tail}`;
}

function shortScope(scope: string): string {
  return scope.replace('https://www.googleapis.com/auth/', '');
}
