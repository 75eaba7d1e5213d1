import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import type { Configuration, default as Provider, JWK, KoaContextWithOIDC } from 'oidc-provider';
import type { SandboxFaults } from '../sandbox-faults.js';
import { countTokenRequest, recordRevocation, type SandboxStats } from '../sandbox-stats.js';
import type { ResolvedSandboxUser } from '../sandbox-user.js';
import { loadOidcProvider } from './load-oidc-provider.js';
import type { MemoryStore } from './memory-store.js';

/** What the authorization server needs from the sandbox. */
export interface AuthorizationServerDeps {
  readonly issuer: string;
  readonly store: MemoryStore;
  readonly faults: SandboxFaults;
  readonly stats: SandboxStats;
  readonly userBySub: (sub: string) => ResolvedSandboxUser | undefined;
  readonly scopes: readonly string[];
  readonly accessTokenTtlSec: number;
  readonly refreshTokenTtlSec: number;
}

/**
 * Builds the sandbox's oidc-provider instance: authorization code + PKCE (S256, required for
 * every client) + refresh tokens, consent, id_token and userinfo, with oidc-provider's own
 * validation of clients, redirect URIs, PKCE, codes and refresh tokens left fully on. Login and
 * consent pages are ours (`interactions.ts`), not oidc-provider's dev interactions.
 */
export async function createAuthorizationServer(deps: AuthorizationServerDeps): Promise<Provider> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: `sandbox-${randomBytes(4).toString('hex')}` };

  const configuration: Configuration = {
    adapter: deps.store.adapterFactory,
    // Clients come from the adapter (see MemoryStore) so redirect URIs can be added after start.
    clients: [],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
    jwks: { keys: [jwk as JWK] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // Expired means expired: tests flip `exp` into the past and expect an immediate 401.
    clockTolerance: 0,
    scopes: [...deps.scopes],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username', 'given_name', 'family_name'],
    },
    // The id_token carries email and name too (the vault may read the identity from it alone).
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      // Opaque access tokens for the userinfo audience carrying every granted scope; the fake
      // APIs look them up in the store. Resource indicators would turn them into per-API tokens.
      resourceIndicators: { enabled: false },
      dPoP: { enabled: false },
      // Only the client a token was issued to may revoke or introspect it.
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      introspection: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: false },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx, sub) => {
      const user = deps.userBySub(sub);
      if (!user) return undefined;
      return {
        accountId: user.sub,
        claims: async () => ({
          sub: user.sub,
          email: user.email,
          email_verified: true,
          name: user.name,
          preferred_username: user.login,
          given_name: user.name.split(' ')[0],
          family_name: user.name.split(' ').slice(1).join(' ') || undefined,
        }),
      };
    },
    // Refresh tokens only with offline_access granted (oidc-provider also drops offline_access
    // unless prompt=consent is sent; the provider configs send it).
    issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    rotateRefreshToken: () => deps.faults.rotatingRefreshTokens,
    ttl: {
      AccessToken: deps.accessTokenTtlSec,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: deps.refreshTokenTtlSec,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Sandbox error</title></head><body><h1>Sandbox authorization error</h1>${Object.entries(
        out,
      )
        .map(
          ([k, v]) => `<p><strong>${escapeHtml(k)}</strong>: <span data-error-field="${escapeHtml(k)}">${escapeHtml(String(v))}</span></p>`,
        )
        .join('')}</body></html>`;
    },
  };

  const OidcProvider = await loadOidcProvider();
  const provider = new OidcProvider(deps.issuer, configuration);
  // Counts token-endpoint traffic after oidc-provider answered (grant type and error code).
  provider.use(async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    await next();
    if (ctx.oidc?.route === 'token') {
      const body = ctx.body as { error?: unknown } | undefined;
      const error = ctx.status >= 400 && typeof body?.error === 'string' ? body.error : undefined;
      countTokenRequest(deps.stats, ctx.oidc.params?.grant_type, error);
    }
    if (ctx.oidc?.route === 'revocation') {
      // oidc-provider sets the entity only for a token it found and may revoke; it then ends the grant.
      const refresh = ctx.oidc.entities.RefreshToken;
      const access = ctx.oidc.entities.AccessToken;
      const token = refresh ?? access;
      const login = token?.accountId ? deps.userBySub(token.accountId)?.login : undefined;
      recordRevocation(deps.stats, {
        via: 'rfc7009',
        clientId: ctx.oidc.client?.clientId ?? '',
        tokenType: refresh ? 'refresh_token' : access ? 'access_token' : 'unknown',
        ...(login ? { login } : {}),
        revoked: ctx.status === 200 && token !== undefined && token.clientId === ctx.oidc.client?.clientId,
        status: ctx.status,
      });
    }
  });
  return provider;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
