import type { RevocationStyle } from './upstream-revocation.js';
import type { VaultResponse } from './vault-response.js';

/**
 * What the vault needs to know about an OAuth provider. Built by the factories in `providers/`
 * (`providers.google()`, `.github()`, `.slack()`, `.oidc()`, `.oauth2()`) or by
 * `providers.sandbox()` in @alter/testing; users rarely write one by hand.
 */
export interface ProviderConfig {
  /** Short id used in `vault.request(provider, …)` and `@AlterTool(provider)`: `'google'`. */
  readonly id: string;
  readonly displayName: string;
  readonly clientId: string;
  /** Never logged or serialized. */
  readonly clientSecret?: string | undefined;
  /** How the client authenticates at the token endpoint. Default `'client_secret_basic'`. */
  readonly tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post' | 'none' | undefined;

  /** OIDC issuer: endpoints come from discovery when `authorizationEndpoint` is not given. */
  readonly issuer?: string | undefined;
  readonly authorizationEndpoint?: string | undefined;
  readonly tokenEndpoint?: string | undefined;
  readonly userinfoEndpoint?: string | undefined;
  /** RFC 7009 endpoint (or, with `revocation: 'github-grant'` / `'slack-auth-revoke'`, that provider's API URL). */
  readonly revocationEndpoint?: string | undefined;
  /**
   * How `vault.grants.revoke()` revokes a grant at the provider (default `'rfc7009'`: the
   * revocation endpoint, explicit or discovered; none → only our copy is revoked).
   */
  readonly revocation?: RevocationStyle | undefined;

  /** Scopes always requested at Connect, added to the tool's. */
  readonly defaultScopes: readonly string[];
  /** Separator in the `scope` parameter and in granted-scope strings (`' '`, Slack/GitHub `','`). */
  readonly scopeSeparator: string;
  /** Extra authorization-request parameters (`access_type=offline`, `prompt=consent`). */
  readonly authorizationParams?: Readonly<Record<string, string>> | undefined;

  /**
   * Hosts the access token may be sent to. Exact names (`'gmail.googleapis.com'`) or a leading
   * wildcard (`'*.googleapis.com'`), each optionally with a port: without one only the scheme's
   * default port is allowed (443 for https), `'api.acme.example:8443'` allows that port, and
   * `'127.0.0.1:*'` (loopback hosts only, for test servers) any port. Anything else is refused
   * before sending.
   */
  readonly allowedHosts: readonly string[];
  /**
   * Largest response body `vault.request()` accepts from this provider, in bytes, counted after
   * decompression (default 10 MiB). Larger → `ResponseTooLargeError`; `request({ maxResponseBytes })`
   * overrides it per call.
   */
  readonly maxResponseBytes?: number | undefined;
  /** Permit `http:` to loopback hosts (127.0.0.0/8, ::1, localhost). For the sandbox and tests only. */
  readonly allowInsecureLoopback?: boolean | undefined;
  /**
   * Test seam (set by @alter/testing's sandbox): after the allowlist check passes for the real
   * host, send the request to this base URL instead, keeping path and query:
   * `{ 'api.github.com': 'http://127.0.0.1:5123/hosts/api.github.com' }`. Audit rows keep the
   * original URL. Targets must be loopback.
   */
  readonly hostRewrites?: Readonly<Record<string, string>> | undefined;

  /** Reads the scopes actually granted from the token response (default: its `scope` field, or the requested scopes when absent). */
  readonly grantedScopes?:
    | ((tokenResponse: Readonly<Record<string, unknown>>, requested: readonly string[]) => readonly string[])
    | undefined;
  /**
   * How the user's identity at the provider is read after Connect: `'id_token'` (OIDC `sub`),
   * `'userinfo'` (GET userinfoEndpoint), or a function of the token response and an
   * authenticated fetch (GitHub `/user`, Slack `authed_user`). Used as the grant's `account`.
   */
  readonly identity?: 'id_token' | 'userinfo' | ((ctx: ProviderIdentityContext) => Promise<ProviderIdentity>) | undefined;
  /** Access-token lifetime to assume when the token response has no `expires_in` (seconds); default none. */
  readonly defaultTokenLifetimeSec?: number | undefined;

  /** Authorization-request parameter that carries the scopes (default `'scope'`; Slack user tokens: `'user_scope'`). */
  readonly scopeParameter?: string | undefined;
  /**
   * Adapts a non-standard token-endpoint answer into RFC 6749 shape before oauth4webapi parses it
   * (GitHub answers errors with HTTP 200; Slack wraps user tokens in `authed_user` and says
   * `ok: false`). Gets and returns the HTTP status and the JSON body.
   */
  readonly normalizeTokenResponse?: ((response: TokenEndpointAnswer) => TokenEndpointAnswer) | undefined;

  /**
   * Recognizes the provider's "insufficient scope" answer: returns the scopes it says the call
   * needs (`[]` when it does not name them), or undefined for any other answer. `vault.request()`
   * then throws `ScopeReauthRequiredError` (unless `scopeErrors: 'return'`), which @alter/mcp turns
   * into a re-authorize link. Default: RFC 6750 `WWW-Authenticate: Bearer error="insufficient_scope"`.
   * Built in for Google, GitHub and Slack. Must not throw.
   */
  readonly scopeSignal?: ((response: VaultResponse) => readonly string[] | undefined) | undefined;
  /**
   * What `vault.request()` does with an answer {@link scopeSignal} recognizes: `'raise'`
   * (default: `ScopeReauthRequiredError`) or `'return'` (hand back the response as is).
   * `request({ scopeErrors })` overrides it per call.
   */
  readonly scopeErrors?: ScopeErrorsMode | undefined;
  /**
   * Turns scope names as users write them into the provider's spelling, refusing ones it does
   * not know (Google: `gmail.readonly` → `https://www.googleapis.com/auth/gmail.readonly`).
   * Called wherever scopes are accepted (tool `scopes`, Connect sessions, `AlterAuthProvider`
   * providers, the provider's own `scopes`) through `normalizeProviderScopes()`.
   * @throws InvalidArgumentError naming `where` and the scope, with a suggested spelling.
   */
  readonly normalizeScopes?: ((scopes: readonly string[], where: string) => readonly string[]) | undefined;
}

/** See {@link ProviderConfig.scopeErrors}. */
export type ScopeErrorsMode = 'raise' | 'return';

/** A token-endpoint answer as seen by {@link ProviderConfig.normalizeTokenResponse}. */
export interface TokenEndpointAnswer {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface ProviderIdentity {
  /** Stable id of the account at the provider (OIDC `sub`, GitHub user id). */
  readonly subject: string;
  readonly email?: string;
  readonly name?: string;
  readonly login?: string;
}

export interface ProviderIdentityContext {
  readonly tokenResponse: Readonly<Record<string, unknown>>;
  /** GET a provider URL with the new access token (the host allowlist applies). */
  getJson(url: string): Promise<unknown>;
}
