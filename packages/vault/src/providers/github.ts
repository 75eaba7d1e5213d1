/** GitHub (OAuth App or GitHub App user tokens). Not OIDC: identity comes from `GET /user`. */
import type { ProviderConfig, ProviderIdentity, TokenEndpointAnswer } from '../provider-config.js';
import { defineProvider } from './define-provider.js';
import { type BuiltInProviderOptions, applyBuiltInOptions } from './provider-options.js';
import { expandGithubScopes } from './github-scope-implications.js';
import { normalizeGithubScopes } from './github-scopes.js';
import { githubScopeSignal } from './scope-signals.js';
import { parseScopeString } from './scopes.js';

/** GitHub's granted scopes: the comma-separated `scope` of the token response plus implied scopes. */
export function githubGrantedScopes(tokenResponse: Readonly<Record<string, unknown>>, requested: readonly string[]): readonly string[] {
  const granted = parseScopeString(tokenResponse.scope, ',');
  if (!granted) return [...requested];
  return [...expandGithubScopes(granted)];
}

/** GitHub error codes that mean "this code / refresh token is dead", mapped to RFC 6749. */
const ERROR_MAP: Readonly<Record<string, string>> = {
  bad_verification_code: 'invalid_grant',
  bad_refresh_token: 'invalid_grant',
  incorrect_client_credentials: 'invalid_client',
  redirect_uri_mismatch: 'invalid_grant',
  unverified_user_email: 'access_denied',
};

/** GitHub answers token errors with HTTP 200 and its own codes; make them RFC 6749 errors. */
export function normalizeGithubTokenResponse(answer: TokenEndpointAnswer): TokenEndpointAnswer {
  const error = answer.body.error;
  if (typeof error !== 'string') return answer;
  return { status: answer.status === 200 ? 400 : answer.status, body: { ...answer.body, error: ERROR_MAP[error] ?? error } };
}

async function githubIdentity(ctx: { getJson(url: string): Promise<unknown> }): Promise<ProviderIdentity> {
  const user = (await ctx.getJson('https://api.github.com/user')) as {
    id?: unknown;
    login?: unknown;
    name?: unknown;
    email?: unknown;
  } | null;
  if (!user || (typeof user.id !== 'number' && typeof user.id !== 'string')) {
    throw new Error('GitHub GET /user answered without an id');
  }
  return {
    subject: String(user.id),
    ...(typeof user.login === 'string' ? { login: user.login } : {}),
    ...(typeof user.name === 'string' ? { name: user.name } : {}),
    ...(typeof user.email === 'string' ? { email: user.email } : {}),
  };
}

/**
 * GitHub as an OAuth provider. Scopes are comma-separated in the token response and GitHub's
 * implied scopes (`repo` ⊃ `public_repo`) are expanded. Identity: `GET https://api.github.com/user`,
 * so the grant's account is the GitHub login. Revocation is not RFC 7009 at GitHub: `revoke`
 * deletes the app's authorization with `DELETE /applications/{client_id}/grant` (Basic client auth).
 *
 * @throws InvalidArgumentError naming `clientId` or `clientSecret` when missing.
 * @example
 * const github = providers.github({ clientId: process.env.GITHUB_CLIENT_ID!, clientSecret: process.env.GITHUB_CLIENT_SECRET! });
 */
export function github(options: BuiltInProviderOptions): ProviderConfig {
  const base: ProviderConfig = {
    id: 'github',
    displayName: 'GitHub',
    clientId: '',
    issuer: 'https://github.com',
    authorizationEndpoint: 'https://github.com/login/oauth/authorize',
    tokenEndpoint: 'https://github.com/login/oauth/access_token',
    // GitHub's OAuth-app grant deletion (revokes every token of the authorization).
    revocationEndpoint: 'https://api.github.com/applications/{client_id}/grant',
    revocation: 'github-grant',
    tokenEndpointAuthMethod: 'client_secret_post',
    defaultScopes: ['read:user'],
    scopeSeparator: ',',
    allowedHosts: ['api.github.com', 'uploads.github.com'],
    grantedScopes: githubGrantedScopes,
    normalizeTokenResponse: normalizeGithubTokenResponse,
    identity: githubIdentity,
    scopeSignal: githubScopeSignal,
    normalizeScopes: normalizeGithubScopes,
  };
  return defineProvider(applyBuiltInOptions(base, options ?? ({} as BuiltInProviderOptions)), 'providers.github');
}
