/** Google (OpenID Connect): Gmail, Calendar, Drive and every other `*.googleapis.com` API. */
import type { ProviderConfig } from '../provider-config.js';
import { defineProvider } from './define-provider.js';
import { type BuiltInProviderOptions, applyBuiltInOptions } from './provider-options.js';
import { normalizeGoogleScopes } from './google-scopes.js';
import { googleScopeSignal } from './scope-signals.js';
import { parseScopeString } from './scopes.js';

/** Google answers with full URLs for the OIDC shorthand scopes; keep both spellings so checks match. */
const SCOPE_ALIASES: Readonly<Record<string, string>> = {
  'https://www.googleapis.com/auth/userinfo.email': 'email',
  'https://www.googleapis.com/auth/userinfo.profile': 'profile',
};

/**
 * Google's granted scopes: the token response's space-separated `scope`, with `email`/`profile`
 * added back when Google expanded them to their URL form.
 */
export function googleGrantedScopes(tokenResponse: Readonly<Record<string, unknown>>, requested: readonly string[]): readonly string[] {
  const granted = parseScopeString(tokenResponse.scope, ' ');
  if (!granted) return [...requested];
  const out = new Set(granted);
  for (const scope of granted) {
    const alias = SCOPE_ALIASES[scope];
    if (alias) out.add(alias);
  }
  return [...out];
}

/**
 * Google as an OAuth provider. Requests offline access (a refresh token) and forces the consent
 * screen so a reconnect returns a refresh token again. Identity: the validated `id_token`
 * (`sub`, `email`), so the grant's account is the Google email address.
 *
 * @throws InvalidArgumentError naming `clientId` or `clientSecret` when missing.
 * @example
 * const google = providers.google({ clientId: process.env.GOOGLE_CLIENT_ID!, clientSecret: process.env.GOOGLE_CLIENT_SECRET! });
 */
export function google(options: BuiltInProviderOptions): ProviderConfig {
  const base: ProviderConfig = {
    id: 'google',
    displayName: 'Google',
    clientId: '',
    issuer: 'https://accounts.google.com',
    authorizationEndpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenEndpoint: 'https://oauth2.googleapis.com/token',
    userinfoEndpoint: 'https://openidconnect.googleapis.com/v1/userinfo',
    revocationEndpoint: 'https://oauth2.googleapis.com/revoke',
    tokenEndpointAuthMethod: 'client_secret_basic',
    defaultScopes: ['openid', 'email', 'profile'],
    scopeSeparator: ' ',
    authorizationParams: { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' },
    allowedHosts: ['*.googleapis.com', 'googleapis.com'],
    grantedScopes: googleGrantedScopes,
    identity: 'id_token',
    scopeSignal: googleScopeSignal,
    normalizeScopes: normalizeGoogleScopes,
  };
  return defineProvider(applyBuiltInOptions(base, options ?? ({} as BuiltInProviderOptions)), 'providers.google');
}
