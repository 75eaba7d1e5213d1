/**
 * Real parts for the auth-server tests: the @alter/testing sandbox (a real OAuth server with
 * Google- and GitHub-shaped fake APIs on 127.0.0.1), an AlterVault on a SQLite file in a temp dir,
 * Connect on its own loopback port, and an express app on 127.0.0.1 serving the MCP endpoint
 * (Streamable HTTP, the SDK's transport) behind AlterAuthProvider. A "browser" (fetch + a cookie
 * jar) answers our consent page; `sandbox.approve` answers the provider pages.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { AlterVault, type ProviderConfig } from '@alter/vault';
import { type LeakCheck, type Sandbox, SandboxBrowser, createLeakCheck, startSandbox } from '@alter/testing';
import { AlterAuthProvider, type AlterAuthProviderOptions, authUser } from '@alter/mcp/auth';
import type { InternalAuthProviderOptions } from '../../../src/auth/internal/internal-options.js';

export const GMAIL_READONLY = 'https://www.googleapis.com/auth/gmail.readonly';
export const GITHUB_SCOPES = ['read:user', 'repo'];

export interface AuthHarness {
  readonly sandbox: Sandbox;
  readonly vault: AlterVault;
  readonly leak: LeakCheck;
  readonly auth: AlterAuthProvider;
  /** `http://127.0.0.1:<port>` (the issuer). */
  readonly origin: string;
  /** `<origin>/mcp` (the resource). */
  readonly mcpUrl: string;
  /** The store: a SQLite file path, or the PostgreSQL URL. */
  readonly dbFile: string;
  readonly encryptionKey: string;
  readonly app: express.Express;
  /** Opens every provider token the vault holds and registers it with the leak check. */
  collectProviderTokens(): Promise<string[]>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Provider options over the harness defaults (internal ones, e.g. `[RESOLVE_HOST]`, included). */
  readonly auth?: Partial<AlterAuthProviderOptions> & InternalAuthProviderOptions;
  /** Reuse this vault store file and key (a second "process" on one store). */
  readonly share?: { readonly dbFile: string; readonly encryptionKey: string; readonly sandbox: Sandbox; readonly leak: LeakCheck };
  /** A `postgres://…?schema=…` store instead of a SQLite file. */
  readonly store?: string;
}

/** An MCP server with one tool that reads the caller's GitHub profile through the vault, as the token's user. */
function mcpServerFor(vault: AlterVault): McpServer {
  const server = new McpServer({ name: 'auth-e2e', version: '1.0.0' });
  server.registerTool(
    'github_whoami',
    { description: "Returns the signed-in user's GitHub login (through the vault, as that user)." },
    async (extra) => {
      const user = authUser(extra.authInfo);
      if (!user) return { isError: true, content: [{ type: 'text', text: 'no user' }] };
      const res = await vault.request('github', 'GET', 'https://api.github.com/user', { user });
      const body = res.json<{ login: string }>();
      return { content: [{ type: 'text', text: JSON.stringify({ user, login: body.login, status: res.status }) }] };
    },
  );
  server.registerTool('whoami', { description: 'Returns the user the token acts for.' }, async (extra) => ({
    content: [{ type: 'text', text: authUser(extra.authInfo) ?? 'anonymous' }],
  }));
  return server;
}

export async function listen(app: express.Express): Promise<{ server: Server; origin: string }> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}` };
}

export async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Stateless Streamable HTTP handler: a fresh server + transport per request (the SDK's documented stateless pattern). */
export function mcpHandler(vault: AlterVault): express.RequestHandler {
  return async (req, res) => {
    const server = mcpServerFor(vault);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  };
}

export async function startAuthHarness(options: HarnessOptions = {}): Promise<AuthHarness> {
  const leak = options.share?.leak ?? createLeakCheck();
  const ownSandbox = !options.share;
  const sandbox = options.share?.sandbox ?? (await startSandbox());
  const dir = options.share ? undefined : mkdtempSync(path.join(tmpdir(), 'alter-auth-'));
  const dbFile = options.share?.dbFile ?? options.store ?? path.join(dir!, 'vault.db');
  const encryptionKey = options.share?.encryptionKey ?? leak.secret(randomBytes(32).toString('base64'), 'vault key');
  const configs: ProviderConfig[] = [sandbox.provider('google'), sandbox.provider('github')];
  for (const c of configs) if (c.clientSecret) leak.secret(c.clientSecret, `${c.id} client secret`);
  const vault = new AlterVault({ caller: 'auth-e2e', store: dbFile, encryptionKey, providers: configs, logger: leak.logger });
  await vault.ready();
  const connect = await vault.connect.listen();
  sandbox.registerRedirectUri(`${connect.url}/connect/callback`);

  const app = express();
  const { server, origin } = await listen(app);
  const mcpUrl = `${origin}/mcp`;
  const auth = new AlterAuthProvider(vault, {
    baseUrl: mcpUrl,
    providers: { google: [GMAIL_READONLY], github: GITHUB_SCOPES },
    rateLimit: false,
    logger: leak.logger,
    ...options.auth,
  });
  const bearer = auth.install(app, { mcpPath: '/mcp', baseUrl: origin });
  app.post('/mcp', express.json(), bearer, mcpHandler(vault));

  return {
    sandbox,
    vault,
    leak,
    auth,
    origin,
    mcpUrl,
    dbFile,
    encryptionKey,
    app,
    async collectProviderTokens() {
      const out: string[] = [];
      for (const g of await vault.store.listGrants({ includeRevoked: true })) {
        out.push(leak.secret(vault.openSecret(g.accessToken), `${g.provider} access token of ${g.user}`));
        if (g.refreshToken) out.push(leak.secret(vault.openSecret(g.refreshToken), `${g.provider} refresh token of ${g.user}`));
      }
      return out;
    },
    async close() {
      await closeServer(server);
      await vault.close();
      if (ownSandbox) await sandbox.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A browser: @alter/testing's simulated browser (a cookie jar shared across ports of one host).
 * The same one must consent, carry out Connect (the session is bound to it) and complete.
 */
export class Browser extends SandboxBrowser {}

/** The hidden fields of our consent page. */
export function consentForm(html: string): { action: string; request: string; csrf: string } {
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
  const action = /<form method="post" action="([^"]*)"/.exec(html)?.[1];
  const request = field('request');
  const csrf = field('csrf');
  if (!action || !request || !csrf) throw new Error('not a consent page');
  const decode = (v: string) => v.replace(/&#(\d+);/g, (_m, c: string) => String.fromCharCode(Number(c)));
  return { action: decode(action), request: decode(request), csrf: decode(csrf) };
}

export interface SignInResult {
  /** Where the auth server finally redirected the browser (the client's redirect URI with code/error, state, iss). */
  readonly redirect: URL;
  /** The consent page HTML, when one was shown. */
  readonly consentPage: string | undefined;
  readonly connectUrl: string | undefined;
}

/**
 * Drives a browser through our authorize step: consent page (approve or deny) → Connect (the
 * sandbox approves every provider as `login`) → completion → the client's redirect URI.
 */
export async function browserSignIn(
  h: Pick<AuthHarness, 'sandbox'>,
  authorizationUrl: string | URL,
  login: string,
  options: { browser?: Browser; decision?: 'approve' | 'deny' } = {},
): Promise<SignInResult> {
  const browser = options.browser ?? new Browser();
  let res = await browser.fetch(authorizationUrl);
  let consentPage: string | undefined;
  if (res.status === 200) {
    consentPage = await res.text();
    const form = consentForm(consentPage);
    res = await browser.fetch(form.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request: form.request, csrf: form.csrf, decision: options.decision ?? 'approve' }).toString(),
    });
  }
  if (res.status !== 302) throw new Error(`expected a redirect from the authorize step, got ${res.status}: ${await res.text()}`);
  const location = new URL(res.headers.get('location')!, authorizationUrl);
  if (location.searchParams.has('error') || location.searchParams.has('code'))
    return { redirect: location, consentPage, connectUrl: undefined };
  // Connect, in the same browser (the session is bound to it): the sandbox signs in at every
  // provider and stops before our completion endpoint, which the browser then opens.
  const done = await h.sandbox.approve(location.href, { login, browser, stopAt: `${new URL(authorizationUrl).origin}/authorize/complete` });
  const completion = new URL(done.finalUrl);
  if (!completion.pathname.endsWith('/authorize/complete'))
    throw new Error(`Connect ended at ${done.finalUrl} (${done.status}): ${done.body.slice(0, 300)}`);
  res = await browser.fetch(completion);
  if (res.status !== 302) throw new Error(`completion answered ${res.status}: ${await res.text()}`);
  return { redirect: new URL(res.headers.get('location')!), consentPage, connectUrl: location.href };
}
