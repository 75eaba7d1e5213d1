/**
 * Remembered consent covers what the user approved, for the user who approved it: a returning
 * client asking for a scope the user never saw gets the consent page again, and a remembered
 * approval of one user never lets another user who signs in at the provider in that browser skip
 * the page. Real HTTP, the sandbox providers, a SQLite vault file.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type AuthHarness, Browser, browserSignIn, consentForm, startAuthHarness } from './support/auth-harness.js';
import { pkce, registerPublicClient, tokenRequest, validAuthorizeUrl } from './support/raw-oauth.js';

describe('remembered consent', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await startAuthHarness({ auth: { scopes: ['mcp', 'mcp:admin'] } });
  });
  afterAll(async () => {
    await h?.close();
  });

  async function exchange(client: { client_id: string }, code: string | null, verifier: string): Promise<Record<string, unknown>> {
    expect(code).toBeTruthy();
    h.leak.secret(code!, 'authorization code');
    const res = await tokenRequest(h.origin, {
      grant_type: 'authorization_code',
      code: code!,
      code_verifier: verifier,
      client_id: client.client_id,
    });
    expect(res.status).toBe(200);
    h.leak.secret(String(res.body.access_token), 'access token');
    h.leak.secret(String(res.body.refresh_token), 'refresh token');
    return res.body;
  }

  it('shows the page again when the client asks for a scope the user did not approve, and then remembers both', async () => {
    const client = await registerPublicClient(h.origin);
    const browser = new Browser();
    const first = await browserSignIn(h, validAuthorizeUrl(h.origin, h.mcpUrl, client, pkce(), { scope: 'mcp' }), 'alice', { browser });
    expect(first.consentPage).toContain('<code>mcp</code>');

    const p = pkce();
    const wider = await browserSignIn(h, validAuthorizeUrl(h.origin, h.mcpUrl, client, p, { scope: 'mcp mcp:admin' }), 'alice', {
      browser,
    });
    expect(wider.consentPage).toContain('<code>mcp:admin</code>');
    expect((await exchange(client, wider.redirect.searchParams.get('code'), p.verifier)).scope).toBe('mcp mcp:admin');

    // Both approvals are remembered: either scope alone, or both, skip the page now.
    for (const scope of ['mcp', 'mcp:admin', 'mcp mcp:admin']) {
      const q = pkce();
      const again = await browserSignIn(h, validAuthorizeUrl(h.origin, h.mcpUrl, client, q, { scope }), 'alice', { browser });
      expect(again.consentPage).toBeUndefined();
      expect((await exchange(client, again.redirect.searchParams.get('code'), q.verifier)).scope).toBe(scope);
    }
  });

  it("does not let another user who signs in at the provider in that browser skip the page on the first user's approval", async () => {
    const client = await registerPublicClient(h.origin);
    const aliceBrowser = new Browser();
    const alice = await browserSignIn(h, validAuthorizeUrl(h.origin, h.mcpUrl, client, pkce()), 'alice', { browser: aliceBrowser });
    expect(alice.consentPage).toBeDefined();
    h.leak.secret(alice.redirect.searchParams.get('code')!, 'authorization code');

    // A shared computer: this server's cookies are Alice's (her remembered consent), the session
    // at the provider is Bob's. Nothing tells who is at the provider before Connect, so the page
    // is skipped on Alice's approval — but the completion, which knows the user is Bob, must ask him.
    const browser = new Browser();
    for (const cookie of aliceBrowser.cookieHeader(h.origin).split('; ')) {
      if (cookie.startsWith('alter_auth_')) browser.acceptSetCookie(h.origin, `${cookie}; Path=/; HttpOnly`);
    }
    const p = pkce();
    const authorize = await browser.fetch(validAuthorizeUrl(h.origin, h.mcpUrl, client, p));
    expect(authorize.status).toBe(302);
    const connectUrl = new URL(authorize.headers.get('location')!, h.origin).href;
    const done = await h.sandbox.approve(connectUrl, { login: 'bob', browser, stopAt: `${h.origin}/authorize/complete` });
    expect(done.answered).toContain('login');
    const completion = await browser.fetch(done.finalUrl);
    expect(completion.status).toBe(200);
    const page = await completion.text();
    const form = consentForm(page);
    expect(page).toContain('<code>mcp</code>');

    // Bob approves: a Connect session as Bob, then a code for Bob.
    const approved = await browser.fetch(form.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request: form.request, csrf: form.csrf, decision: 'approve' }).toString(),
    });
    expect(approved.status).toBe(302);
    const again = await h.sandbox.approve(new URL(approved.headers.get('location')!, h.origin).href, {
      login: 'bob',
      browser,
      stopAt: `${h.origin}/authorize/complete`,
    });
    const issued = await browser.fetch(again.finalUrl);
    expect(issued.status).toBe(302);
    const tokens = await exchange(client, new URL(issued.headers.get('location')!).searchParams.get('code'), p.verifier);
    const info = await h.auth.verifyAccessToken(String(tokens.access_token));
    expect(info.extra?.user).toBe('google:user-bob');
  });

  it('leaks nothing', async () => {
    await h.collectProviderTokens();
    h.leak.assertClean();
  });
});
