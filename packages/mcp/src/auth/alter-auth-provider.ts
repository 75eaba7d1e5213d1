/**
 * `AlterAuthProvider`: an OAuth 2.1 authorization server for multi-user MCP servers, built on the
 * MCP SDK's handlers and the vault store.
 *
 * The authorize step: the SDK's handler validates client, redirect URI and PKCE; we check the
 * `resource` and scopes, then show a consent page (per client, remembered per user and browser),
 * then open ONE Connect session carrying every declared provider's scopes. Connect logs the user in
 * at the first provider (that login decides who the user is) and stores each provider's grant for
 * that user; its `returnTo` is our completion endpoint, which issues the authorization code and
 * redirects to the client with `code`, `state` and `iss` (RFC 9207). The Connect session is bound
 * to the consenting browser (`bind: 'cookie'`: its secret goes out as a cookie with the redirect to
 * Connect), so a Connect link forwarded to someone else stops at "wrong browser" and a victim's
 * login can never complete an attacker's request. A successful completion also signs the browser
 * in (a signed cookie naming the user); Connect asks for it (`useBrowserUser`) before a tool's
 * Connect link may attach anything to that user. Connect also comes back there
 * when the session fails (denied consent, provider error, expiry); the client then gets
 * `error=access_denied` (`server_error` for a provider failure) and no code. Tokens: short-lived ES256 JWT
 * access tokens bound to the resource (RFC 8707), rotating refresh tokens whose reuse revokes the
 * whole family.
 */
import type { IncomingMessage } from 'node:http';
import express from 'express';
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { type AuthorizationHandlerOptions, authorizationHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/authorize.js';
import { metadataHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/metadata.js';
import { clientRegistrationHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/register.js';
import { revocationHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/revoke.js';
import { tokenHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/token.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import type { AuthorizationParams, OAuthServerProvider } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import {
  InvalidGrantError,
  InvalidScopeError,
  InvalidTargetError,
  InvalidTokenError,
  ServerError,
} from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { OAuthClientInformationFull, OAuthMetadata, OAuthProtectedResourceMetadata, OAuthTokenRevocationRequest, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { type AlterVault, ConnectSessionError, InvalidArgumentError, isLoopbackHost, type Logger, normalizeProviderScopes, VaultConfigError, createDefaultLogger } from '@alter/vault';
import { mintAccessToken, verifyAccessTokenJwt } from './access-token.js';
import { AlterClientsStore } from './alter-clients-store.js';
import { type AuthServerLimitsOptions, type ResolvedAuthServerLimits, resolveAuthServerLimits } from './auth-server-limits.js';
import { ClientDocumentFetchLimitError } from './client-document-loader.js';
import { errorPageHandler } from './error-page.js';
import { type InternalAuthProviderOptions, RESOLVE_HOST } from './internal/internal-options.js';
import { rateLimitByClientAddress } from './rate-limiter.js';
import { registrationBodyParser } from './registration-body.js';
import type { ResolveHost } from './safe-fetch.js';
import { AuthRecords, type CodeRecord, type FamilyRecord, type PendingAuthorization } from './auth-records.js';
import { cookieName, readCookie, renderConsentPage, renderMessagePage, setCookie, setPageHeaders } from './consent-page.js';
import { hmac, randomId, randomToken, safeEqual, sha256, sign, unsign } from './internal/crypto.js';
import { type SigningKey, loadSigningKey } from './signing-key.js';
import type { HttpAuthPlugin, HttpAuthPluginInstallOptions } from '../http-auth-plugin.js';

/** Options of {@link AlterAuthProvider}. */
export interface AlterAuthProviderOptions {
  /**
   * Public URL of the MCP endpoint (`https://mcp.example.com/mcp`): the protected resource that
   * tokens are bound to (RFC 8707). The authorization server's issuer is its origin. When omitted,
   * `serveHttp` supplies it (its base URL plus the MCP path) when it installs the provider.
   */
  readonly baseUrl?: string | undefined;
  /** Providers to connect at sign-in and the scopes to ask each for. The first one's login identifies the user. */
  readonly providers: Readonly<Record<string, readonly string[]>>;
  /** Scopes this server's tokens can carry (`scopes_supported`). Default `['mcp']`. */
  readonly scopes?: readonly string[] | undefined;
  /** Scopes every request to the MCP endpoint needs (else 403 `insufficient_scope`). Default: none. */
  readonly requiredScopes?: readonly string[] | undefined;
  /** Access-token lifetime. Default 900 (15 minutes). */
  readonly accessTokenTtlSec?: number | undefined;
  /** Refresh-token lifetime (each rotation starts a new one). Default 30 days. */
  readonly refreshTokenTtlSec?: number | undefined;
  /** Authorization-code lifetime. Default 60. */
  readonly authorizationCodeTtlSec?: number | undefined;
  /**
   * Consent: `rememberSec` is how long a browser's approval of a client is remembered for the user
   * who completed it (default 30 days); `0` asks every time.
   */
  readonly consent?: { readonly rememberSec?: number | undefined } | undefined;
  /**
   * How long a browser stays signed in as the user after a completed authorization (a signed
   * HttpOnly cookie). A tool's Connect link naming a user opens only in a browser signed in as
   * that user. Default 30 days.
   */
  readonly signedInSec?: number | undefined;
  /** Name shown on the consent page. Default: the resource host. */
  readonly serverName?: string | undefined;
  /**
   * Accept Client ID Metadata Document URLs on loopback hosts and addresses (127.0.0.0/8, ::1;
   * plain `http://` too). Private, link-local and other special ranges stay refused. Default: only
   * when `baseUrl` itself is on a loopback host.
   */
  readonly allowLoopbackClientIds?: boolean | undefined;
  /**
   * Rate limits of the SDK's handlers (`false` turns them off, e.g. in tests; it also turns off
   * `limits.authorize` and `limits.register` unless those are set). Default: the SDK's.
   */
  readonly rateLimit?: AuthorizationHandlerOptions['rateLimit'] | undefined;
  /**
   * Bounds on what clients send and on what the server fetches for them: `/authorize` and
   * `/register` requests per client address, Client ID Metadata Document fetches (per client id,
   * per host, in all; failures remembered), and registration field sizes. Defaults in
   * docs/auth-server.md ("Input limits").
   */
  readonly limits?: AuthServerLimitsOptions | undefined;
  /**
   * Seconds a dynamically registered client lives without being used: counted from its
   * registration or the last token issued to it (code exchange or refresh). An expired client is
   * unknown (`invalid_client`); it must register again (the MCP SDK's client does so by itself).
   * Default: 90 days or `refreshTokenTtlSec`, whichever is longer; never less than
   * `refreshTokenTtlSec`, so no working refresh token outlives its client. `0` keeps clients forever.
   */
  readonly unusedClientTtlSec?: number | undefined;
  /** Default: the vault's default logger (warnings and errors). */
  readonly logger?: Logger | undefined;
}

/** The user a request's token acts for (`req.auth.extra.user`), or undefined. */
export function authUser(auth: AuthInfo | undefined): string | undefined {
  const user = auth?.extra?.user;
  return typeof user === 'string' ? user : undefined;
}

interface ResolvedUrls {
  readonly resource: string;
  readonly issuer: string;
  readonly secure: boolean;
  readonly prmUrl: string;
  readonly prmPath: string;
}

const PENDING_TTL_SEC = 15 * 60;
const BROWSER_COOKIE_SEC = 60 * 60;
const PATHS = {
  asMetadata: '/.well-known/oauth-authorization-server',
  jwks: '/.well-known/jwks.json',
  authorize: '/authorize',
  consent: '/authorize/consent',
  complete: '/authorize/complete',
  token: '/token',
  register: '/register',
  revoke: '/revoke',
} as const;

/**
 * An OAuth 2.1 authorization server (the SDK's `OAuthServerProvider`) whose sign-in connects every
 * declared provider in one trip. Mount it with `serveHttp(server, { auth })`, or yourself with
 * {@link install} on an express app.
 *
 * @throws VaultConfigError when a provider is unknown to the vault; InvalidArgumentError naming a bad option.
 * @example
 * const auth = new AlterAuthProvider(vault, {
 *   baseUrl: 'http://localhost:8000/mcp',
 *   providers: { google: ['https://www.googleapis.com/auth/gmail.readonly'], github: ['repo'] },
 * });
 * const app = express();
 * const bearer = auth.install(app, { mcpPath: '/mcp', baseUrl: 'http://localhost:8000' });
 * app.post('/mcp', bearer, mcpHandler); // req.auth.extra.user is the signed-in user
 */
export class AlterAuthProvider implements OAuthServerProvider, HttpAuthPlugin {
  readonly #vault: AlterVault;
  readonly #providers: Readonly<Record<string, readonly string[]>>;
  readonly #scopes: readonly string[];
  readonly #requiredScopes: readonly string[];
  readonly #accessTtl: number;
  readonly #refreshTtl: number;
  readonly #codeTtl: number;
  readonly #rememberConsentSec: number;
  readonly #signedInSec: number;
  readonly #options: AlterAuthProviderOptions;
  readonly #logger: Logger;
  readonly #records: AuthRecords;
  readonly #limits: ResolvedAuthServerLimits;
  readonly #unusedClientTtlSec: number;
  #clients: AlterClientsStore | undefined;
  #urls: ResolvedUrls | undefined;
  #key: Promise<SigningKey> | undefined;

  constructor(vault: AlterVault, options: AlterAuthProviderOptions) {
    if (!vault || typeof vault !== 'object' || !('store' in vault)) throw new InvalidArgumentError('vault', 'must be an AlterVault.');
    if (!options || typeof options !== 'object') throw new InvalidArgumentError('options', 'must be { providers: { <provider id>: [scopes] }, baseUrl? }.');
    this.#vault = vault;
    this.#options = options;
    this.#logger = options.logger ?? createDefaultLogger();
    this.#providers = validateProviders(vault, options.providers);
    this.#scopes = validateScopes('options.scopes', options.scopes ?? ['mcp']);
    if (this.#scopes.length === 0) throw new InvalidArgumentError('options.scopes', 'must list at least one scope.');
    this.#requiredScopes = validateScopes('options.requiredScopes', options.requiredScopes ?? []);
    for (const s of this.#requiredScopes) {
      if (!this.#scopes.includes(s)) throw new InvalidArgumentError('options.requiredScopes', `"${s}" is not in options.scopes.`);
    }
    this.#accessTtl = positiveInt('options.accessTokenTtlSec', options.accessTokenTtlSec ?? 900);
    this.#refreshTtl = positiveInt('options.refreshTokenTtlSec', options.refreshTokenTtlSec ?? 30 * 24 * 3600);
    this.#codeTtl = positiveInt('options.authorizationCodeTtlSec', options.authorizationCodeTtlSec ?? 60);
    const remember = options.consent?.rememberSec ?? 30 * 24 * 3600;
    if (!Number.isInteger(remember) || remember < 0) throw new InvalidArgumentError('options.consent.rememberSec', 'must be a non-negative integer.');
    this.#rememberConsentSec = remember;
    this.#signedInSec = positiveInt('options.signedInSec', options.signedInSec ?? 30 * 24 * 3600);
    this.#limits = resolveAuthServerLimits(options.limits, options.rateLimit === false);
    // Never shorter than a refresh token: every token issued extends the client, so a client
    // holding a refresh token that still works is never unknown when it presents it.
    const unusedTtl = options.unusedClientTtlSec ?? Math.max(90 * 24 * 3600, this.#refreshTtl);
    if (!Number.isInteger(unusedTtl) || unusedTtl < 0) throw new InvalidArgumentError('options.unusedClientTtlSec', 'must be a non-negative integer (seconds; 0 keeps clients forever).');
    if (unusedTtl !== 0 && unusedTtl < this.#refreshTtl) {
      throw new InvalidArgumentError('options.unusedClientTtlSec', `must be at least refreshTokenTtlSec (${this.#refreshTtl}), or 0 (keep clients forever): a client must outlive its refresh tokens.`);
    }
    this.#unusedClientTtlSec = unusedTtl;
    this.#records = new AuthRecords(vault.store, () => vault.ready());
    if (options.baseUrl !== undefined) this.#urls = resolveUrls(options.baseUrl, 'options.baseUrl');
  }

  /** The protected resource (the MCP endpoint URL) tokens are bound to. */
  get resource(): string {
    return this.#resolved().resource;
  }

  /** The issuer identifier: the resource's origin, no trailing slash. */
  get issuer(): string {
    return this.#resolved().issuer;
  }

  /** URL of the RFC 9728 protected-resource metadata. */
  get resourceMetadataUrl(): string {
    return this.#resolved().prmUrl;
  }

  /** The client registry (RFC 7591 registration and Client ID Metadata Documents). */
  get clientsStore(): AlterClientsStore {
    if (!this.#clients) {
      const urls = this.#resolved();
      this.#clients = new AlterClientsStore({
        records: this.#records,
        supportedScopes: this.#scopes,
        allowLoopbackClientIds: this.#options.allowLoopbackClientIds ?? isLoopbackHost(new URL(urls.resource).hostname),
        registrationLimits: this.#limits.registration,
        documentLimits: this.#limits.clientDocuments,
        unusedClientTtlSec: this.#unusedClientTtlSec,
        ...resolveHostOption(this.#options),
        seal: (plain) => this.#vault.sealSecret(plain),
        open: (sealed) => this.#vault.openSecret(sealed),
        logger: this.#logger,
      });
    }
    return this.#clients;
  }

  /** RFC 8414 authorization-server metadata (issuer exact, no trailing slash). */
  get authorizationServerMetadata(): OAuthMetadata & { client_id_metadata_document_supported: boolean; authorization_response_iss_parameter_supported: boolean; jwks_uri: string } {
    const { issuer } = this.#resolved();
    return {
      issuer,
      authorization_endpoint: `${issuer}${PATHS.authorize}`,
      token_endpoint: `${issuer}${PATHS.token}`,
      registration_endpoint: `${issuer}${PATHS.register}`,
      revocation_endpoint: `${issuer}${PATHS.revoke}`,
      jwks_uri: `${issuer}${PATHS.jwks}`,
      scopes_supported: [...this.#scopes],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_post'],
      revocation_endpoint_auth_methods_supported: ['none', 'client_secret_post'],
      code_challenge_methods_supported: ['S256'],
      client_id_metadata_document_supported: true,
      authorization_response_iss_parameter_supported: true,
    };
  }

  /** RFC 9728 protected-resource metadata of the MCP endpoint. */
  get protectedResourceMetadata(): OAuthProtectedResourceMetadata {
    const { resource, issuer } = this.#resolved();
    return {
      resource,
      authorization_servers: [issuer],
      scopes_supported: [...this.#scopes],
      bearer_methods_supported: ['header'],
      resource_name: this.#serverName(),
    };
  }

  /**
   * Mounts the authorization server on `app` (metadata, JWKS, authorize + consent + completion,
   * token, register, revoke — at the root, under the issuer) and returns the bearer middleware
   * that guards the MCP endpoint: it answers 401 with `WWW-Authenticate: Bearer
   * resource_metadata=…` (403 `insufficient_scope` naming the scopes) and sets `req.auth`, whose
   * `extra.user` is the user tool calls run as.
   * @throws VaultConfigError when no base URL is known (neither `options.baseUrl` nor `options` here).
   */
  install(app: Express, options?: HttpAuthPluginInstallOptions): RequestHandler {
    if (!this.#urls) {
      if (!options?.baseUrl) throw new VaultConfigError('AlterAuthProvider needs its public URL: pass options.baseUrl (the MCP endpoint URL, e.g. "https://mcp.example.com/mcp").');
      this.#urls = resolveUrls(new URL(options.mcpPath || '/mcp', options.baseUrl).href, 'install options.baseUrl');
    }
    const urls = this.#urls;
    const rateLimit = this.#options.rateLimit;
    const limits = rateLimit === undefined ? {} : { rateLimit };

    app.use(PATHS.asMetadata, metadataHandler(this.authorizationServerMetadata));
    app.use(urls.prmPath, metadataHandler(this.protectedResourceMetadata));
    app.get(PATHS.jwks, (_req, res, next) => {
      this.#signingKey().then((key) => {
        res.setHeader('Cache-Control', 'public, max-age=300');
        res.json({ keys: [key.publicJwk] });
      }, next);
    });
    app.post(PATHS.consent, express.urlencoded({ extended: false, limit: '16kb' }), this.#route((req, res) => this.#consent(req, res)));
    app.get(PATHS.complete, this.#route((req, res) => this.#complete(req, res)));
    // Counted before the precheck: it looks the client up, which may fetch its metadata document.
    if (this.#limits.authorize) app.use(PATHS.authorize, rateLimitByClientAddress(this.#limits.authorize, '/authorize'));
    app.use(PATHS.authorize, express.urlencoded({ extended: false, limit: '16kb' }), this.#route((req, res, next) => this.#precheckAuthorize(req, res, next)));
    app.use(PATHS.authorize, authorizationHandler({ provider: this, ...limits }));
    app.use(PATHS.token, tokenHandler({ provider: this, ...limits }));
    if (this.#limits.register) app.use(PATHS.register, rateLimitByClientAddress(this.#limits.register, '/register'));
    app.use(PATHS.register, registrationBodyParser(this.#limits.registration.maxBodyBytes));
    app.use(PATHS.register, clientRegistrationHandler({ clientsStore: this.clientsStore, ...limits }));
    app.use(PATHS.revoke, revocationHandler({ provider: this, ...limits }));
    // Tool Connect links naming a user open only in a browser signed in here as that user.
    // Every user this server signs in is `<first provider>:<subject>` (Connect names them so), which
    // scopes the check to them when the vault also backs a server without sign-in.
    const firstProvider = Object.keys(this.#providers)[0]!;
    this.#vault.connect.useBrowserUser((req) => this.signedInUser(req), { appliesTo: (user) => user.startsWith(`${firstProvider}:`) });
    // Errors of these routes (a body that does not parse, …) get our page, never express's
    // stack trace. Scoped to our paths: the app's other routes keep their own handling.
    app.use([...Object.values(PATHS), urls.prmPath], errorPageHandler(this.#logger));
    return this.bearerMiddleware();
  }

  /** The bearer middleware alone (for apps that mount the routes themselves). */
  bearerMiddleware(): RequestHandler {
    const urls = this.#resolved();
    return requireBearerAuth({
      verifier: this,
      requiredScopes: [...this.#requiredScopes],
      resourceMetadataUrl: urls.prmUrl,
      expectedResource: new URL(urls.resource),
    });
  }

  // ── OAuthServerProvider ─────────────────────────────────────────────────────────────────────

  /**
   * Called by the SDK's authorize handler once client, redirect URI and PKCE S256 are valid. Checks
   * `resource` and scopes, then shows the consent page (or, when this user already approved this
   * client in this browser, goes straight to Connect).
   */
  async authorize(client: OAuthClientInformationFull, params: AuthorizationParams, res: Response): Promise<void> {
    const urls = this.#resolved();
    const req = res.req;
    if (params.resource !== undefined && !sameResource(params.resource.href, urls.resource)) {
      throw new InvalidTargetError(`This server only issues tokens for the resource ${urls.resource}`);
    }
    const scopes = this.#grantableScopes(params.scopes, client.scope);
    const key = await this.#signingKey();

    let browser = readCookie(req, this.#cookie('browser'));
    if (!browser || browser.length < 32) {
      browser = randomToken('', 24);
      setCookie(res, this.#cookie('browser'), browser, { secure: urls.secure, maxAgeSec: BROWSER_COOKIE_SEC });
    }
    const requestId = randomToken('', 24);
    const pending: PendingAuthorization = {
      clientId: client.client_id,
      redirectUri: params.redirectUri,
      codeChallenge: params.codeChallenge,
      ...(params.state !== undefined ? { state: params.state } : {}),
      scopes,
      resource: urls.resource,
      browser: sha256(browser),
      createdAt: new Date().toISOString(),
    };
    await this.#records.requests.put(sha256(requestId), pending, inSeconds(PENDING_TTL_SEC));

    if (await this.#consentRemembered(req, key, client.client_id, params.redirectUri)) {
      this.#logger.debug('auth: consent remembered, starting Connect', { clientId: client.client_id });
      return this.#startConnect(requestId, res);
    }
    setPageHeaders(res);
    res
      .status(200)
      .type('html')
      .send(
        renderConsentPage({
          action: `${urls.issuer}${PATHS.consent}`,
          requestId,
          csrf: hmac(key.cookieKey, `csrf.${requestId}.${browser}`),
          clientName: client.client_name,
          clientId: client.client_id,
          clientUri: client.client_uri,
          redirectUri: params.redirectUri,
          scopes,
          providers: this.#providers,
          serverName: this.#serverName(),
        }),
      );
  }

  /** The PKCE challenge of a code (the SDK's token handler verifies the verifier against it). */
  async challengeForAuthorizationCode(client: OAuthClientInformationFull, authorizationCode: string): Promise<string> {
    const entry = await this.#records.codes.get(sha256(authorizationCode));
    if (!entry || entry.value.clientId !== client.client_id || entry.value.expiresAt < Date.now()) {
      if (!entry) await this.#revokeIfReplayed(authorizationCode);
      throw new InvalidGrantError('Invalid or expired authorization code');
    }
    return entry.value.codeChallenge;
  }

  /** Exchanges a code (single use) for tokens; a replayed code revokes what it issued. */
  async exchangeAuthorizationCode(
    client: OAuthClientInformationFull,
    authorizationCode: string,
    _codeVerifier?: string,
    redirectUri?: string,
    resource?: URL,
  ): Promise<OAuthTokens> {
    const hash = sha256(authorizationCode);
    const code = await this.#records.codes.take(hash);
    if (!code) {
      await this.#revokeIfReplayed(authorizationCode);
      throw new InvalidGrantError('Invalid or expired authorization code');
    }
    await this.#records.spentCodes.put(hash, { familyId: code.familyId }, inSeconds(this.#refreshTtl));
    if (code.clientId !== client.client_id) throw new InvalidGrantError('The authorization code was issued to another client');
    if (code.expiresAt < Date.now()) throw new InvalidGrantError('Invalid or expired authorization code');
    if (redirectUri !== undefined && redirectUri !== code.redirectUri) throw new InvalidGrantError('redirect_uri does not match the authorization request');
    if (resource !== undefined && !sameResource(resource.href, code.resource)) throw new InvalidTargetError('resource does not match the authorization request');
    const family: FamilyRecord = {
      clientId: code.clientId,
      user: code.user,
      scopes: code.scopes,
      resource: code.resource,
      status: 'active',
      createdAt: new Date().toISOString(),
    };
    if (!(await this.#records.families.compareAndSet(code.familyId, 0, family, inSeconds(this.#refreshTtl)))) {
      throw new InvalidGrantError('The authorization code was already used');
    }
    this.#logger.info('auth: tokens issued', { clientId: code.clientId, user: code.user, family: code.familyId });
    return this.#issueTokens(client, code.familyId, family, code.scopes);
  }

  /** Rotates a refresh token. Presenting a spent one revokes its whole family. */
  async exchangeRefreshToken(client: OAuthClientInformationFull, refreshToken: string, scopes?: string[], resource?: URL): Promise<OAuthTokens> {
    const hash = sha256(refreshToken);
    const entry = await this.#records.refreshTokens.get(hash);
    if (!entry) throw new InvalidGrantError('Invalid or expired refresh token');
    const record = entry.value;
    if (record.clientId !== client.client_id) {
      await this.#records.revokeFamily(record.familyId, 'refresh token presented by another client');
      throw new InvalidGrantError('The refresh token was issued to another client');
    }
    // Spend it first (compare-and-set): of two concurrent uses exactly one wins; the other is a reuse.
    if (record.spent || !(await this.#records.refreshTokens.compareAndSet(hash, entry.version, { ...record, spent: true }, entry.expiresAt))) {
      await this.#records.revokeFamily(record.familyId, 'refresh token reuse');
      this.#logger.warn('auth: refresh token reused; every token of its grant is revoked', { clientId: record.clientId, family: record.familyId });
      throw new InvalidGrantError('The refresh token was already used; every token of this authorization has been revoked. Sign in again.');
    }
    const familyEntry = await this.#records.families.get(record.familyId);
    if (familyEntry?.value.status !== 'active') throw new InvalidGrantError('The authorization was revoked. Sign in again.');
    const family = familyEntry.value;
    if (resource !== undefined && !sameResource(resource.href, family.resource)) throw new InvalidTargetError('resource does not match the original authorization');
    let granted = family.scopes;
    if (scopes && scopes.length > 0) {
      const extra = scopes.filter((s) => !family.scopes.includes(s));
      if (extra.length > 0) throw new InvalidScopeError(`Scopes not in the original authorization: ${extra.join(' ')}`);
      granted = scopes;
    }
    // Slide the family's lifetime (keep its status: a concurrent revocation wins).
    await this.#records.families.compareAndSet(record.familyId, familyEntry.version, family, inSeconds(this.#refreshTtl));
    return this.#issueTokens(client, record.familyId, family, granted);
  }

  /**
   * Verifies an access token: signature, `typ`, issuer, audience (this resource), expiry, and that
   * its family is still active. @throws InvalidTokenError (→ 401).
   */
  async verifyAccessToken(token: string): Promise<AuthInfo> {
    const urls = this.#resolved();
    const claims = await verifyAccessTokenJwt(await this.#signingKey(), urls.issuer, urls.resource, token);
    const family = await this.#records.families.get(claims.fid);
    if (family?.value.status !== 'active' || family.value.user !== claims.sub || family.value.clientId !== claims.client_id) {
      throw new InvalidTokenError('Token has been revoked');
    }
    return {
      token,
      clientId: claims.client_id,
      scopes: claims.scope === '' ? [] : claims.scope.split(' '),
      expiresAt: claims.exp,
      resource: new URL(claims.aud),
      extra: { user: claims.sub },
    };
  }

  /** RFC 7009: revoking either token of an authorization revokes the whole authorization. Unknown tokens are ignored. */
  async revokeToken(client: OAuthClientInformationFull, request: OAuthTokenRevocationRequest): Promise<void> {
    const refresh = await this.#records.refreshTokens.get(sha256(request.token));
    if (refresh) {
      if (refresh.value.clientId === client.client_id) await this.#records.revokeFamily(refresh.value.familyId, 'revoked by the client');
      return;
    }
    const urls = this.#resolved();
    try {
      const claims = await verifyAccessTokenJwt(await this.#signingKey(), urls.issuer, urls.resource, request.token);
      if (claims.client_id === client.client_id) await this.#records.revokeFamily(claims.fid, 'revoked by the client');
    } catch (err) {
      if (!(err instanceof InvalidTokenError)) throw err;
      // RFC 7009 §2.2: an invalid token is not an error.
    }
  }

  /** Revokes every authorization a user gave a client (they must sign in again). Returns how many. */
  async revokeUserClient(user: string, clientId: string): Promise<number> {
    let count = 0;
    // Family ids start with a tag of (user, client), so this lists only that pair's families.
    for (const { key, value } of await this.#records.families.list(`${pairTag(user, clientId)}.`)) {
      if (value.user === user && value.clientId === clientId && value.status === 'active') {
        if (await this.#records.revokeFamily(key, 'revoked by the server')) count++;
      }
    }
    await this.#records.consents.delete(AuthRecords.consentKey(user, clientId));
    return count;
  }

  /**
   * The user this browser is signed in as (the signed cookie a completed authorization sets), or
   * undefined. Connect calls it for tool links (installed by {@link install}).
   */
  async signedInUser(req: Pick<IncomingMessage, 'headers'>): Promise<string | undefined> {
    const raw = readCookie(req, this.#cookie('user'));
    if (!raw) return undefined;
    const value = unsign((await this.#signingKey()).cookieKey, raw);
    if (!value) return undefined;
    try {
      const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as { u?: unknown; e?: unknown };
      if (typeof parsed.u !== 'string' || typeof parsed.e !== 'number' || parsed.e < Date.now()) return undefined;
      return parsed.u;
    } catch {
      return undefined;
    }
  }

  /** A secret-free view for logs. */
  toJSON(): Record<string, unknown> {
    return { issuer: this.#urls?.issuer, resource: this.#urls?.resource, providers: Object.keys(this.#providers), scopes: this.#scopes };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `AlterAuthProvider ${JSON.stringify(this.toJSON())}`;
  }

  // ── HTTP steps around the SDK's authorize handler ───────────────────────────────────────────

  /**
   * Before the SDK's handler: exact redirect-URI match (the SDK relaxes loopback ports, RFC 8252;
   * we promise exact matching), answered directly (never redirected to an unregistered URI); and
   * `iss` added to every error redirect the handler sends (RFC 9207).
   */
  async #precheckAuthorize(req: Request, res: Response, next: NextFunction): Promise<void> {
    const params = (req.method === 'POST' ? req.body : req.query) as Record<string, unknown> | undefined;
    const clientId = params?.client_id;
    const redirectUri = params?.redirect_uri;
    if (typeof clientId === 'string' && typeof redirectUri === 'string') {
      let client: OAuthClientInformationFull | undefined;
      try {
        client = await this.clientsStore.getClient(clientId);
      } catch (err) {
        if (!(err instanceof ClientDocumentFetchLimitError)) throw err;
        res.setHeader('Cache-Control', 'no-store');
        res.setHeader('Retry-After', String(err.retryAfterSec));
        res.status(429).json(err.toResponseObject());
        return;
      }
      if (client && !client.redirect_uris.includes(redirectUri)) {
        res.setHeader('Cache-Control', 'no-store');
        res.status(400).json({ error: 'invalid_request', error_description: 'Unregistered redirect_uri (it must match a registered one exactly)' });
        return;
      }
    }
    const issuer = this.#resolved().issuer;
    // The SDK drops `state` from the error redirect when the other parameters fail to parse
    // (e.g. no PKCE); RFC 6749 §4.1.2.1 wants it echoed whenever the request had one.
    const state = typeof params?.state === 'string' ? params.state : undefined;
    const redirect = res.redirect.bind(res) as (status: number, url: string) => void;
    res.redirect = ((a: number | string, b?: string | number) => {
      const [status, url] = typeof a === 'number' ? [a, String(b)] : [typeof b === 'number' ? b : 302, a];
      redirect(status, completeErrorRedirect(url, issuer, state));
    }) as Response['redirect'];
    next();
  }

  /** POST /authorize/consent: the user approved or denied on the consent page. */
  async #consent(req: Request, res: Response): Promise<void> {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const requestId = typeof body.request === 'string' ? body.request : '';
    const loaded = requestId ? await this.#records.requests.get(sha256(requestId)) : undefined;
    if (!loaded) return this.#page(res, 400, 'Sign-in expired', 'This sign-in request is unknown or expired. Start again from your application.', 'request_expired');
    const pending = loaded.value;
    const browser = readCookie(req, this.#cookie('browser'));
    const key = await this.#signingKey();
    const csrf = typeof body.csrf === 'string' ? body.csrf : '';
    if (!browser || sha256(browser) !== pending.browser || !safeEqual(csrf, hmac(key.cookieKey, `csrf.${requestId}.${browser}`))) {
      return this.#page(res, 403, 'Request refused', 'The form did not come from this sign-in (missing or wrong CSRF token). Start again from your application.', 'csrf');
    }
    if (pending.connectSessionId) return this.#page(res, 400, 'Already answered', 'This sign-in request was already answered. Start again from your application.', 'request_used');
    if (body.decision !== 'approve') {
      await this.#records.requests.delete(sha256(requestId));
      this.#logger.info('auth: consent denied', { clientId: pending.clientId });
      return this.#redirectToClient(res, pending, { error: 'access_denied', error_description: 'The user denied the request' });
    }
    return this.#startConnect(requestId, res);
  }

  /** Opens ONE Connect session carrying every declared provider's scopes, and sends the browser there. */
  async #startConnect(requestId: string, res: Response): Promise<void> {
    const urls = this.#resolved();
    const hash = sha256(requestId);
    const session = await this.#vault.connect.createSession({
      providers: this.#providers,
      returnTo: `${urls.issuer}${PATHS.complete}?request=${encodeURIComponent(requestId)}`,
      ttlSec: PENDING_TTL_SEC,
      // Bound to THIS browser (the one that consented): a forwarded Connect link, or a forwarded
      // provider URL, stops at "wrong browser" anywhere else and never issues a code.
      bind: 'cookie',
    });
    if (!session.bindingCookie || new URL(session.url).hostname !== new URL(urls.issuer).hostname) {
      // Cookies travel per host: Connect on another host could never see the binding cookie.
      this.#logger.error('auth: Connect is served on another host than the authorization server; sign-in cannot be bound to the browser', {
        connect: new URL(session.url).host,
        issuer: new URL(urls.issuer).host,
      });
      return this.#page(res, 500, 'Server misconfigured', 'Connect must be served on the same host as this server (mount vault.connect.handler() on it). Tell the operator.', 'connect_host');
    }
    const current = await this.#records.requests.get(hash);
    if (!current || current.value.connectSessionId) {
      return this.#page(res, 400, 'Already answered', 'This sign-in request was already answered. Start again from your application.', 'request_used');
    }
    if (!(await this.#records.requests.compareAndSet(hash, current.version, { ...current.value, connectSessionId: session.id }, current.expiresAt))) {
      return this.#page(res, 400, 'Already answered', 'This sign-in request was already answered. Start again from your application.', 'request_used');
    }
    res.append('Set-Cookie', session.bindingCookie);
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(302, session.url);
  }

  /**
   * GET /authorize/complete: Connect is done. Issue the code and return to the client — or, when
   * the Connect session failed or expired, return the error (no code). Only in the consenting browser.
   */
  async #complete(req: Request, res: Response): Promise<void> {
    const requestId = typeof req.query.request === 'string' ? req.query.request : '';
    const hash = requestId ? sha256(requestId) : '';
    const loaded = hash ? await this.#records.requests.get(hash) : undefined;
    if (!loaded) return this.#page(res, 400, 'Sign-in expired', 'This sign-in request is unknown, expired or already completed. Start again from your application.', 'request_expired');
    const pending = loaded.value;
    const browser = readCookie(req, this.#cookie('browser'));
    // Consent, Connect and completion must happen in one browser: a Connect link forwarded to
    // someone else must not hand their grants to the client that started the request.
    if (!browser || sha256(browser) !== pending.browser) {
      return this.#page(res, 400, 'Wrong browser', 'Finish signing in in the browser where you started it.', 'wrong_browser');
    }
    if (!pending.connectSessionId) return this.#page(res, 400, 'Not approved', 'This sign-in request was not approved yet.', 'not_approved');
    let result: Awaited<ReturnType<AlterVault['connect']['get']>>;
    try {
      result = await this.#vault.connect.get(pending.connectSessionId);
    } catch (err) {
      if (!(err instanceof ConnectSessionError)) throw err;
      await this.#records.requests.delete(hash);
      return this.#redirectToClient(res, pending, { error: 'access_denied', error_description: 'The sign-in session ended before it completed' });
    }
    // Connect appends `connect_session` and `error` when it sends a failed session back here; those
    // query parameters are only a hint. What counts is the session's stored status: an `error` on
    // a link whose session is still pending changes nothing.
    if (result.status === 'pending') return this.#page(res, 400, 'Not finished', 'Connect your accounts first, then come back.', 'connect_pending');
    if (result.status !== 'complete' || !result.user) {
      await this.#records.requests.delete(hash);
      const reason = result.error?.reason ?? (result.status === 'expired' ? 'expired' : null);
      this.#logger.info('auth: connect did not complete', { clientId: pending.clientId, status: result.status, reason });
      return this.#redirectToClient(res, pending, connectFailureError(reason));
    }
    const taken = await this.#records.requests.take(hash);
    if (!taken) return this.#page(res, 400, 'Already completed', 'This sign-in request was already completed. Start again from your application.', 'request_used');
    const user = result.user;

    await this.#records.consents.put(
      AuthRecords.consentKey(user, pending.clientId),
      { user, clientId: pending.clientId, redirectUri: pending.redirectUri, scopes: pending.scopes, at: new Date().toISOString() },
      // Never without an expiry: a consent that is not remembered is only a record of what the
      // tokens were granted for, so it lives as long as they can (then the sweeper removes it).
      inSeconds(this.#rememberConsentSec > 0 ? this.#rememberConsentSec : this.#refreshTtl),
    );
    if (this.#rememberConsentSec > 0) await this.#rememberConsent(req, res, user, pending.clientId, pending.redirectUri);
    await this.#signIn(res, user);

    const code = randomToken('alt_ac_');
    const record: CodeRecord = {
      clientId: pending.clientId,
      redirectUri: pending.redirectUri,
      codeChallenge: pending.codeChallenge,
      scopes: pending.scopes,
      resource: pending.resource,
      user,
      familyId: `${pairTag(user, pending.clientId)}.${randomId()}`,
      expiresAt: Date.now() + this.#codeTtl * 1000,
    };
    await this.#records.codes.put(sha256(code), record, new Date(record.expiresAt));
    this.#logger.info('auth: authorization code issued', { clientId: pending.clientId, user, providers: result.grants.map((g) => g.provider) });
    return this.#redirectToClient(res, pending, { code });
  }

  // ── helpers ────────────────────────────────────────────────────────────────────────────────

  async #issueTokens(client: OAuthClientInformationFull, familyId: string, family: FamilyRecord, scopes: readonly string[]): Promise<OAuthTokens> {
    const urls = this.#resolved();
    const { token } = await mintAccessToken(await this.#signingKey(), urls.issuer, {
      user: family.user,
      clientId: family.clientId,
      scopes,
      familyId,
      resource: family.resource,
      ttlSec: this.#accessTtl,
    });
    const tokens: OAuthTokens = { access_token: token, token_type: 'Bearer', expires_in: this.#accessTtl, scope: scopes.join(' ') };
    const grantTypes = client.grant_types ?? ['authorization_code', 'refresh_token'];
    if (grantTypes.includes('refresh_token')) {
      const refreshToken = randomToken('alt_rt_');
      await this.#records.refreshTokens.put(sha256(refreshToken), { familyId, clientId: family.clientId, spent: false }, inSeconds(this.#refreshTtl));
      tokens.refresh_token = refreshToken;
    }
    // A token issued is what "used" means for a registration's unused-expiry.
    await this.clientsStore.tokenIssued(client.client_id);
    return tokens;
  }

  /** A code that was already exchanged is being replayed: revoke the tokens it produced (OAuth 2.1 §4.1.3). */
  async #revokeIfReplayed(code: string): Promise<void> {
    const spent = await this.#records.spentCodes.get(sha256(code));
    if (spent) {
      await this.#records.revokeFamily(spent.value.familyId, 'authorization code replayed');
      this.#logger.warn('auth: authorization code replayed; the tokens it issued are revoked', { family: spent.value.familyId });
    }
  }

  #grantableScopes(requested: readonly string[] | undefined, clientScope: string | undefined): string[] {
    const asked = (requested ?? []).filter((s) => s !== '');
    const base = asked.length > 0 ? asked : (clientScope ?? '').split(' ').filter((s) => s !== '');
    if (base.length === 0) return [...this.#scopes];
    const unknown = base.filter((s) => !this.#scopes.includes(s));
    if (unknown.length > 0) throw new InvalidScopeError(`Unsupported scope: ${unknown.join(' ')} (supported: ${this.#scopes.join(' ')})`);
    return [...new Set(base)];
  }

  async #consentRemembered(req: Request, key: SigningKey, clientId: string, redirectUri: string): Promise<boolean> {
    if (this.#rememberConsentSec === 0) return false;
    const remembered = this.#readConsentCookie(req, key);
    if (!remembered?.c.includes(consentTag(clientId, redirectUri))) return false;
    const stored = await this.#records.consents.get(AuthRecords.consentKey(remembered.u, clientId));
    return stored !== undefined && stored.value.redirectUri === redirectUri;
  }

  async #rememberConsent(req: Request, res: Response, user: string, clientId: string, redirectUri: string): Promise<void> {
    const key = await this.#signingKey();
    const current = this.#readConsentCookie(req, key);
    const tags = current && current.u === user ? current.c.filter((t) => t !== consentTag(clientId, redirectUri)) : [];
    const value = { u: user, c: [consentTag(clientId, redirectUri), ...tags].slice(0, 20) };
    setCookie(res, this.#cookie('consent'), sign(key.cookieKey, Buffer.from(JSON.stringify(value)).toString('base64url')), {
      secure: this.#resolved().secure,
      maxAgeSec: this.#rememberConsentSec,
    });
  }

  /** Marks this browser as signed in as `user` (a signed, expiring cookie; see {@link signedInUser}). */
  async #signIn(res: Response, user: string): Promise<void> {
    const key = await this.#signingKey();
    const value = Buffer.from(JSON.stringify({ u: user, e: Date.now() + this.#signedInSec * 1000 })).toString('base64url');
    setCookie(res, this.#cookie('user'), sign(key.cookieKey, value), { secure: this.#resolved().secure, maxAgeSec: this.#signedInSec });
  }

  #readConsentCookie(req: Request, key: SigningKey): { u: string; c: string[] } | undefined {
    const raw = readCookie(req, this.#cookie('consent'));
    const value = raw ? unsign(key.cookieKey, raw) : undefined;
    if (!value) return undefined;
    try {
      const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as { u?: unknown; c?: unknown };
      if (typeof parsed.u !== 'string' || !Array.isArray(parsed.c)) return undefined;
      return { u: parsed.u, c: parsed.c.filter((t): t is string => typeof t === 'string') };
    } catch {
      return undefined;
    }
  }

  #redirectToClient(res: Response, pending: PendingAuthorization, params: Record<string, string>): void {
    const target = new URL(pending.redirectUri);
    for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
    if (pending.state !== undefined) target.searchParams.set('state', pending.state);
    target.searchParams.set('iss', this.#resolved().issuer);
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(302, target.href);
  }

  #page(res: Response, status: number, title: string, message: string, code: string): void {
    setPageHeaders(res);
    res.status(status).type('html').send(renderMessagePage(title, message, code));
  }

  #route(fn: (req: Request, res: Response, next: NextFunction) => Promise<void>): RequestHandler {
    return (req, res, next) => {
      fn(req, res, next).catch((err: unknown) => {
        this.#logger.error('auth: request failed', { path: req.path, error: err instanceof Error ? err.name : 'error', code: (err as { code?: unknown })?.code ?? null });
        if (res.headersSent) return;
        const error = err instanceof ServerError ? err : new ServerError('Internal Server Error');
        res.status(500).json(error.toResponseObject());
      });
    };
  }

  #cookie(name: 'browser' | 'consent' | 'user'): string {
    return cookieName(`alter_auth_${name}`, this.#resolved().secure);
  }

  #serverName(): string {
    return this.#options.serverName ?? new URL(this.#resolved().resource).host;
  }

  #signingKey(): Promise<SigningKey> {
    if (!this.#key) {
      this.#key = this.#vault
        .ready()
        .then(() =>
          loadSigningKey({ store: this.#vault.store, seal: (plain) => this.#vault.sealSecret(plain), open: (sealed) => this.#vault.openSecret(sealed) }),
        );
      // A failed load (store briefly down) is retried on the next request rather than cached.
      this.#key.catch(() => {
        this.#key = undefined;
      });
    }
    return this.#key;
  }

  #resolved(): ResolvedUrls {
    if (!this.#urls) {
      throw new VaultConfigError('AlterAuthProvider has no public URL yet: pass options.baseUrl, or install it (serveHttp does) before use.');
    }
    return this.#urls;
  }
}

/** The test-only DNS resolver, when one was passed under the internal symbol. */
function resolveHostOption(options: AlterAuthProviderOptions): { resolve?: ResolveHost } {
  const resolve = (options as AlterAuthProviderOptions & InternalAuthProviderOptions)[RESOLVE_HOST];
  return typeof resolve === 'function' ? { resolve } : {};
}

function resolveUrls(baseUrl: string, argument: string): ResolvedUrls {
  if (typeof baseUrl !== 'string' || !URL.canParse(baseUrl)) throw new InvalidArgumentError(argument, `"${String(baseUrl)}" is not an absolute URL.`);
  const url = new URL(baseUrl);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new InvalidArgumentError(argument, 'must be https (plain http is allowed on localhost/127.0.0.1 for development).');
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new InvalidArgumentError(argument, 'must not have a query, fragment or credentials.');
  }
  const resource = url.href;
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  const prmPath = `/.well-known/oauth-protected-resource${path}`;
  return { resource, issuer: url.origin, secure: url.protocol === 'https:', prmPath, prmUrl: `${url.origin}${prmPath}` };
}

/** Resource identifiers compare as strings, ignoring a fragment and one trailing slash (as the SDK does). */
function sameResource(a: string, b: string): boolean {
  const norm = (v: string) => (v.includes('#') ? v.slice(0, v.indexOf('#')) : v).replace(/\/$/, '');
  return norm(a) === norm(b);
}

/** Adds `iss` (RFC 9207) and the request's `state` to an error redirect that lacks them; other redirects pass unchanged. */
function completeErrorRedirect(location: string, issuer: string, state: string | undefined): string {
  if (!URL.canParse(location)) return location;
  const url = new URL(location);
  if (!url.searchParams.has('error')) return location;
  if (state !== undefined && !url.searchParams.has('state')) url.searchParams.set('state', state);
  if (!url.searchParams.has('iss')) url.searchParams.set('iss', issuer);
  return url.href;
}

/**
 * The RFC 6749 §4.1.2.1 error for a Connect session that failed: the provider failing is
 * `server_error` (nothing the user did), everything else — denied consent, an expired session, an
 * invalid provider response — is `access_denied`. The description is ours, never the provider's text.
 */
function connectFailureError(reason: string | null): { error: string; error_description: string } {
  switch (reason) {
    case 'provider_error':
      return { error: 'server_error', error_description: 'A provider could not complete the sign-in' };
    case 'denied':
      return { error: 'access_denied', error_description: 'The user denied access at a provider' };
    case 'expired':
      return { error: 'access_denied', error_description: 'The sign-in expired before it was completed' };
    default:
      return { error: 'access_denied', error_description: 'The user did not connect the required accounts' };
  }
}

/** Prefix of a family id: groups one user's authorizations of one client (not secret, not reversible). */
function pairTag(user: string, clientId: string): string {
  return sha256(`${user}\n${clientId}`).slice(0, 16);
}

function consentTag(clientId: string, redirectUri: string): string {
  return sha256(`${clientId}\n${redirectUri}`).slice(0, 22);
}

function inSeconds(sec: number): Date {
  return new Date(Date.now() + sec * 1000);
}

function positiveInt(argument: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError(argument, 'must be a positive integer (seconds).');
  return value;
}

function validateScopes(argument: string, scopes: readonly string[]): readonly string[] {
  if (!Array.isArray(scopes)) throw new InvalidArgumentError(argument, 'must be an array of scope strings.');
  for (const s of scopes) {
    if (typeof s !== 'string' || !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s)) throw new InvalidArgumentError(argument, `"${String(s)}" is not a valid scope token.`);
  }
  return Object.freeze([...new Set(scopes)]);
}

function validateProviders(vault: AlterVault, providers: Readonly<Record<string, readonly string[]>> | undefined): Readonly<Record<string, readonly string[]>> {
  if (!providers || typeof providers !== 'object' || Array.isArray(providers)) {
    throw new InvalidArgumentError('options.providers', 'must be { <provider id>: [scopes] }, e.g. { google: ["openid"], github: ["repo"] }.');
  }
  const ids = Object.keys(providers);
  if (ids.length === 0) throw new InvalidArgumentError('options.providers', 'must name at least one provider (its login identifies the user).');
  const known = vault.providerIds;
  const out: Record<string, readonly string[]> = {};
  for (const id of ids) {
    if (!known.includes(id)) {
      throw new VaultConfigError(`AlterAuthProvider: provider "${id}" is not configured in the vault (known: ${known.join(', ') || 'none'}). Add it to new AlterVault({ providers }).`);
    }
    const scopes = providers[id];
    if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string' || s === '')) {
      throw new InvalidArgumentError(`options.providers.${id}`, 'must be an array of non-empty scope strings.');
    }
    out[id] = Object.freeze(normalizeProviderScopes(vault.provider(id), scopes, `options.providers.${id}`));
  }
  return Object.freeze(out);
}
