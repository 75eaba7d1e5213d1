/**
 * `AlterAuthProvider`: an OAuth 2.1 authorization server for multi-user MCP servers, on the vault
 * store, depending on no MCP SDK: it works the same behind an SDK v1 (`@modelcontextprotocol/sdk`)
 * or v2 (`@modelcontextprotocol/server`) server, because the bearer check only sets `req.auth`,
 * which both generations' Streamable HTTP transports pass to tool handlers.
 *
 * The pieces, one concept per file:
 * - auth-provider-options.ts — options, validated once; the URLs derived from `baseUrl`;
 * - authorize-flow.ts — the browser sign-in: `/authorize` → consent → ONE Connect session →
 *   completion → the client's redirect URI with `code`, `state` and `iss` (RFC 9207);
 * - browser-session.ts — the cookies: browser binding, remembered consent, signed-in user;
 * - token-service.ts — codes, tokens (PKCE S256, rotation, reuse detection), revocation;
 * - token-endpoint.ts, revocation-endpoint.ts, client-authentication.ts — `/token`, `/revoke`;
 * - registration-endpoint.ts + client-metadata.ts + redirect-uri.ts — `/register` (RFC 7591,
 *   `application_type`, native redirect URIs), shared with Client ID Metadata Documents;
 * - metadata-endpoints.ts — RFC 8414 / RFC 9728 documents and the JWKS;
 * - bearer-guard.ts — the MCP endpoint's bearer check.
 * This file wires them and mounts the routes.
 */
import type { IncomingMessage } from 'node:http';
import express from 'express';
import type { Express, RequestHandler } from 'express';
import { type AlterVault, InvalidArgumentError, VaultConfigError } from '@alter/vault';
import { isLoopbackHost } from '@alter/vault/internal';
import type { HttpAuthPlugin, HttpAuthPluginInstallOptions } from '../http-auth-plugin.js';
import { AlterClientsStore } from './alter-clients-store.js';
import {
  type AlterAuthProviderOptions,
  type ResolvedAuthProviderOptions,
  type ResolvedUrls,
  resolveAuthProviderOptions,
  resolveUrls,
} from './auth-provider-options.js';
import { AuthRecords } from './auth-records.js';
import { AUTHORIZE_PATHS, AuthorizeFlow } from './authorize-flow.js';
import { bearerGuard } from './bearer-guard.js';
import { BrowserSession } from './browser-session.js';
import { errorPageHandler } from './error-page.js';
import { FORM_LIMIT, allowAnyOrigin, allowMethods, formBody, oauthRoute } from './internal/oauth-http.js';
import {
  ENDPOINT_PATHS,
  authorizationServerMetadata,
  jsonDocument,
  jwksDocument,
  protectedResourceMetadata,
} from './metadata-endpoints.js';
import type { AuthInfo, AuthorizationServerMetadata, ProtectedResourceMetadata } from './oauth-types.js';
import { type RateLimit, rateLimitByClientAddress } from './rate-limiter.js';
import { registrationBodyParser } from './registration-body.js';
import { handleRegistrationRequest } from './registration-endpoint.js';
import { handleRevocationRequest } from './revocation-endpoint.js';
import { type SigningKey, loadSigningKey } from './signing-key.js';
import { handleTokenRequest } from './token-endpoint.js';
import { TokenService } from './token-service.js';

export type { AlterAuthProviderOptions, EndpointRateLimitOptions } from './auth-provider-options.js';

/** The user a request's token acts for (`req.auth.extra.user`), or undefined. */
export function authUser(auth: Pick<AuthInfo, 'extra'> | undefined): string | undefined {
  const user = auth?.extra?.user;
  return typeof user === 'string' ? user : undefined;
}

/**
 * An OAuth 2.1 authorization server whose sign-in connects every declared provider in one trip.
 * Mount it with `serveHttp(server, { auth })`, or yourself with {@link install} on an express app.
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
export class AlterAuthProvider implements HttpAuthPlugin {
  readonly #vault: AlterVault;
  readonly #options: ResolvedAuthProviderOptions;
  readonly #records: AuthRecords;
  readonly #tokens: TokenService;
  readonly #browser: BrowserSession;
  readonly #flow: AuthorizeFlow;
  #clients: AlterClientsStore | undefined;
  #urls: ResolvedUrls | undefined;
  #key: Promise<SigningKey> | undefined;

  constructor(vault: AlterVault, options: AlterAuthProviderOptions) {
    if (!vault || typeof vault !== 'object' || !('store' in vault)) throw new InvalidArgumentError('vault', 'must be an AlterVault.');
    this.#vault = vault;
    this.#options = resolveAuthProviderOptions(vault, options);
    this.#records = new AuthRecords(vault.store, () => vault.ready());
    if (options.baseUrl !== undefined) this.#urls = resolveUrls(options.baseUrl, 'options.baseUrl');
    const shared = { records: this.#records, options: this.#options, urls: () => this.#resolved(), signingKey: () => this.#signingKey() };
    this.#tokens = new TokenService({ ...shared, logger: this.#options.logger, clients: () => this.clientsStore });
    this.#browser = new BrowserSession(shared);
    this.#flow = new AuthorizeFlow({ ...shared, vault, browser: this.#browser, tokens: this.#tokens, clients: () => this.clientsStore });
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
      const options = this.#options;
      this.#clients = new AlterClientsStore({
        records: this.#records,
        supportedScopes: options.scopes,
        allowLoopbackClientIds: options.allowLoopbackClientIds ?? isLoopbackHost(new URL(urls.resource).hostname),
        registrationLimits: options.limits.registration,
        documentLimits: options.limits.clientDocuments,
        unusedClientTtlSec: options.unusedClientTtlSec,
        ...(options.resolveHost ? { resolve: options.resolveHost } : {}),
        seal: (plain) => this.#vault.sealSecret(plain),
        open: (sealed) => this.#vault.openSecret(sealed),
        logger: options.logger,
      });
    }
    return this.#clients;
  }

  /** RFC 8414 authorization-server metadata (issuer exact, no trailing slash; RFC 9207 `iss` advertised). */
  get authorizationServerMetadata(): AuthorizationServerMetadata {
    return authorizationServerMetadata(this.#resolved(), this.#options, AUTHORIZE_PATHS.authorize);
  }

  /** RFC 9728 protected-resource metadata of the MCP endpoint. */
  get protectedResourceMetadata(): ProtectedResourceMetadata {
    return protectedResourceMetadata(this.#resolved(), this.#options);
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
      if (!options?.baseUrl)
        throw new VaultConfigError(
          'AlterAuthProvider needs its public URL: pass options.baseUrl (the MCP endpoint URL, e.g. "https://mcp.example.com/mcp").',
        );
      this.#urls = resolveUrls(new URL(options.mcpPath || '/mcp', options.baseUrl).href, 'install options.baseUrl');
    }
    const urls = this.#urls;
    const { limits, logger } = this.#options;
    const limited = (limit: RateLimit | false, endpoint: string): RequestHandler[] =>
      limit ? [rateLimitByClientAddress(limit, endpoint)] : [];
    const documentMethods = ['GET', 'HEAD'];

    app.use(
      ENDPOINT_PATHS.asMetadata,
      allowAnyOrigin(documentMethods),
      allowMethods(documentMethods),
      jsonDocument(this.authorizationServerMetadata),
    );
    app.use(urls.prmPath, allowAnyOrigin(documentMethods), allowMethods(documentMethods), jsonDocument(this.protectedResourceMetadata));
    app.use(
      ENDPOINT_PATHS.jwks,
      allowAnyOrigin(documentMethods),
      allowMethods(documentMethods),
      jwksDocument(() => this.#signingKey()),
    );

    // The browser flow. Cookies, so no CORS. Authorize is counted before the client is looked up
    // (which may fetch its metadata document).
    app.post(
      AUTHORIZE_PATHS.consent,
      express.urlencoded({ extended: false, limit: FORM_LIMIT }),
      oauthRoute(logger, (req, res) => this.#flow.consent(req, res)),
    );
    app.get(
      AUTHORIZE_PATHS.complete,
      oauthRoute(logger, (req, res) => this.#flow.complete(req, res)),
    );
    app.all(
      AUTHORIZE_PATHS.authorize,
      allowMethods(['GET', 'POST']),
      ...limited(limits.authorize, '/authorize'),
      formBody(),
      oauthRoute(logger, (req, res) => this.#flow.authorize(req, res)),
    );

    // Endpoints clients call directly: any origin may (no cookies are read).
    app.use(
      ENDPOINT_PATHS.token,
      allowAnyOrigin(['POST']),
      allowMethods(['POST']),
      ...limited(this.#options.tokenLimit, '/token'),
      formBody(),
      oauthRoute(logger, (req, res) => handleTokenRequest(req, res, this.clientsStore, this.#tokens)),
    );
    app.use(
      ENDPOINT_PATHS.register,
      allowAnyOrigin(['POST']),
      allowMethods(['POST']),
      ...limited(limits.register, '/register'),
      registrationBodyParser(limits.registration.maxBodyBytes),
      oauthRoute(logger, (req, res) => handleRegistrationRequest(req, res, this.clientsStore)),
    );
    app.use(
      ENDPOINT_PATHS.revoke,
      allowAnyOrigin(['POST']),
      allowMethods(['POST']),
      ...limited(this.#options.revokeLimit, '/revoke'),
      formBody(),
      oauthRoute(logger, (req, res) => handleRevocationRequest(req, res, this.clientsStore, this.#tokens)),
    );

    // Tool Connect links naming a user open only in a browser signed in here as that user.
    // Every user this server signs in is `<first provider>:<subject>` (Connect names them so), which
    // scopes the check to them when the vault also backs a server without sign-in.
    const firstProvider = this.#options.identityProvider;
    this.#vault.connect.useBrowserUser((req) => this.signedInUser(req), { appliesTo: (user) => user.startsWith(`${firstProvider}:`) });
    // Errors of these routes (a body that does not parse, …) get our page, never express's
    // stack trace. Scoped to our paths: the app's other routes keep their own handling.
    app.use([...Object.values(ENDPOINT_PATHS), ...Object.values(AUTHORIZE_PATHS), urls.prmPath], errorPageHandler(logger));
    return this.bearerMiddleware();
  }

  /** The bearer middleware alone (for apps that mount the routes themselves). */
  bearerMiddleware(): RequestHandler {
    const urls = this.#resolved();
    return bearerGuard({
      verify: (token) => this.verifyAccessToken(token),
      requiredScopes: this.#options.requiredScopes,
      resourceMetadataUrl: urls.prmUrl,
      resource: urls.resource,
      logger: this.#options.logger,
    });
  }

  /**
   * Verifies an access token: signature, `typ`, issuer, audience (this resource), expiry, and that
   * its authorization is still active. Returns what the bearer check puts in `req.auth`.
   * @throws InvalidTokenError (`error: 'invalid_token'`).
   */
  verifyAccessToken(token: string): Promise<AuthInfo> {
    return this.#tokens.verifyAccessToken(token);
  }

  /** Revokes every authorization a user gave a client (they must sign in again). Returns how many. */
  revokeUserClient(user: string, clientId: string): Promise<number> {
    return this.#tokens.revokeUserClient(user, clientId);
  }

  /**
   * The user this browser is signed in as (the signed cookie a completed authorization sets), or
   * undefined. Connect calls it for tool links (installed by {@link install}).
   */
  signedInUser(req: Pick<IncomingMessage, 'headers'>): Promise<string | undefined> {
    return this.#browser.signedInUser(req);
  }

  /** A secret-free view for logs. */
  toJSON(): Record<string, unknown> {
    return {
      issuer: this.#urls?.issuer,
      resource: this.#urls?.resource,
      providers: Object.keys(this.#options.providers),
      scopes: this.#options.scopes,
    };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `AlterAuthProvider ${JSON.stringify(this.toJSON())}`;
  }

  #signingKey(): Promise<SigningKey> {
    if (!this.#key) {
      this.#key = this.#vault.ready().then(() =>
        loadSigningKey({
          store: this.#vault.store,
          seal: (plain) => this.#vault.sealSecret(plain),
          open: (sealed) => this.#vault.openSecret(sealed),
        }),
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
      throw new VaultConfigError(
        'AlterAuthProvider has no public URL yet: pass options.baseUrl, or install it (serveHttp does) before use.',
      );
    }
    return this.#urls;
  }
}
