/**
 * The OAuth protocol work for one provider, on top of oauth4webapi: discovery (cached),
 * authorization requests with state + PKCE S256 (+ nonce for OpenID Connect), the code exchange,
 * reading the user's identity, refresh, and revocation.
 *
 * Nothing here parses a token response or computes a PKCE challenge by hand: oauth4webapi does,
 * after the provider's optional `normalizeTokenResponse` has reshaped a non-standard answer
 * (GitHub's HTTP-200 errors, Slack's `authed_user`). Errors never carry a token: oauth4webapi's
 * own errors can hold the response body, so they are replaced by a sanitized cause.
 */
import { isNativeError } from 'node:util/types';
import type * as OAuth from 'oauth4webapi';
import { ConnectSessionError, InvalidArgumentError, ProviderHttpError, TokenRefreshError } from './errors.js';
import type { ProviderConfig, ProviderIdentity } from './provider-config.js';
import { applyHostRewrite, checkHostAllowed } from './host-policy.js';
import { isLoopbackHost } from './loopback-host.js';
import { mergeScopes, parseScopeString } from './providers/scopes.js';
import { InvalidGrantSignal, type RefreshedTokens, type TokenRefresher } from './token-refresher.js';
import type { UpstreamRevocation } from './upstream-revocation.js';

export interface OAuthClientOptions {
  /** Timeout of each call to the provider (discovery, token, userinfo, revocation). Default 30 000 ms. */
  readonly timeoutMs?: number | undefined;
  /** The fetch to use (default: the global one). */
  readonly fetch?: typeof fetch | undefined;
}

/** What the browser is sent to, and what must be kept (sealed) until the callback. */
export interface AuthorizationRequest {
  readonly url: URL;
  readonly state: string;
  /** PKCE verifier: secret until the code exchange. */
  readonly codeVerifier: string;
  /** OpenID Connect nonce, when the request asks for `openid`. */
  readonly nonce?: string;
  readonly scopes: readonly string[];
  readonly redirectUri: string;
}

/** The result of a successful code exchange. */
export interface ExchangedGrant {
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly expiresAt: Date | null;
  /** The scopes the provider actually granted (falls back to the requested ones when it did not say). */
  readonly scopes: readonly string[];
  /** Who logged in, when the provider has an identity source. */
  readonly identity?: ProviderIdentity;
}

export interface RefreshOptions {
  readonly signal?: AbortSignal | undefined;
  /** Named in error messages (never a token). */
  readonly user?: string | undefined;
}

/** The protocol client of one provider. Also the vault's {@link TokenRefresher} for it. */
export interface OAuthClient extends TokenRefresher {
  readonly provider: ProviderConfig;
  /** True when the authorization request carries a nonce and an id_token is expected. */
  isOpenIdConnect(scopes: readonly string[]): boolean;
  createAuthorizationRequest(input: { redirectUri: string; scopes: readonly string[]; state: string }): Promise<AuthorizationRequest>;
  /**
   * Validates the callback (state, `iss`, error) and exchanges the code with the PKCE verifier.
   * @throws ConnectSessionError reason `'denied'`, `'provider_error'` or `'state_mismatch'`.
   */
  exchangeCode(input: {
    callbackParams: URLSearchParams;
    redirectUri: string;
    expectedState: string;
    codeVerifier: string;
    nonce?: string;
    requestedScopes: readonly string[];
  }): Promise<ExchangedGrant>;
  refresh(refreshToken: string, options?: RefreshOptions): Promise<RefreshedTokens>;
  /**
   * Revokes one token at the provider's RFC 7009 endpoint. Resolves false when it has none (also
   * for GitHub and Slack, whose revocation is not RFC 7009: use {@link OAuthClient.revokeGrant}).
   */
  revoke(token: string, hint?: 'access_token' | 'refresh_token'): Promise<boolean>;
  /**
   * Revokes a grant at the provider the way it supports ({@link ProviderConfig.revocation}): the
   * refresh token where RFC 7009 applies and one exists, else the access token. Never throws for
   * a provider failure: it resolves `upstream: 'failed'` with a token-free reason.
   */
  revokeGrant(tokens: GrantTokens): Promise<UpstreamRevocation>;
}

/** The plain tokens of one grant, as {@link OAuthClient.revokeGrant} needs them. */
export interface GrantTokens {
  readonly accessToken: string;
  readonly refreshToken?: string | null;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Discovery results per provider config, shared by every client of it (Connect and the refresher). */
const serverCache = new WeakMap<ProviderConfig, Promise<OAuth.AuthorizationServer>>();

/**
 * oauth4webapi, once loaded. It is loaded on the first protocol operation (every method of an
 * OAuthClient awaits {@link loadOAuth} before its first use), not when the vault is imported: a
 * server's startup (import, store open, tools/list) never needs it, and it is the vault's largest
 * module. A bundler still sees the literal `import('oauth4webapi')`.
 */
let loadedOAuth: typeof OAuth | undefined;
let loading: Promise<typeof OAuth> | undefined;

/** Loads oauth4webapi (once); the module afterwards. */
async function loadOAuth(): Promise<typeof OAuth> {
  loading ??= import('oauth4webapi').then((module) => {
    loadedOAuth = module;
    return module;
  });
  return loading;
}

/**
 * Creates the OAuth client of one provider.
 *
 * @throws InvalidArgumentError when `provider` is not a provider configuration.
 * @example
 * const client = createOAuthClient(providers.google({ clientId, clientSecret }));
 * const tokens = await client.refresh(refreshToken);
 */
export function createOAuthClient(provider: ProviderConfig, options: OAuthClientOptions = {}): OAuthClient {
  if (!provider || typeof provider !== 'object' || typeof provider.id !== 'string') {
    throw new InvalidArgumentError('provider', 'createOAuthClient() needs a ProviderConfig (e.g. providers.google({...})).');
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const client: OAuth.Client = { client_id: provider.clientId };
  const authMethod = provider.tokenEndpointAuthMethod ?? 'client_secret_basic';
  const clientAuthWith = (o: typeof OAuth): OAuth.ClientAuth =>
    authMethod === 'none'
      ? o.None()
      : authMethod === 'client_secret_post'
        ? o.ClientSecretPost(provider.clientSecret ?? '')
        : o.ClientSecretBasic(provider.clientSecret ?? '');

  /** Every outgoing call: honours the sandbox's host rewrites and refuses non-loopback http. */
  const baseFetch = async (url: string, init: RequestInit): Promise<Response> => {
    const target = applyHostRewrite(provider, new URL(url));
    if (!isAllowedProtocol(target, provider.allowInsecureLoopback)) {
      throw new ProviderHttpError({
        provider: provider.id,
        detail: `refused to contact ${target.origin} (https required; http only for loopback test providers)`,
      });
    }
    return fetchImpl(target, { ...init, redirect: 'manual' });
  };

  /** Token-endpoint calls additionally pass through the provider's response normalizer. */
  const tokenFetch = async (url: string, init: RequestInit): Promise<Response> => {
    const response = await baseFetch(url, init);
    const normalize = provider.normalizeTokenResponse;
    if (!normalize || !(response.headers.get('content-type') ?? '').includes('json')) return response;
    const body = (await response.json()) as Record<string, unknown>;
    const fixed = normalize({ status: response.status, body });
    return new Response(JSON.stringify(fixed.body), {
      status: fixed.status,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    });
  };

  const httpOptions = (o: typeof OAuth, fetcher: typeof baseFetch, signal?: AbortSignal) => ({
    [o.customFetch]: fetcher,
    [o.allowInsecureRequests]: provider.allowInsecureLoopback === true,
    signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
  });

  const authorizationServer = (): Promise<OAuth.AuthorizationServer> => {
    let cached = serverCache.get(provider);
    if (!cached) {
      cached = resolveServer().catch((err: unknown) => {
        serverCache.delete(provider); // a failed discovery is retried next time
        throw err;
      });
      serverCache.set(provider, cached);
    }
    return cached;
  };

  async function resolveServer(): Promise<OAuth.AuthorizationServer> {
    const explicit = {
      ...(provider.authorizationEndpoint ? { authorization_endpoint: provider.authorizationEndpoint } : {}),
      ...(provider.tokenEndpoint ? { token_endpoint: provider.tokenEndpoint } : {}),
      ...(provider.userinfoEndpoint ? { userinfo_endpoint: provider.userinfoEndpoint } : {}),
      // GitHub's and Slack's revocation URLs are not RFC 7009 endpoints; oauth4webapi must not use them.
      ...(provider.revocationEndpoint && (provider.revocation ?? 'rfc7009') === 'rfc7009'
        ? { revocation_endpoint: provider.revocationEndpoint }
        : {}),
    };
    if (provider.authorizationEndpoint && provider.tokenEndpoint) {
      return { issuer: provider.issuer ?? new URL(provider.tokenEndpoint).origin, ...explicit };
    }
    if (!provider.issuer) {
      throw new ProviderHttpError({
        provider: provider.id,
        detail: 'the provider has neither an issuer nor authorization/token endpoints',
      });
    }
    const issuer = new URL(provider.issuer);
    try {
      const oauth = await loadOAuth();
      const response = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...httpOptions(oauth, baseFetch) });
      const discovered = await oauth.processDiscoveryResponse(issuer, response);
      return { ...discovered, ...explicit };
    } catch (err) {
      if (err instanceof ProviderHttpError) throw err;
      throw new ProviderHttpError({
        provider: provider.id,
        detail: `OpenID discovery at ${issuer.origin} failed (${describe(err)})`,
        cause: sanitize(err),
      });
    }
  }

  const isOpenIdConnect = (scopes: readonly string[]) => provider.identity === 'id_token' || scopes.includes('openid');

  const expiresAt = (expiresIn: number | undefined): Date | null => {
    const seconds = expiresIn ?? provider.defaultTokenLifetimeSec;
    return typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(Date.now() + seconds * 1000) : null;
  };

  const grantedScopes = (tokenResponse: OAuth.TokenEndpointResponse, requested: readonly string[]): readonly string[] =>
    provider.grantedScopes?.(tokenResponse, requested) ?? parseScopeString(tokenResponse.scope, provider.scopeSeparator) ?? [...requested];

  async function getJson(url: string, accessToken: string): Promise<unknown> {
    const target = new URL(url);
    checkHostAllowed(provider, target);
    const response = await baseFetch(url, {
      method: 'GET',
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) {
      throw new ProviderHttpError({
        provider: provider.id,
        detail: `GET ${target.origin}${target.pathname} answered HTTP ${response.status}`,
      });
    }
    return response.json();
  }

  async function readIdentity(
    as: OAuth.AuthorizationServer,
    tokenResponse: OAuth.TokenEndpointResponse,
  ): Promise<ProviderIdentity | undefined> {
    const oauth = await loadOAuth();
    const source = provider.identity;
    const claims = oauth.getValidatedIdTokenClaims(tokenResponse);
    if (source === 'id_token' && claims) return identityFromClaims(claims);
    if (source === 'userinfo' || (source === 'id_token' && !claims)) {
      if (!as.userinfo_endpoint) {
        throw new ProviderHttpError({
          provider: provider.id,
          detail: 'no id_token was returned and the provider has no userinfo endpoint',
        });
      }
      const response = await oauth.userInfoRequest(as, client, tokenResponse.access_token, httpOptions(oauth, baseFetch));
      const info = await oauth.processUserInfoResponse(as, client, claims?.sub ?? oauth.skipSubjectCheck, response);
      return identityFromClaims(info);
    }
    if (typeof source === 'function') {
      return source({ tokenResponse, getJson: (url) => getJson(url, tokenResponse.access_token) });
    }
    return claims ? identityFromClaims(claims) : undefined;
  }

  return {
    provider,
    isOpenIdConnect,

    async createAuthorizationRequest({ redirectUri, scopes, state }) {
      const oauth = await loadOAuth();
      const as = await authorizationServer();
      if (!as.authorization_endpoint) {
        throw new ProviderHttpError({ provider: provider.id, detail: 'the provider has no authorization endpoint' });
      }
      const allScopes = mergeScopes(provider.defaultScopes, scopes);
      const codeVerifier = oauth.generateRandomCodeVerifier();
      const codeChallenge = await oauth.calculatePKCECodeChallenge(codeVerifier);
      const nonce = isOpenIdConnect(allScopes) ? oauth.generateRandomNonce() : undefined;
      const url = applyHostRewrite(provider, new URL(as.authorization_endpoint));
      const params = url.searchParams;
      for (const [key, value] of Object.entries(provider.authorizationParams ?? {})) params.set(key, value);
      params.set('response_type', 'code');
      params.set('client_id', provider.clientId);
      params.set('redirect_uri', redirectUri);
      if (allScopes.length > 0) params.set(provider.scopeParameter ?? 'scope', allScopes.join(provider.scopeSeparator));
      params.set('state', state);
      params.set('code_challenge', codeChallenge);
      params.set('code_challenge_method', 'S256');
      if (nonce) params.set('nonce', nonce);
      return { url, state, codeVerifier, ...(nonce ? { nonce } : {}), scopes: allScopes, redirectUri };
    },

    async exchangeCode({ callbackParams, redirectUri, expectedState, codeVerifier, nonce, requestedScopes }) {
      const oauth = await loadOAuth();
      const as = await authorizationServer();
      let params: URLSearchParams;
      try {
        params = oauth.validateAuthResponse(as, client, callbackParams, expectedState);
      } catch (err) {
        if (err instanceof oauth.AuthorizationResponseError) {
          const denied = err.error === 'access_denied';
          throw new ConnectSessionError(
            denied ? 'denied' : 'provider_error',
            denied
              ? `${provider.displayName} access was denied.`
              : `${provider.displayName} answered with an error (${safeCode(err.error)}).`,
          );
        }
        throw new ConnectSessionError(
          'state_mismatch',
          `The ${provider.displayName} callback did not match this Connect session (${describe(err)}).`,
        );
      }
      let tokenResponse: OAuth.TokenEndpointResponse;
      try {
        const response = await oauth.authorizationCodeGrantRequest(
          as,
          client,
          clientAuthWith(oauth),
          params,
          redirectUri,
          codeVerifier,
          httpOptions(oauth, tokenFetch),
        );
        tokenResponse = await oauth.processAuthorizationCodeResponse(as, client, response, {
          expectedNonce: nonce ?? oauth.expectNoNonce,
          requireIdToken: provider.identity === 'id_token' && nonce !== undefined,
        });
      } catch (err) {
        throw new ConnectSessionError(
          'provider_error',
          `Exchanging the ${provider.displayName} authorization code failed (${describe(err)}).`,
          {
            cause: sanitize(err),
          },
        );
      }
      let identity: ProviderIdentity | undefined;
      try {
        identity = await readIdentity(as, tokenResponse);
      } catch (err) {
        throw new ConnectSessionError('provider_error', `Reading the ${provider.displayName} account failed (${describe(err)}).`, {
          cause: sanitize(err),
        });
      }
      return {
        accessToken: tokenResponse.access_token,
        ...(tokenResponse.refresh_token ? { refreshToken: tokenResponse.refresh_token } : {}),
        expiresAt: expiresAt(tokenResponse.expires_in),
        scopes: grantedScopes(tokenResponse, mergeScopes(provider.defaultScopes, requestedScopes)),
        ...(identity ? { identity } : {}),
      };
    },

    async refresh(refreshToken, refreshOptions) {
      const user = refreshOptions?.user ?? '(unknown)';
      if (typeof refreshToken !== 'string' || refreshToken === '') {
        throw new TokenRefreshError({ provider: provider.id, user, detail: 'the grant has no refresh token' });
      }
      let oauth: typeof OAuth | undefined;
      try {
        oauth = await loadOAuth();
        const as = await authorizationServer();
        const response = await oauth.refreshTokenGrantRequest(
          as,
          client,
          clientAuthWith(oauth),
          refreshToken,
          httpOptions(oauth, tokenFetch, refreshOptions?.signal),
        );
        const tokens = await oauth.processRefreshTokenResponse(as, client, response);
        return {
          accessToken: tokens.access_token,
          ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
          expiresAt: expiresAt(tokens.expires_in),
          ...(typeof tokens.scope === 'string' ? { scopes: grantedScopes(tokens, []) } : {}),
        };
      } catch (err) {
        if (oauth && err instanceof oauth.ResponseBodyError && err.error === 'invalid_grant') throw new InvalidGrantSignal(provider.id);
        throw new TokenRefreshError({ provider: provider.id, user, detail: describe(err), cause: sanitize(err) });
      }
    },

    async revoke(token, hint) {
      const oauth = await loadOAuth();
      const as = await authorizationServer();
      if (!as.revocation_endpoint) return false;
      try {
        const response = await oauth.revocationRequest(as, client, clientAuthWith(oauth), token, {
          ...httpOptions(oauth, baseFetch),
          ...(hint ? { additionalParameters: { token_type_hint: hint } } : {}),
        });
        await oauth.processRevocationResponse(response);
        return true;
      } catch (err) {
        throw new ProviderHttpError({ provider: provider.id, detail: `token revocation failed (${describe(err)})`, cause: sanitize(err) });
      }
    },

    async revokeGrant(tokens) {
      const style = provider.revocation ?? 'rfc7009';
      if (style === 'none')
        return { upstream: 'unsupported', reason: `${provider.displayName} has no token revocation (revocation: 'none')` };
      try {
        if (style === 'github-grant') return await revokeGithubGrant(tokens.accessToken);
        if (style === 'slack-auth-revoke') return await revokeSlackToken(tokens.accessToken);
        const oauth = await loadOAuth();
        const as = await authorizationServer();
        if (!as.revocation_endpoint) return { upstream: 'unsupported', reason: `${provider.displayName} has no revocation endpoint` };
        // Revoking the refresh token ends the whole grant at RFC 7009 servers; the access token alone may not.
        const token = tokens.refreshToken ? 'refresh_token' : 'access_token';
        const response = await oauth.revocationRequest(as, client, clientAuthWith(oauth), tokens.refreshToken || tokens.accessToken, {
          ...httpOptions(oauth, baseFetch),
          additionalParameters: { token_type_hint: token },
        });
        await oauth.processRevocationResponse(response);
        return { upstream: 'confirmed', token };
      } catch (err) {
        return { upstream: 'failed', reason: describe(err) };
      }
    },
  };

  /** Sends a non-RFC 7009 revocation request to a provider API host (allowlist + rewrites apply). */
  async function apiRevocationRequest(url: URL, init: RequestInit): Promise<Response> {
    // The token goes to an API host here, so the same host allowlist as vault.request() applies.
    checkHostAllowed(provider, url);
    return baseFetch(url.href, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  }

  /** GitHub: DELETE /applications/{client_id}/grant, Basic client auth, `{ access_token }` (204 on success). */
  async function revokeGithubGrant(accessToken: string): Promise<UpstreamRevocation> {
    const template = provider.revocationEndpoint;
    if (!template) return { upstream: 'unsupported', reason: `${provider.displayName} has no revocation endpoint` };
    const url = new URL(template.replace('{client_id}', encodeURIComponent(provider.clientId)));
    const basic = Buffer.from(`${provider.clientId}:${provider.clientSecret ?? ''}`).toString('base64');
    const response = await apiRevocationRequest(url, {
      method: 'DELETE',
      headers: { authorization: `Basic ${basic}`, accept: 'application/vnd.github+json', 'content-type': 'application/json' },
      body: JSON.stringify({ access_token: accessToken }),
    });
    await response.body?.cancel();
    if (response.status === 204 || response.status === 200) return { upstream: 'confirmed', token: 'access_token' };
    return { upstream: 'failed', reason: `DELETE ${url.origin}${redactClientId(url.pathname)} answered HTTP ${response.status}` };
  }

  /** Slack: auth.revoke with the access token as Bearer; HTTP 200 `{ ok, revoked }` or `{ ok: false, error }`. */
  async function revokeSlackToken(accessToken: string): Promise<UpstreamRevocation> {
    const endpoint = provider.revocationEndpoint;
    if (!endpoint) return { upstream: 'unsupported', reason: `${provider.displayName} has no revocation endpoint` };
    const url = new URL(endpoint);
    const response = await apiRevocationRequest(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: '',
    });
    const body = (await response.json().catch(() => undefined)) as { ok?: unknown; error?: unknown } | undefined;
    if (response.ok && body?.ok === true) return { upstream: 'confirmed', token: 'access_token' };
    return {
      upstream: 'failed',
      reason: `POST ${url.origin}${url.pathname} answered HTTP ${response.status}${body?.ok === false ? ` ${safeCode(body.error)}` : ''}`,
    };
  }
}

/** The client id is not secret, but a path is named in reasons; keep it short and stable. */
function redactClientId(pathname: string): string {
  return pathname.replace(/^\/applications\/[^/]+\/grant$/, '/applications/{client_id}/grant');
}

function identityFromClaims(claims: Readonly<Record<string, unknown>>): ProviderIdentity {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const subject = str(claims.sub);
  if (!subject) throw new Error('the identity has no subject');
  const email = str(claims.email);
  const name = str(claims.name);
  const login = str(claims.preferred_username);
  return { subject, ...(email ? { email } : {}), ...(name ? { name } : {}), ...(login ? { login } : {}) };
}

/** https anywhere; http only to loopback hosts of a provider that allows it. */
function isAllowedProtocol(url: URL, allowInsecureLoopback: boolean | undefined): boolean {
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && allowInsecureLoopback === true && isLoopbackHost(url.hostname);
}

/** OAuth error codes are a restricted ASCII set (RFC 6749 §5.2); anything else is not echoed. */
function safeCode(code: unknown): string {
  return typeof code === 'string' && /^[\x20-\x21\x23-\x5B\x5D-\x7E]{1,64}$/.test(code) ? code : 'unknown_error';
}

/** A short, token-free description of a protocol or network failure. */
function describe(err: unknown): string {
  // oauth4webapi's errors exist only once it is loaded (and only it throws them).
  if (loadedOAuth !== undefined) {
    const described = describeOAuthError(loadedOAuth, err);
    if (described !== undefined) return described;
  }
  if (err instanceof ProviderHttpError) return err.message;
  return describeOther(err);
}

/** oauth4webapi's own errors, without their response bodies; undefined for any other error. */
function describeOAuthError(oauth: typeof OAuth, err: unknown): string | undefined {
  if (err instanceof oauth.ResponseBodyError) return `the provider answered HTTP ${err.status} ${safeCode(err.error)}`;
  if (err instanceof oauth.WWWAuthenticateChallengeError)
    return `the provider answered HTTP ${err.status} with an authentication challenge`;
  if (err instanceof oauth.OperationProcessingError) {
    // For an unexpected status oauth4webapi keeps the Response as the cause: report its status.
    const status = err.cause instanceof Response ? `HTTP ${err.cause.status}: ` : '';
    return `${status}invalid provider response: ${err.message}${err.code ? ` [${err.code}]` : ''}`;
  }
  return undefined;
}

/** Network failures, timeouts, aborts and anything else, without a body or a token. */
function describeOther(err: unknown): string {
  // isNativeError: fetch's TypeError may come from another realm (vm contexts, test runners).
  if (err instanceof Error || isNativeError(err)) {
    if (err.name === 'TimeoutError') return 'the provider did not answer in time';
    if (err.name === 'AbortError') return 'the request was aborted';
    if (err.message === 'fetch failed')
      return `the provider could not be reached${err.cause instanceof Error && 'code' in err.cause ? ` (${String(err.cause.code)})` : ''}`;
    return `${err.name}: ${err.message.slice(0, 200)}`;
  }
  return 'unknown error';
}

/** oauth4webapi errors may hold the response body (tokens); keep only name, code and message. */
function sanitize(err: unknown): Error | undefined {
  if (!(err instanceof Error)) return undefined;
  const copy = new Error(describe(err));
  copy.name = err.name;
  return copy;
}
