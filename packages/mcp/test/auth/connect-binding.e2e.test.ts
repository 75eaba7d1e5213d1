/**
 * Trust I, through the whole stack: AlterAuthProvider on 127.0.0.1, Connect on loopback, the
 * sandbox OAuth server, a SQLite vault, AlterMCP's tool runner behind the bearer middleware, and
 * browsers simulated with cookie jars. Covers the Connect-link phishing of the sign-in (an
 * attacker's consent carried out by a victim), forwarded tool Connect links, the signed-in-user
 * requirement, and re-authorization with another provider account.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { AlterMCP } from '@alter/mcp';
import { CalendarTools } from '../fixtures/example.tools.js';
import { type AuthHarness, Browser, browserSignIn, consentForm, startAuthHarness } from './support/auth-harness.js';
import { pkce, registerPublicClient, tokenRequest, validAuthorizeUrl } from './support/raw-oauth.js';

const CONNECT_LINK = /http:\/\/127\.0\.0\.1:\d+\/connect\/[A-Za-z0-9_-]{20,64}/;
/** The sandbox's own login session (oidc-provider): dropped to sign in at the provider as someone else. */
const SANDBOX_SESSION_COOKIES = ['_session', '_session.sig', '_session.legacy', '_session.legacy.sig'];

describe('Connect bound to a person, under AlterAuthProvider', () => {
  let h: AuthHarness;
  beforeAll(async () => {
    h = await startAuthHarness();
    // The tool runner (AlterMCP) behind the same bearer middleware: a tool call without the scope
    // it needs answers with a Connect link for the token's user (bind: 'confirm').
    const alter = new AlterMCP(h.vault, { logger: h.leak.logger });
    h.app.post('/tools', express.json(), h.auth.bearerMiddleware(), async (req, res) => {
      const server = new McpServer({ name: 'binding-e2e', version: '1.0.0' });
      alter.register(server, [CalendarTools]);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    });
  });
  afterEach(async () => {
    await h.collectProviderTokens();
    h.leak.assertClean();
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Signs `login` in through the whole authorize step in `browser`; returns the access token and the user. */
  async function signIn(login: string, browser: Browser): Promise<{ token: string; user: string }> {
    const client = await registerPublicClient(h.origin);
    const p = pkce();
    const { redirect } = await browserSignIn(h, validAuthorizeUrl(h.origin, h.mcpUrl, client, p), login, { browser });
    const code = redirect.searchParams.get('code');
    if (!code) throw new Error(`no code: ${redirect.href}`);
    h.leak.secret(code, 'authorization code');
    const res = await tokenRequest(h.origin, {
      grant_type: 'authorization_code',
      code,
      code_verifier: p.verifier,
      client_id: client.client_id,
      redirect_uri: client.redirect_uris[0],
      resource: h.mcpUrl,
    });
    const token = String(res.body.access_token);
    h.leak.secret(token, `${login} access token`);
    if (typeof res.body.refresh_token === 'string') h.leak.secret(res.body.refresh_token, `${login} refresh token`);
    const user = String((await h.auth.verifyAccessToken(token)).extra?.user);
    return { token, user };
  }

  async function callTool(token: string, name: string, args: Record<string, unknown> = {}): Promise<string> {
    const res = await fetch(`${h.origin}/tools`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
    });
    expect(res.status).toBe(200);
    return res.text();
  }

  /** The consent of a client registered by `browser` (the attacker's): the Connect URL it is sent to. */
  async function attackerConsent(attacker: Browser): Promise<{ connectUrl: string; request: string }> {
    const client = await registerPublicClient(h.origin, 'http://127.0.0.1:9/attacker/callback', 'attacker app');
    const form = consentForm(await (await attacker.fetch(validAuthorizeUrl(h.origin, h.mcpUrl, client, pkce()))).text());
    const approved = await attacker.fetch(form.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request: form.request, csrf: form.csrf, decision: 'approve' }).toString(),
    });
    expect(approved.status).toBe(302);
    return { connectUrl: approved.headers.get('location')!, request: form.request };
  }

  const googleGrantsOfAccount = (account: string) => h.vault.grants.list({ provider: 'google', account, includeRevoked: true });

  it("phishing: the attacker consents, the victim opens the Connect link — it stops there, and the attacker's completion gets no code", async () => {
    const attacker = new Browser();
    const victim = new Browser();
    const { connectUrl, request } = await attackerConsent(attacker);
    const exchanges = h.sandbox.stats.tokenRequests.authorization_code;
    const before = (await googleGrantsOfAccount('bob')).length;

    const done = await h.sandbox.approve(connectUrl, { login: 'bob', browser: victim });
    // The attacker's browser completes the request: no code (and no grant of the victim's).
    const completion = await attacker.fetch(`${h.origin}/authorize/complete?request=${encodeURIComponent(request)}`);
    const location = completion.headers.get('location');
    expect(location === null ? 'no redirect' : (new URL(location).searchParams.get('code') ?? 'no code')).toMatch(/^no /);
    expect(await googleGrantsOfAccount('bob')).toHaveLength(before);
    expect(h.sandbox.stats.tokenRequests.authorization_code).toBe(exchanges);
    // The victim's browser stopped on the Connect link itself, before any provider.
    expect(done.status).toBe(403);
    expect(done.body).toContain('wrong_browser');
    expect(done.visited).toEqual([connectUrl]);
  });

  it("phishing with the provider URL: the victim signs in at the provider, the code dies in the victim's browser, the attacker gets an error", async () => {
    const attacker = new Browser();
    const victim = new Browser();
    const { connectUrl, request } = await attackerConsent(attacker);
    // The attacker opens the (bound) link in their own browser but forwards the provider URL.
    const start = await attacker.fetch(connectUrl);
    expect(start.status).toBe(302);
    const providerUrl = start.headers.get('location')!;
    const exchanges = h.sandbox.stats.tokenRequests.authorization_code;
    const before = (await googleGrantsOfAccount('bob')).length;

    const done = await h.sandbox.approve(providerUrl, { login: 'bob', browser: victim });
    const completion = await attacker.fetch(`${h.origin}/authorize/complete?request=${encodeURIComponent(request)}`);
    expect(completion.status).toBe(302);
    const back = new URL(completion.headers.get('location')!);
    expect(back.searchParams.get('code') ?? 'no code').toBe('no code');
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(await googleGrantsOfAccount('bob')).toHaveLength(before);
    expect(h.sandbox.stats.tokenRequests.authorization_code).toBe(exchanges); // the victim's code was never exchanged
    expect(done.body).toContain('wrong_browser');
  });

  describe('a tool Connect link (missing scope)', () => {
    let alice: { token: string; user: string };
    let aliceBrowser: Browser;
    let bobBrowser: Browser;
    beforeAll(async () => {
      aliceBrowser = new Browser();
      bobBrowser = new Browser();
      alice = await signIn('alice', aliceBrowser);
      await signIn('bob', bobBrowser);
    });

    it('forwarded to another signed-in user or opened signed out: refused with a sign-in page, nothing attached', async () => {
      // create_event's scope (calendar.events) is one no test here grants: the link is there in any
      // test order (the next test gives alice list_events' scope).
      const link = CONNECT_LINK.exec(
        await callTool(alice.token, 'create_event', { summary: 'Review', start: '2026-12-02T10:00:00Z', end: '2026-12-02T10:30:00Z' }),
      )?.[0];
      expect(link).toBeDefined();
      const before = await h.vault.store.listGrants({ user: alice.user, includeRevoked: true });

      const asBob = await h.sandbox.approve(link!, { login: 'bob', browser: bobBrowser });
      expect((await h.vault.grants.list({ user: alice.user, includeRevoked: true })).map((g) => g.account)).not.toContain('bob');
      expect(asBob.status).toBe(403);
      expect(asBob.body).toContain('sign_in_required');
      expect(asBob.body).toContain(alice.user);
      const signedOut = await h.sandbox.approve(link!, { login: 'bob', browser: new Browser() });
      expect(signedOut.body).toContain('sign_in_required');

      const after = await h.vault.store.listGrants({ user: alice.user, includeRevoked: true });
      expect(after.map((g) => [g.account, g.version, g.scopes])).toEqual(before.map((g) => [g.account, g.version, g.scopes]));
      expect(after.some((g) => g.account === 'bob')).toBe(false);
    });

    it('re-authorizing with another provider account is refused; the signed-in user with the same account gets the scope', async () => {
      const link = CONNECT_LINK.exec(await callTool(alice.token, 'list_events'))?.[0] ?? 'no Connect link';
      // Alice's signed-in browser, but at the provider someone signs in as bob.
      const mixed = new Browser();
      await signIn('alice', mixed);
      for (const name of SANDBOX_SESSION_COOKIES) mixed.forget(name);
      const wrongAccount = await h.sandbox.approve(link, { login: 'bob', browser: mixed });
      expect((await h.vault.grants.list({ user: alice.user, includeRevoked: true })).map((g) => g.account)).not.toContain('bob');
      expect(wrongAccount.body).toContain('account_mismatch');

      const again = CONNECT_LINK.exec(await callTool(alice.token, 'list_events'))?.[0] ?? 'no Connect link';
      const ok = await h.sandbox.approve(again, { login: 'alice', browser: aliceBrowser });
      expect(ok.body).toContain('complete');
      const listed = await callTool(alice.token, 'list_events');
      expect(listed).not.toMatch(CONNECT_LINK);
      expect(listed).toContain('Team standup');
    });
  });
});
