/**
 * Native clients' redirect URIs (RFC 8252) and RFC 9207 `iss`, over real HTTP: Cursor registers
 * its three redirect URIs (a private-use scheme, an https page, a loopback port), and a sign-in
 * completes through a real loopback listener on a port the OS chose — standing in for the native
 * app, which cannot know its port when it registers (§7.3). Bad URIs are refused with an error
 * naming them. Every authorization response, success or error, names the issuer.
 */
import { lookup } from 'node:dns/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type AuthHarness, Browser, browserSignIn, closeServer, consentForm, startAuthHarness } from './support/auth-harness.js';
import { type RegisteredClient, mcpCall, pkce, register, tokenRequest, validAuthorizeUrl } from './support/raw-oauth.js';

const CURSOR_REDIRECTS = [
  'cursor://anysphere.cursor-mcp/oauth/callback',
  'https://www.cursor.com/agents/mcp/oauth/callback',
  'http://localhost:8787/callback',
];

/** The native app's side of the redirect: a loopback HTTP listener that records what arrives at `/callback`. */
async function loopbackApp(): Promise<{ server: Server; host: string; port: number; next: Promise<URL> }> {
  // `localhost` as the OS resolves it (127.0.0.1 or ::1): the browser will connect there.
  const { address } = await lookup('localhost');
  let deliver!: (url: URL) => void;
  const next = new Promise<URL>((resolve) => {
    deliver = resolve;
  });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.writeHead(200, { 'content-type': 'text/plain' }).end('You can close this window.');
    if (url.pathname === '/callback') deliver(url);
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  return { server, host: address, port: (server.address() as AddressInfo).port, next };
}

describe('native clients (RFC 8252) and RFC 9207 iss', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await startAuthHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("registers Cursor's three redirect URIs, with and without application_type", async () => {
    for (const extra of [{ application_type: 'native' }, {}]) {
      const res = await register(h.origin, {
        client_name: 'Cursor',
        redirect_uris: CURSOR_REDIRECTS,
        token_endpoint_auth_method: 'none',
        ...extra,
      });
      expect({ status: res.status, error: res.body.error, description: res.body.error_description }).toEqual({
        status: 201,
        error: undefined,
        description: undefined,
      });
      expect(res.body.redirect_uris).toEqual(CURSOR_REDIRECTS);
      expect(res.body.application_type).toBe(extra.application_type);
      expect(res.body.client_secret).toBeUndefined();
    }
  });

  it('completes a full sign-in for the loopback redirect on whatever port the app got, iss included', async () => {
    const app = await loopbackApp();
    try {
      const { body } = await register(h.origin, {
        client_name: 'Cursor',
        redirect_uris: CURSOR_REDIRECTS,
        token_endpoint_auth_method: 'none',
        application_type: 'native',
      });
      const client = body as unknown as RegisteredClient;
      // Registered as localhost:8787; the app listens where the OS put it.
      const redirectUri = `http://localhost:${app.port}/callback`;
      const p = pkce();
      const authorizationUrl = validAuthorizeUrl(h.origin, h.mcpUrl, client, p, { redirect_uri: redirectUri, state: 'cursor-state' });
      const browser = new Browser();
      const { redirect } = await browserSignIn(h, authorizationUrl, 'alice', { browser });
      expect(redirect.origin + redirect.pathname).toBe(redirectUri);
      // The browser follows the redirect to the app's loopback listener (real HTTP).
      const landed = await fetch(
        new URL(redirect.pathname + redirect.search, `http://${app.host.includes(':') ? `[${app.host}]` : app.host}:${app.port}`),
      );
      expect(landed.status).toBe(200);
      const received = await app.next;
      expect(received.searchParams.get('iss')).toBe(h.origin);
      expect(received.searchParams.get('state')).toBe('cursor-state');
      const code = h.leak.secret(received.searchParams.get('code')!, 'cursor code');
      // The app redeems the code with the redirect URI it used.
      const token = await tokenRequest(h.origin, {
        grant_type: 'authorization_code',
        code,
        code_verifier: p.verifier,
        client_id: client.client_id,
        redirect_uri: redirectUri,
        resource: h.mcpUrl,
      });
      expect(token.status).toBe(200);
      const accessToken = h.leak.secret(String(token.body.access_token), 'cursor access token');
      h.leak.secret(String(token.body.refresh_token), 'cursor refresh token');
      const call = await mcpCall(h.mcpUrl, accessToken);
      expect(call.status).toBe(200);
      expect(call.text).toContain('google:');
    } finally {
      await closeServer(app.server);
    }
  });

  it('relaxes only the port, only for native clients: path, host name and scheme still match exactly', async () => {
    const native = (
      await register(h.origin, {
        redirect_uris: ['http://127.0.0.1:8787/callback'],
        token_endpoint_auth_method: 'none',
        application_type: 'native',
      })
    ).body as unknown as RegisteredClient;
    const web = (await register(h.origin, { redirect_uris: ['http://127.0.0.1:8787/callback'], token_endpoint_auth_method: 'none' }))
      .body as unknown as RegisteredClient;
    const status = async (client: RegisteredClient, redirect_uri: string) =>
      (await fetch(validAuthorizeUrl(h.origin, h.mcpUrl, client, pkce(), { redirect_uri }), { redirect: 'manual' })).status;
    expect(await status(native, 'http://127.0.0.1:40123/callback')).toBe(200); // the consent page
    expect(await status(native, 'http://127.0.0.1/callback')).toBe(200);
    for (const other of [
      'http://127.0.0.1:40123/other',
      'http://localhost:40123/callback',
      'https://127.0.0.1:40123/callback',
      'http://127.0.0.1:40123/callback?x=1',
    ]) {
      expect({ other, status: await status(native, other) }).toEqual({ other, status: 400 });
    }
    expect(await status(web, 'http://127.0.0.1:40123/callback')).toBe(400);
    expect(await status(web, 'http://127.0.0.1:8787/callback')).toBe(200);
  });

  it('refuses a bad redirect URI with an error naming it', async () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['http://mcp.example.com/callback', {}, 'invalid_redirect_uri'],
      ['cursor:callback', {}, 'invalid_redirect_uri'],
      ['myapp://callback', {}, 'invalid_redirect_uri'],
      ['file:///etc/passwd', {}, 'invalid_redirect_uri'],
      ['ftp://ftp.example.com/callback', {}, 'invalid_redirect_uri'],
      ['com.example.app:/callback', { application_type: 'web' }, 'invalid_redirect_uri'],
      ['cursor://anysphere.cursor-mcp/oauth/callback', { application_type: 'web' }, 'invalid_redirect_uri'],
      ['https://app.example/cb#x', {}, 'invalid_redirect_uri'],
      ['https://user:pw@app.example/cb', {}, 'invalid_redirect_uri'],
      ['javascript:alert(1)', {}, 'invalid_client_metadata'],
    ];
    for (const [uri, extra, error] of cases) {
      const res = await register(h.origin, {
        redirect_uris: ['https://app.example/ok', uri],
        token_endpoint_auth_method: 'none',
        ...extra,
      });
      expect({ uri, status: res.status, error: res.body.error }).toEqual({ uri, status: 400, error });
      expect(String(res.body.error_description)).toContain(uri);
    }
    const badType = await register(h.origin, { redirect_uris: ['https://app.example/ok'], application_type: 'desktop' });
    expect(badType.body).toMatchObject({ error: 'invalid_client_metadata' });
    expect(String(badType.body.error_description)).toContain('application_type');
    // A reverse-domain private-use scheme is a native app's.
    const reverseDomain = await register(h.origin, {
      redirect_uris: ['com.example.app:/oauth2redirect'],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
    });
    expect(reverseDomain.status).toBe(201);
  });

  it('puts iss (RFC 9207) in every authorization response: success, denied consent, and each redirected error', async () => {
    const meta = (await (await fetch(`${h.origin}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(meta.authorization_response_iss_parameter_supported).toBe(true);
    const { body } = await register(h.origin, { redirect_uris: ['http://127.0.0.1:9/cb'], token_endpoint_auth_method: 'none' });
    const client = body as unknown as RegisteredClient;
    const errorRedirect = async (overrides: Record<string, string | undefined>) => {
      const res = await fetch(validAuthorizeUrl(h.origin, h.mcpUrl, client, pkce(), { state: 'st', ...overrides }), { redirect: 'manual' });
      expect(res.status).toBe(302);
      return new URL(res.headers.get('location')!);
    };
    for (const [overrides, error] of [
      [{ code_challenge: undefined }, 'invalid_request'],
      [{ code_challenge_method: 'plain' }, 'invalid_request'],
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ scope: 'root' }, 'invalid_scope'],
      [{ resource: 'https://other.example/mcp' }, 'invalid_target'],
    ] as const) {
      const location = await errorRedirect(overrides);
      expect({
        overrides,
        error: location.searchParams.get('error'),
        iss: location.searchParams.get('iss'),
        state: location.searchParams.get('state'),
      }).toEqual({
        overrides,
        error,
        iss: h.origin,
        state: 'st',
      });
    }
    // Denied on the consent page.
    const browser = new Browser();
    const page = await browser.fetch(validAuthorizeUrl(h.origin, h.mcpUrl, client, pkce(), { state: 'deny-state' }));
    const form = consentForm(await page.text());
    const denied = await browser.fetch(form.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request: form.request, csrf: form.csrf, decision: 'deny' }).toString(),
    });
    const location = new URL(denied.headers.get('location')!);
    expect([location.searchParams.get('error'), location.searchParams.get('iss'), location.searchParams.get('state')]).toEqual([
      'access_denied',
      h.origin,
      'deny-state',
    ]);
    // Success carries it too.
    const ok = await browserSignIn(h, validAuthorizeUrl(h.origin, h.mcpUrl, client, pkce(), { state: 'ok-state' }), 'bob');
    h.leak.secret(ok.redirect.searchParams.get('code')!, 'code');
    expect([ok.redirect.searchParams.get('iss'), ok.redirect.searchParams.get('state')]).toEqual([h.origin, 'ok-state']);
  });

  it('leaks nothing', async () => {
    await h.collectProviderTokens();
    h.leak.assertClean();
  });
});
