/** The SDK client's complete sign-in against the auth harness, shared by the e2e tests. */
import { expect } from '@jest/globals';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type AuthHarness, browserSignIn } from './auth-harness.js';
import { TestOAuthClient } from './test-oauth-client.js';

export interface SignedIn {
  readonly oauth: TestOAuthClient;
  readonly client: Client;
  readonly authorizationUrl: URL;
  readonly redirect: URL;
  readonly consentPage: string | undefined;
}

/** Full SDK flow: connect → 401 → discovery/registration/PKCE → browser sign-in → finishAuth → connect again. */
export async function signInWithSdk(h: AuthHarness, login: string, clientName: string, mcpUrl = h.mcpUrl): Promise<SignedIn> {
  const oauth = new TestOAuthClient(`http://127.0.0.1:9/${clientName.replace(/\W/g, '-')}/callback`, clientName);
  const first = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: oauth });
  await expect(new Client({ name: clientName, version: '1.0.0' }).connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
  const authorizationUrl = oauth.lastAuthorizationUrl;
  const { redirect, consentPage } = await browserSignIn(h, authorizationUrl, login);
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`no code: ${redirect.href}`);
  h.leak.secret(code, 'authorization code');
  await first.finishAuth(code);
  const client = new Client({ name: clientName, version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: oauth }));
  const tokens = oauth.tokens()!;
  h.leak.secret(tokens.access_token, `${clientName} access token`);
  if (tokens.refresh_token) h.leak.secret(tokens.refresh_token, `${clientName} refresh token`);
  return { oauth, client, authorizationUrl, redirect, consentPage };
}

export function toolText(result: unknown): string {
  const content = (result as { content: Array<{ type: string; text: string }> }).content;
  return content[0]!.text;
}
