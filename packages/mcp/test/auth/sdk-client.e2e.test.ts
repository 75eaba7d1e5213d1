/**
 * The MCP SDK's own client signs in against AlterAuthProvider headlessly — discovery (RFC 9728 →
 * RFC 8414), dynamic registration, PKCE S256 and `resource` — then calls a tool that reaches the
 * sandbox's fake GitHub API with the signed-in user's grant. Real parts only: the sandbox OAuth
 * server, a SQLite vault file, Connect, express on loopback, the SDK's Client and transports.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type AuthHarness, GITHUB_SCOPES, GMAIL_READONLY, startAuthHarness } from './support/auth-harness.js';
import { mcpCall } from './support/raw-oauth.js';
import { signInWithSdk, toolText } from './support/sdk-sign-in.js';

describe('the SDK client against AlterAuthProvider', () => {
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

  it('publishes RFC 8414 and RFC 9728 metadata with an exact issuer', async () => {
    const as = (await (await fetch(`${h.origin}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(as.issuer).toBe(h.origin);
    expect(String(as.issuer).endsWith('/')).toBe(false);
    expect(as).toMatchObject({
      authorization_endpoint: `${h.origin}/authorize`,
      token_endpoint: `${h.origin}/token`,
      registration_endpoint: `${h.origin}/register`,
      revocation_endpoint: `${h.origin}/revoke`,
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
      client_id_metadata_document_supported: true,
      authorization_response_iss_parameter_supported: true,
    });
    const prm = (await (await fetch(`${h.origin}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
    expect(prm).toMatchObject({ resource: h.mcpUrl, authorization_servers: [h.origin] });
    const jwks = (await (await fetch(`${h.origin}/.well-known/jwks.json`)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    expect(jwks.keys[0]!.d).toBeUndefined();

    const unauthenticated = await mcpCall(h.mcpUrl, undefined);
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.wwwAuthenticate).toContain(`resource_metadata="${h.origin}/.well-known/oauth-protected-resource/mcp"`);
  });

  it('signs alice in (discovery, registration, PKCE, resource), connects every provider, and runs a tool as her', async () => {
    const alice = await signInWithSdk(h, 'alice', 'Alice laptop');
    const params = alice.authorizationUrl.searchParams;
    expect(alice.authorizationUrl.origin + alice.authorizationUrl.pathname).toBe(`${h.origin}/authorize`);
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get('resource')).toBe(h.mcpUrl);
    // RFC 9207: the authorization response names the issuer; state comes back unchanged.
    expect(alice.redirect.searchParams.get('iss')).toBe(h.origin);
    expect(alice.redirect.searchParams.get('state')).toBe(params.get('state'));
    // The consent page named the client, its redirect URI and every provider.
    expect(alice.consentPage).toContain('Alice laptop');
    expect(alice.consentPage).toContain(alice.oauth.redirectUrl);
    expect(alice.consentPage).toContain(GMAIL_READONLY);
    for (const s of GITHUB_SCOPES) expect(alice.consentPage).toContain(s);

    const result = await alice.client.callTool({ name: 'github_whoami', arguments: {} });
    const body = JSON.parse(toolText(result)) as { user: string; login: string; status: number };
    expect(body.status).toBe(200);
    expect(body.login).toBe('alice');
    // Both providers' grants were stored for the user the first login identified.
    const grants = await h.vault.store.listGrants({ user: body.user });
    expect(grants.map((g) => g.provider).sort()).toEqual(['github', 'google']);
    expect(grants.find((g) => g.provider === 'google')!.scopes).toEqual(expect.arrayContaining([GMAIL_READONLY]));
    expect(grants.find((g) => g.provider === 'github')!.scopes).toEqual(expect.arrayContaining(GITHUB_SCOPES));
    await alice.client.close();
  });

  it('keeps two users on two clients apart: each tool call uses only its own grant', async () => {
    const alice = await signInWithSdk(h, 'alice', 'Client A');
    const bob = await signInWithSdk(h, 'bob', 'Client B');
    expect(alice.oauth.clientInformation()!.client_id).not.toBe(bob.oauth.clientInformation()!.client_id);
    const a = JSON.parse(toolText(await alice.client.callTool({ name: 'github_whoami', arguments: {} }))) as {
      user: string;
      login: string;
    };
    const b = JSON.parse(toolText(await bob.client.callTool({ name: 'github_whoami', arguments: {} }))) as { user: string; login: string };
    expect(a.login).toBe('alice');
    expect(b.login).toBe('bob');
    expect(a.user).not.toBe(b.user);
    const bobGrants = await h.vault.store.listGrants({ user: b.user });
    expect(bobGrants.every((g) => g.user === b.user)).toBe(true);
    expect(bobGrants).toHaveLength(2);
    await alice.client.close();
    await bob.client.close();
  });

  it('refreshes through the SDK client and rotates the refresh token', async () => {
    const carol = await signInWithSdk(h, 'alice', 'Refreshing client');
    const before = carol.oauth.tokens()!;
    const transport = new StreamableHTTPClientTransport(new URL(h.mcpUrl), { authProvider: carol.oauth });
    // Expire the access token client-side: the SDK refreshes on the 401.
    carol.oauth.saveTokens({ ...before, access_token: 'expired-or-garbage-token-value' });
    const client = new Client({ name: 'refresh', version: '1.0.0' });
    await client.connect(transport);
    const after = carol.oauth.tokens()!;
    h.leak.secret(after.access_token, 'rotated access token');
    h.leak.secret(after.refresh_token!, 'rotated refresh token');
    expect(after.refresh_token).toBeDefined();
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expect(toolText(await client.callTool({ name: 'whoami', arguments: {} }))).toMatch(/^google:/);
    await client.close();
    await carol.client.close();
  });

  it('leaks no token, code, secret or key into logs, console, errors or results', async () => {
    await h.collectProviderTokens();
    h.leak.inspect(h.auth, 'auth provider (util.inspect / JSON)');
    h.leak.inspect(h.vault, 'vault');
    const rows = await h.vault.audit.query({});
    h.leak.inspect(rows, 'audit rows');
    h.leak.assertClean();
  });
});
