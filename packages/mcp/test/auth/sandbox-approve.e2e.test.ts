/**
 * Issue #13, finding 5: `sandbox.approve()` completes an MCP client's whole authorization. The
 * SDK's own Client runs its OAuth flow (its `OAuthClientProvider`: discovery, registration, PKCE)
 * against AlterAuthProvider over real HTTP; `sandbox.approve()` is the browser — our consent page,
 * then every provider's login and consent — up to the client's redirect URI with a code. The
 * client finishes the flow and a tool call returns the fake GitHub API's data. A second sign-in
 * in the login's kept browser (`sandbox.browser(login)`) reuses the session and the consent.
 * Real parts: the sandbox OAuth server and fake APIs, a SQLite vault, Connect, express on
 * loopback, the SDK's Client and StreamableHTTPClientTransport.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SandboxBrowser } from '@alter/testing';
import { type AuthHarness, startAuthHarness } from './support/auth-harness.js';
import { toolText } from './support/sdk-sign-in.js';
import { TestOAuthClient } from './support/test-oauth-client.js';

describe('sandbox.approve() drives an MCP client sign-in against AlterAuthProvider', () => {
  let h: AuthHarness;
  const restoreConsole: Array<() => void> = [];

  beforeAll(async () => {
    h = await startAuthHarness();
    restoreConsole.push(h.leak.captureConsole());
  });
  afterAll(async () => {
    for (const r of restoreConsole) r();
    await h?.close();
  });

  /** The SDK client's first attempt: 401 → discovery, registration, PKCE → the authorization URL it wants opened. */
  async function startSignIn(oauth: TestOAuthClient): Promise<{ transport: StreamableHTTPClientTransport; authorizationUrl: URL }> {
    const transport = new StreamableHTTPClientTransport(new URL(h.mcpUrl), { authProvider: oauth });
    await expect(new Client({ name: oauth.name, version: '1.0.0' }).connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
    return { transport, authorizationUrl: oauth.lastAuthorizationUrl };
  }

  async function finishAndCall(oauth: TestOAuthClient, transport: StreamableHTTPClientTransport, code: string): Promise<string> {
    h.leak.secret(code, 'authorization code');
    await transport.finishAuth(code);
    h.leak.secret(oauth.tokens()!.access_token, 'MCP access token');
    const client = new Client({ name: oauth.name, version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(h.mcpUrl), { authProvider: oauth }));
    try {
      return toolText(await client.callTool({ name: 'github_whoami', arguments: {} }));
    } finally {
      await client.close();
    }
  }

  it('completes the SDK client’s OAuth flow to a code, and a tool call returns the fake API’s data', async () => {
    const oauth = new TestOAuthClient('http://127.0.0.1:9/approve-e2e/callback', 'Approve e2e');
    const { transport, authorizationUrl } = await startSignIn(oauth);

    const result = await h.sandbox.approve(authorizationUrl.href, { login: 'alice', browser: h.sandbox.browser('alice') });
    // Our consent page, the sandbox login once, then one consent per provider (Google, GitHub).
    expect(result.answered).toEqual(['auth-server-consent', 'login', 'consent', 'consent']);
    // Stopped at the client's redirect URI (never requested: nothing listens on port 9).
    const redirect = new URL(result.finalUrl);
    expect(redirect.origin + redirect.pathname).toBe(oauth.redirectUrl);
    expect(redirect.searchParams.get('state')).toBe(authorizationUrl.searchParams.get('state'));
    expect(redirect.searchParams.get('iss')).toBe(h.origin);
    expect(result.code).toBe(redirect.searchParams.get('code'));
    expect(result.code).toMatch(/^alt_ac_/);

    const data = JSON.parse(await finishAndCall(oauth, transport, result.code!)) as { login: string; status: number };
    expect(data).toMatchObject({ login: 'alice', status: 200 });

    await h.collectProviderTokens();
    // The code is the one thing approve() hands back on purpose; the pages it went through carry no token.
    h.leak.inspect({ visited: result.visited, body: result.body }, 'approve() pages');
    h.leak.assertClean();
  }, 60_000);

  it('reuses the remembered session and consent on the next run in the login’s kept browser', async () => {
    const oauth = new TestOAuthClient('http://127.0.0.1:9/approve-again/callback', 'Approve again');
    const first = await startSignIn(oauth);
    const firstRun = await h.sandbox.approve(first.authorizationUrl.href, { login: 'bob', browser: h.sandbox.browser('bob') });
    expect(firstRun.answered[0]).toBe('auth-server-consent');
    expect(JSON.parse(await finishAndCall(oauth, first.transport, firstRun.code!))).toMatchObject({ login: 'bob' });

    // The same client signs in again (its tokens lost, its registration kept).
    const again = new TestOAuthClient(oauth.redirectUrl, oauth.name);
    again.saveClientInformation(oauth.clientInformation()!);
    const second = await startSignIn(again);
    const secondRun = await h.sandbox.approve(second.authorizationUrl.href, { login: 'bob', browser: h.sandbox.browser('bob') });
    // No consent page at our server and no sandbox login: only the providers' own consent screens
    // (the sandbox asks with prompt=consent on every Connect, as the vault's providers request).
    expect(secondRun.answered).not.toContain('auth-server-consent');
    expect(secondRun.answered).not.toContain('login');
    expect(secondRun.code).toMatch(/^alt_ac_/);
    expect(JSON.parse(await finishAndCall(again, second.transport, secondRun.code!))).toMatchObject({ login: 'bob' });

    // A fresh browser is a new device: our consent page and the login form again.
    const third = new TestOAuthClient(oauth.redirectUrl, oauth.name);
    third.saveClientInformation(oauth.clientInformation()!);
    const fresh = await h.sandbox.approve((await startSignIn(third)).authorizationUrl.href, {
      login: 'bob',
      browser: new SandboxBrowser(),
    });
    expect(fresh.answered.slice(0, 2)).toEqual(['auth-server-consent', 'login']);
  }, 60_000);

  it('denies on our consent page with deny: true — the client gets access_denied and no code', async () => {
    const oauth = new TestOAuthClient('http://127.0.0.1:9/approve-deny/callback', 'Approve deny');
    const { authorizationUrl } = await startSignIn(oauth);
    const result = await h.sandbox.approve(authorizationUrl.href, { login: 'alice', deny: true });
    expect(result.answered).toEqual(['auth-server-consent']);
    expect(result.code).toBeUndefined();
    expect(new URL(result.finalUrl).searchParams.get('error')).toBe('access_denied');
  }, 60_000);

  it('refuses a browser the sandbox keeps for another login', async () => {
    await expect(h.sandbox.approve(`${h.origin}/authorize`, { login: 'alice', browser: h.sandbox.browser('bob') })).rejects.toMatchObject({
      code: 'SANDBOX_INVALID_ARGUMENT',
      message: expect.stringContaining("sandbox.browser('alice')"),
    });
  });
});

describe("the seed's literal provider config, signed in by the SDK client", () => {
  let h: AuthHarness;
  beforeAll(async () => {
    // The Python docs' AlterAuthProvider config, letter for letter: Google's short scope names.
    h = await startAuthHarness({ auth: { providers: { google: ['gmail.readonly', 'calendar.events'], github: ['repo'] } } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('reaches the (sandbox) Google authorize endpoint with full scope URLs, and the signed-in tool call works', async () => {
    const oauth = new TestOAuthClient('http://127.0.0.1:9/seed-config/callback', 'Seed config');
    const transport = new StreamableHTTPClientTransport(new URL(h.mcpUrl), { authProvider: oauth });
    await expect(new Client({ name: oauth.name, version: '1.0.0' }).connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
    const result = await h.sandbox.approve(oauth.lastAuthorizationUrl.href, { login: 'alice', browser: h.sandbox.browser('alice') });

    // The authorization redirect toward the Google emulator (the Connect step with Google's client).
    const toGoogle = result.visited
      .map((u) => new URL(u))
      .find((u) => u.origin === h.sandbox.url && u.pathname === '/auth' && u.searchParams.get('client_id') === 'sandbox-google');
    expect(toGoogle).toBeDefined();
    const scope = toGoogle!.searchParams.get('scope')!.split(' ');
    expect(scope).toEqual(
      expect.arrayContaining(['https://www.googleapis.com/auth/gmail.readonly', 'https://www.googleapis.com/auth/calendar.events']),
    );
    expect(scope).not.toContain('gmail.readonly');
    expect(scope).not.toContain('calendar.events');

    await transport.finishAuth(result.code!);
    const client = new Client({ name: oauth.name, version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(h.mcpUrl), { authProvider: oauth }));
    try {
      expect(JSON.parse(toolText(await client.callTool({ name: 'github_whoami', arguments: {} })))).toMatchObject({
        login: 'alice',
        status: 200,
      });
    } finally {
      await client.close();
    }
    const [google] = await h.vault.store.listGrants({ provider: 'google' });
    expect(google!.scopes).toEqual(
      expect.arrayContaining(['https://www.googleapis.com/auth/gmail.readonly', 'https://www.googleapis.com/auth/calendar.events']),
    );
  }, 60_000);
});
