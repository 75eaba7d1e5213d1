/**
 * Signing an MCP client in through AlterAuthProvider without a browser: the SDK's own OAuth client
 * (dynamic registration, PKCE) records the authorization URL; `browserSignIn` then does what the
 * user's browser would — approve the server's consent page (keeping its cookie), let the sandbox
 * sign in at the providers, and return the authorization code to the client.
 *
 * Test code shared by the calendar-server and multi-user-server tests, imported relatively: it is
 * not part of the package (not in src/, not in dist/).
 */
import { type Sandbox, SandboxBrowser } from '@alter/testing';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';

/** An OAuth client provider that keeps everything in memory and records the authorization URL. */
export class HeadlessOAuthClient implements OAuthClientProvider {
  #client: OAuthClientInformationMixed | undefined;
  #tokens: OAuthTokens | undefined;
  #verifier = '';
  authorizationUrl: URL | undefined;
  // Never contacted: the test reads the code from the redirect's Location header.
  readonly redirectUrl = 'http://127.0.0.1:9/callback';

  constructor(readonly name: string) {}

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.name,
      redirect_uris: [this.redirectUrl],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    };
  }
  clientInformation() {
    return this.#client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.#client = info;
  }
  tokens() {
    return this.#tokens;
  }
  saveTokens(tokens: OAuthTokens) {
    this.#tokens = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.#verifier = verifier;
  }
  codeVerifier() {
    return this.#verifier;
  }
}

/**
 * Approves the consent page, signs `login` in at the sandbox, and returns the authorization code.
 * One browser does it all (pass `browser` to keep it, e.g. for a tool's Connect link later): the
 * server binds its Connect session to the browser that consented, and signs that browser in.
 */
export async function browserSignIn(
  sandbox: Sandbox,
  authorizationUrl: URL,
  login: string,
  browser: SandboxBrowser = new SandboxBrowser(),
): Promise<string> {
  const page = await (await browser.fetch(authorizationUrl.href)).text();
  const field = (name: string) => {
    const value = new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1];
    if (value === undefined) throw new Error(`the consent page has no "${name}" field`);
    return value;
  };
  const action = /<form method="post" action="([^"]*)"/.exec(page)?.[1];
  if (!action) throw new Error('the consent page has no form');
  const approved = await browser.fetch(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ request: field('request'), csrf: field('csrf'), decision: 'approve' }).toString(),
  });
  const connectUrl = approved.headers.get('location');
  if (!connectUrl) throw new Error(`consent did not redirect (status ${approved.status})`);
  const done = await sandbox.approve(connectUrl, { login, browser, stopAt: `${authorizationUrl.origin}/authorize/complete` });
  const back = await browser.fetch(done.finalUrl);
  const code = new URL(back.headers.get('location') ?? 'http://x/').searchParams.get('code');
  if (!code) throw new Error('no authorization code came back to the client');
  return code;
}
