/** Any OpenID Connect provider, configured by discovery from its issuer. */
import { InvalidArgumentError } from '../errors.js';
import type { ProviderConfig } from '../provider-config.js';
import { defineProvider } from './define-provider.js';

export interface OidcProviderOptions {
  /** Provider id used in `vault.request(id, …)`. Required. */
  readonly id: string;
  /** Issuer URL; endpoints come from `<issuer>/.well-known/openid-configuration` (fetched once, cached). */
  readonly issuer: string;
  readonly clientId: string;
  /** Omit for a public client (then `tokenEndpointAuthMethod` defaults to `'none'`). */
  readonly clientSecret?: string | undefined;
  readonly displayName?: string | undefined;
  /** Default `['openid', 'email', 'profile', 'offline_access']`. */
  readonly scopes?: readonly string[] | undefined;
  /** Hosts the token may be sent to (default: the issuer's host). */
  readonly allowedHosts?: readonly string[] | undefined;
  readonly authorizationParams?: Readonly<Record<string, string>> | undefined;
  readonly tokenEndpointAuthMethod?: ProviderConfig['tokenEndpointAuthMethod'] | undefined;
  /** `'id_token'` (default) or `'userinfo'`. */
  readonly identity?: ProviderConfig['identity'] | undefined;
  /** Skip discovery for these endpoints. */
  readonly authorizationEndpoint?: string | undefined;
  readonly tokenEndpoint?: string | undefined;
  readonly userinfoEndpoint?: string | undefined;
  readonly revocationEndpoint?: string | undefined;
  readonly allowInsecureLoopback?: boolean | undefined;
  readonly hostRewrites?: Readonly<Record<string, string>> | undefined;
  readonly defaultTokenLifetimeSec?: number | undefined;
  /** Largest response body accepted from this provider, in bytes after decompression (default 10 MiB). */
  readonly maxResponseBytes?: number | undefined;
}

/**
 * An OpenID Connect provider (Okta, Auth0, Keycloak, Entra ID, …). Endpoints are discovered from
 * the issuer on first use. Identity: the validated `id_token` (`sub`, `email`,
 * `preferred_username`).
 *
 * @throws InvalidArgumentError naming `id`, `issuer` or `clientId` when missing or malformed.
 * @example
 * const okta = providers.oidc({ id: 'okta', issuer: 'https://acme.okta.com', clientId: 'abc', clientSecret: process.env.OKTA_SECRET });
 */
export function oidc(options: OidcProviderOptions): ProviderConfig {
  const o = options ?? ({} as OidcProviderOptions);
  if (typeof o.issuer !== 'string' || o.issuer === '') {
    throw new InvalidArgumentError('issuer', 'providers.oidc() needs the issuer URL (e.g. https://accounts.example.com).');
  }
  let issuerHost: string;
  try {
    // `host` keeps a non-default port: allowlist entries without one allow only 443.
    issuerHost = new URL(o.issuer).host;
  } catch {
    throw new InvalidArgumentError('issuer', `providers.oidc(): ${JSON.stringify(o.issuer)} is not an absolute URL.`);
  }
  return defineProvider(
    {
      id: o.id,
      displayName: o.displayName ?? o.id,
      clientId: o.clientId,
      clientSecret: o.clientSecret,
      tokenEndpointAuthMethod: o.tokenEndpointAuthMethod ?? (o.clientSecret === undefined ? 'none' : 'client_secret_basic'),
      issuer: o.issuer,
      authorizationEndpoint: o.authorizationEndpoint,
      tokenEndpoint: o.tokenEndpoint,
      userinfoEndpoint: o.userinfoEndpoint,
      revocationEndpoint: o.revocationEndpoint,
      defaultScopes: o.scopes ?? ['openid', 'email', 'profile', 'offline_access'],
      scopeSeparator: ' ',
      authorizationParams: o.authorizationParams,
      allowedHosts: o.allowedHosts ?? [issuerHost],
      allowInsecureLoopback: o.allowInsecureLoopback,
      hostRewrites: o.hostRewrites,
      maxResponseBytes: o.maxResponseBytes,
      identity: o.identity ?? 'id_token',
      defaultTokenLifetimeSec: o.defaultTokenLifetimeSec,
    },
    'providers.oidc',
  );
}
