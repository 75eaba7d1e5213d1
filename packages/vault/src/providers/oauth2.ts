/** A plain OAuth 2.0 provider with manually configured endpoints. */
import { InvalidArgumentError } from '../errors.js';
import type { ProviderConfig } from '../provider-config.js';
import { defineProvider } from './define-provider.js';

export interface OAuth2ProviderOptions {
  /** Provider id used in `vault.request(id, …)`. Required. */
  readonly id: string;
  readonly clientId: string;
  readonly clientSecret?: string | undefined;
  readonly displayName?: string | undefined;
  /** Authorization endpoint (alias: `authorizeUrl`). */
  readonly authorizationEndpoint?: string | undefined;
  readonly authorizeUrl?: string | undefined;
  /** Token endpoint (alias: `tokenUrl`). */
  readonly tokenEndpoint?: string | undefined;
  readonly tokenUrl?: string | undefined;
  readonly userinfoEndpoint?: string | undefined;
  readonly revocationEndpoint?: string | undefined;
  /** Identifies the server in oauth4webapi checks (default: the token endpoint's origin). */
  readonly issuer?: string | undefined;
  /** Hosts the token may be sent to. Required: an OAuth 2.0 server does not say where its APIs live. */
  readonly allowedHosts: readonly string[];
  readonly scopes?: readonly string[] | undefined;
  /** Default `' '`. */
  readonly scopeSeparator?: string | undefined;
  readonly scopeParameter?: string | undefined;
  readonly authorizationParams?: Readonly<Record<string, string>> | undefined;
  readonly tokenEndpointAuthMethod?: ProviderConfig['tokenEndpointAuthMethod'] | undefined;
  /** Default: `'userinfo'` when `userinfoEndpoint` is set, otherwise none (grants get account `''`). */
  readonly identity?: ProviderConfig['identity'] | undefined;
  readonly grantedScopes?: ProviderConfig['grantedScopes'] | undefined;
  readonly normalizeTokenResponse?: ProviderConfig['normalizeTokenResponse'] | undefined;
  readonly allowInsecureLoopback?: boolean | undefined;
  readonly hostRewrites?: Readonly<Record<string, string>> | undefined;
  readonly defaultTokenLifetimeSec?: number | undefined;
  /** Largest response body accepted from this provider, in bytes after decompression (default 10 MiB). */
  readonly maxResponseBytes?: number | undefined;
}

/**
 * An OAuth 2.0 provider without discovery. Without an identity source, Connect stores the grant
 * with account `''` and needs a session `user`.
 *
 * @throws InvalidArgumentError naming `id`, `clientId`, `authorizationEndpoint`, `tokenEndpoint` or `allowedHosts`.
 * @example
 * const acme = providers.oauth2({
 *   id: 'acme', clientId: 'abc', clientSecret: process.env.ACME_SECRET,
 *   authorizationEndpoint: 'https://acme.example/oauth/authorize', tokenEndpoint: 'https://acme.example/oauth/token',
 *   allowedHosts: ['api.acme.example'],
 * });
 */
export function oauth2(options: OAuth2ProviderOptions): ProviderConfig {
  const o = options ?? ({} as OAuth2ProviderOptions);
  const authorizationEndpoint = o.authorizationEndpoint ?? o.authorizeUrl;
  const tokenEndpoint = o.tokenEndpoint ?? o.tokenUrl;
  if (!authorizationEndpoint) {
    throw new InvalidArgumentError(
      'authorizationEndpoint',
      `providers.oauth2() for provider "${o.id}" needs the authorization endpoint URL.`,
    );
  }
  if (!tokenEndpoint) {
    throw new InvalidArgumentError('tokenEndpoint', `providers.oauth2() for provider "${o.id}" needs the token endpoint URL.`);
  }
  if (!Array.isArray(o.allowedHosts) || o.allowedHosts.length === 0) {
    throw new InvalidArgumentError(
      'allowedHosts',
      `providers.oauth2() for provider "${o.id}" needs the API hosts the token may be sent to.`,
    );
  }
  let issuer = o.issuer;
  if (!issuer) {
    try {
      issuer = new URL(tokenEndpoint).origin;
    } catch {
      throw new InvalidArgumentError('tokenEndpoint', `providers.oauth2(): ${JSON.stringify(tokenEndpoint)} is not an absolute URL.`);
    }
  }
  return defineProvider(
    {
      id: o.id,
      displayName: o.displayName ?? o.id,
      clientId: o.clientId,
      clientSecret: o.clientSecret,
      tokenEndpointAuthMethod: o.tokenEndpointAuthMethod ?? (o.clientSecret === undefined ? 'none' : 'client_secret_basic'),
      issuer,
      authorizationEndpoint,
      tokenEndpoint,
      userinfoEndpoint: o.userinfoEndpoint,
      revocationEndpoint: o.revocationEndpoint,
      defaultScopes: o.scopes ?? [],
      scopeSeparator: o.scopeSeparator ?? ' ',
      scopeParameter: o.scopeParameter,
      authorizationParams: o.authorizationParams,
      allowedHosts: o.allowedHosts,
      allowInsecureLoopback: o.allowInsecureLoopback,
      hostRewrites: o.hostRewrites,
      maxResponseBytes: o.maxResponseBytes,
      identity: o.identity ?? (o.userinfoEndpoint ? 'userinfo' : undefined),
      grantedScopes: o.grantedScopes,
      normalizeTokenResponse: o.normalizeTokenResponse,
      defaultTokenLifetimeSec: o.defaultTokenLifetimeSec,
    },
    'providers.oauth2',
  );
}
