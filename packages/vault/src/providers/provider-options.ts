/** Options shared by the built-in provider factories (`providers.google()`, `.github()`, `.slack()`). */
import type { ProviderConfig } from '../provider-config.js';

export interface BuiltInProviderOptions {
  /** OAuth client id from the provider's developer console. Required. */
  readonly clientId: string;
  /** OAuth client secret. Required. Never logged or serialized. */
  readonly clientSecret: string;
  /** Scopes requested at every Connect, replacing the provider's defaults (tools add theirs). */
  readonly scopes?: readonly string[] | undefined;
  /** Provider id used in `vault.request(id, …)` (default: the provider's name, e.g. `'google'`). */
  readonly id?: string | undefined;
  readonly displayName?: string | undefined;
  /** Hosts the token may be sent to, replacing the defaults. */
  readonly allowedHosts?: readonly string[] | undefined;
  /** Largest response body accepted from this provider, in bytes after decompression (default 10 MiB). */
  readonly maxResponseBytes?: number | undefined;
  /** `'return'` hands insufficient-scope answers back as responses instead of `ScopeReauthRequiredError` (default `'raise'`). */
  readonly scopeErrors?: 'raise' | 'return' | undefined;
  /** Extra authorization parameters, merged over the defaults. */
  readonly authorizationParams?: Readonly<Record<string, string>> | undefined;
  /**
   * Endpoint and transport overrides, for pointing a built-in provider at a test double (the
   * sandbox in @alter/testing) or a proxy. Production code leaves these unset.
   */
  readonly overrides?:
    | Partial<
        Pick<
          ProviderConfig,
          | 'issuer'
          | 'authorizationEndpoint'
          | 'tokenEndpoint'
          | 'userinfoEndpoint'
          | 'revocationEndpoint'
          | 'allowInsecureLoopback'
          | 'hostRewrites'
          | 'tokenEndpointAuthMethod'
          | 'defaultTokenLifetimeSec'
        >
      >
    | undefined;
}

/** Applies the options every built-in factory shares onto its defaults. */
export function applyBuiltInOptions(base: ProviderConfig, options: BuiltInProviderOptions): ProviderConfig {
  return {
    ...base,
    ...(options.overrides ?? {}),
    id: options.id ?? base.id,
    displayName: options.displayName ?? base.displayName,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    defaultScopes: options.scopes ?? base.defaultScopes,
    allowedHosts: options.allowedHosts ?? base.allowedHosts,
    ...(options.maxResponseBytes !== undefined ? { maxResponseBytes: options.maxResponseBytes } : {}),
    ...(options.scopeErrors !== undefined ? { scopeErrors: options.scopeErrors } : {}),
    authorizationParams: { ...(base.authorizationParams ?? {}), ...(options.authorizationParams ?? {}) },
  };
}
