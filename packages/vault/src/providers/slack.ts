/** Slack (OAuth v2, user tokens): the tools act as the user, so scopes go in `user_scope`. */
import type { ProviderConfig, ProviderIdentity, TokenEndpointAnswer } from '../provider-config.js';
import { defineProvider } from './define-provider.js';
import { type BuiltInProviderOptions, applyBuiltInOptions } from './provider-options.js';
import { slackScopeSignal } from './scope-signals.js';
import { parseScopeString } from './scopes.js';
import { normalizeSlackScopes } from './slack-scopes.js';

/** Slack error codes that mean "this code / refresh token is dead", mapped to RFC 6749. */
const ERROR_MAP: Readonly<Record<string, string>> = {
  invalid_code: 'invalid_grant',
  code_already_used: 'invalid_grant',
  invalid_refresh_token: 'invalid_grant',
  token_revoked: 'invalid_grant',
  token_expired: 'invalid_grant',
  invalid_client_id: 'invalid_client',
  bad_client_secret: 'invalid_client',
  bad_redirect_uri: 'invalid_grant',
};

interface SlackAuthedUser {
  id?: unknown;
  scope?: unknown;
  access_token?: unknown;
  refresh_token?: unknown;
  expires_in?: unknown;
  token_type?: unknown;
}

/**
 * Slack answers `ok: false` with HTTP 200, puts the user token inside `authed_user`, and says
 * `token_type: "user"`; reshape it into an RFC 6749 bearer-token response (keeping `authed_user`
 * and `team` for the identity step).
 */
export function normalizeSlackTokenResponse(answer: TokenEndpointAnswer): TokenEndpointAnswer {
  const body = answer.body;
  if (body.ok === false || typeof body.error === 'string') {
    const error = typeof body.error === 'string' ? body.error : 'server_error';
    return { status: answer.status === 200 ? 400 : answer.status, body: { error: ERROR_MAP[error] ?? error } };
  }
  const user = (body.authed_user ?? undefined) as SlackAuthedUser | undefined;
  if (user && typeof user.access_token === 'string') {
    const { access_token: _bot, refresh_token: _botRefresh, expires_in: _botExpiry, scope: _botScope, ...rest } = body;
    return {
      status: answer.status,
      body: {
        ...rest,
        access_token: user.access_token,
        token_type: 'bearer',
        ...(user.refresh_token !== undefined ? { refresh_token: user.refresh_token } : {}),
        ...(user.expires_in !== undefined ? { expires_in: user.expires_in } : {}),
        ...(user.scope !== undefined ? { scope: user.scope } : {}),
      },
    };
  }
  // A refresh answer carries the token at top level with token_type "user" (or "bot").
  if (typeof body.token_type === 'string' && body.token_type.toLowerCase() !== 'bearer') {
    return { status: answer.status, body: { ...body, token_type: 'bearer' } };
  }
  return answer;
}

/** Slack's granted user scopes: comma-separated `scope` (taken from `authed_user` by the normalizer). */
export function slackGrantedScopes(tokenResponse: Readonly<Record<string, unknown>>, requested: readonly string[]): readonly string[] {
  return parseScopeString(tokenResponse.scope, ',') ?? [...requested];
}

async function slackIdentity(ctx: { tokenResponse: Readonly<Record<string, unknown>> }): Promise<ProviderIdentity> {
  const user = ctx.tokenResponse.authed_user as SlackAuthedUser | undefined;
  const team = ctx.tokenResponse.team as { id?: unknown; name?: unknown } | undefined;
  if (!user || typeof user.id !== 'string') throw new Error('Slack token response has no authed_user.id');
  return {
    subject: user.id,
    login: typeof team?.id === 'string' ? `${team.id}:${user.id}` : user.id,
  };
}

/**
 * Slack as an OAuth provider, issuing user tokens (`xoxp-…`) through OAuth v2: scopes go in
 * `user_scope`, separated by commas. Identity: `authed_user.id` from the token response (no
 * extra call), so the grant's account is `<team id>:<user id>`.
 *
 * @throws InvalidArgumentError naming `clientId` or `clientSecret` when missing.
 * @example
 * const slack = providers.slack({ clientId: process.env.SLACK_CLIENT_ID!, clientSecret: process.env.SLACK_CLIENT_SECRET!, scopes: ['channels:read'] });
 */
export function slack(options: BuiltInProviderOptions): ProviderConfig {
  const base: ProviderConfig = {
    id: 'slack',
    displayName: 'Slack',
    clientId: '',
    issuer: 'https://slack.com',
    authorizationEndpoint: 'https://slack.com/oauth/v2/authorize',
    tokenEndpoint: 'https://slack.com/api/oauth.v2.access',
    // Not RFC 7009: auth.revoke takes the access token itself and answers `ok` with HTTP 200.
    revocationEndpoint: 'https://slack.com/api/auth.revoke',
    revocation: 'slack-auth-revoke',
    tokenEndpointAuthMethod: 'client_secret_post',
    defaultScopes: [],
    scopeSeparator: ',',
    scopeParameter: 'user_scope',
    allowedHosts: ['slack.com'],
    grantedScopes: slackGrantedScopes,
    normalizeTokenResponse: normalizeSlackTokenResponse,
    identity: slackIdentity,
    scopeSignal: slackScopeSignal,
    normalizeScopes: normalizeSlackScopes,
  };
  return defineProvider(applyBuiltInOptions(base, options ?? ({} as BuiltInProviderOptions)), 'providers.slack');
}
