/**
 * The browser side of a sign-in: `/authorize` → consent page → ONE Connect session → completion
 * → the client's redirect URI with a code.
 *
 *   GET|POST /authorize ──(client, redirect URI bad: 400 here, never redirected)
 *        │ (other errors: redirected with error, state, iss)
 *        ▼
 *   consent page ──deny──▶ redirect: error=access_denied
 *        │ approve (or remembered in this browser for this client, redirect URI and every scope asked)
 *        ▼
 *   Connect (bound to this browser) ──▶ GET /authorize/complete
 *        │ session complete                     │ failed / expired
 *        │   (remembered consent of another      ▼
 *        │    user: the consent page again)   redirect: error, state, iss
 *        ▼
 *   redirect: code, state, iss
 *
 * Every authorization response carries `iss` (RFC 9207), success or error. Consent, Connect and
 * completion must happen in one browser (the browser cookie): a Connect link forwarded to
 * someone else stops at "wrong browser" and issues nothing.
 */
import type { Request, Response } from 'express';
import { type AlterVault, ConnectSessionError } from '@alter/vault';
import type { AlterClientsStore } from './alter-clients-store.js';
import { AuthRecords, type PendingAuthorization } from './auth-records.js';
import type { ResolvedAuthProviderOptions, ResolvedUrls } from './auth-provider-options.js';
import type { BrowserSession } from './browser-session.js';
import { ClientDocumentFetchLimitError } from './client-document-loader.js';
import { renderConsentPage, renderMessagePage, setPageHeaders } from './consent-page.js';
import { randomToken, safeEqual, sha256 } from './internal/crypto.js';
import {
  InvalidClientError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidTargetError,
  OAuthWireError,
  ServerError,
  UnsupportedResponseTypeError,
} from './internal/oauth-errors.js';
import { stringParams } from './internal/oauth-http.js';
import type { OAuthClient } from './oauth-types.js';
import { redirectUriMatches } from './redirect-uri.js';
import { checkResourceIndicator } from './resource-indicator.js';
import { type TokenService, sameResource } from './token-service.js';

/** Paths of the flow, under the issuer. */
export const AUTHORIZE_PATHS = Object.freeze({ authorize: '/authorize', consent: '/authorize/consent', complete: '/authorize/complete' });

const PENDING_TTL_SEC = 15 * 60;
/** RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export interface AuthorizeFlowDeps {
  readonly vault: AlterVault;
  readonly records: AuthRecords;
  readonly options: ResolvedAuthProviderOptions;
  readonly browser: BrowserSession;
  readonly tokens: TokenService;
  urls(): ResolvedUrls;
  clients(): AlterClientsStore;
}

/** The client's redirect target of one authorization request. */
interface Destination {
  readonly redirectUri: string;
  readonly state: string | undefined;
}

/** The HTTP steps of a browser sign-in. */
export class AuthorizeFlow {
  readonly #deps: AuthorizeFlowDeps;

  constructor(deps: AuthorizeFlowDeps) {
    this.#deps = deps;
  }

  /**
   * GET|POST /authorize. First the client and the redirect URI (errors answered here as JSON:
   * never redirect to a URI that is not the client's); then PKCE S256, `response_type`,
   * `resource` and scopes (errors redirected to the client with `state` and `iss`); then the
   * consent page, or Connect when this user already approved this client in this browser.
   */
  async authorize(req: Request, res: Response): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    const params = stringParams(req.method === 'POST' ? req.body : req.query);
    const destination = await this.#destination(params, res);
    if (!destination) return;
    const { client, redirectUri, state } = destination;
    try {
      await this.#authorizeValid(req, res, client, params, { redirectUri, state });
    } catch (err) {
      if (!(err instanceof OAuthWireError))
        this.#deps.options.logger.error('auth: authorize failed', {
          clientId: client.client_id,
          error: err instanceof Error ? err.name : 'error',
        });
      const wire = err instanceof OAuthWireError ? err : new ServerError('Internal Server Error');
      this.#redirect(res, { redirectUri, state }, { error: wire.error, error_description: wire.message });
    }
  }

  /** POST /authorize/consent: the user approved or denied on the consent page. */
  async consent(req: Request, res: Response): Promise<void> {
    const body = stringParams(req.body);
    const requestId = body.request ?? '';
    const loaded = requestId ? await this.#deps.records.requests.get(sha256(requestId)) : undefined;
    if (!loaded)
      return page(
        res,
        400,
        'Sign-in expired',
        'This sign-in request is unknown or expired. Start again from your application.',
        'request_expired',
      );
    const pending = loaded.value;
    const expected = await this.#deps.browser.expectedCsrf(req, requestId);
    if (this.#deps.browser.browserHash(req) !== pending.browser || !expected || !safeEqual(body.csrf ?? '', expected)) {
      return page(
        res,
        403,
        'Request refused',
        'The form did not come from this sign-in (missing or wrong CSRF token). Start again from your application.',
        'csrf',
      );
    }
    if (pending.connectSessionId)
      return page(
        res,
        400,
        'Already answered',
        'This sign-in request was already answered. Start again from your application.',
        'request_used',
      );
    if (body.decision !== 'approve') {
      await this.#deps.records.requests.delete(sha256(requestId));
      this.#deps.options.logger.info('auth: consent denied', { clientId: pending.clientId });
      return this.#redirect(res, pending, { error: 'access_denied', error_description: 'The user denied the request' });
    }
    return this.#startConnect(requestId, res);
  }

  /**
   * GET /authorize/complete: Connect is done. Issue the code and return to the client — or, when
   * the Connect session failed or expired, return the error (no code). Only in the consenting browser.
   */
  async complete(req: Request, res: Response): Promise<void> {
    const { records, options, browser } = this.#deps;
    const requestId = typeof req.query.request === 'string' ? req.query.request : '';
    const hash = requestId ? sha256(requestId) : '';
    const loaded = hash ? await records.requests.get(hash) : undefined;
    if (!loaded)
      return page(
        res,
        400,
        'Sign-in expired',
        'This sign-in request is unknown, expired or already completed. Start again from your application.',
        'request_expired',
      );
    const pending = loaded.value;
    // Consent, Connect and completion must happen in one browser: a Connect link forwarded to
    // someone else must not hand their grants to the client that started the request.
    if (browser.browserHash(req) !== pending.browser) {
      return page(res, 400, 'Wrong browser', 'Finish signing in in the browser where you started it.', 'wrong_browser');
    }
    if (!pending.connectSessionId) return page(res, 400, 'Not approved', 'This sign-in request was not approved yet.', 'not_approved');
    let result: Awaited<ReturnType<AlterVault['connect']['get']>>;
    try {
      result = await this.#deps.vault.connect.get(pending.connectSessionId);
    } catch (err) {
      if (!(err instanceof ConnectSessionError)) throw err;
      await records.requests.delete(hash);
      return this.#redirect(res, pending, { error: 'access_denied', error_description: 'The sign-in session ended before it completed' });
    }
    // Connect appends `connect_session` and `error` when it sends a failed session back here; those
    // query parameters are only a hint. What counts is the session's stored status: an `error` on
    // a link whose session is still pending changes nothing.
    if (result.status === 'pending')
      return page(res, 400, 'Not finished', 'Connect your accounts first, then come back.', 'connect_pending');
    if (result.status !== 'complete' || !result.user) {
      await records.requests.delete(hash);
      const reason = result.error?.reason ?? (result.status === 'expired' ? 'expired' : null);
      options.logger.info('auth: connect did not complete', { clientId: pending.clientId, status: result.status, reason });
      return this.#redirect(res, pending, connectFailureError(reason));
    }
    const taken = await records.requests.take(hash);
    if (!taken)
      return page(
        res,
        400,
        'Already completed',
        'This sign-in request was already completed. Start again from your application.',
        'request_used',
      );
    const user = result.user;
    if (taken.rememberedConsentOf !== undefined && taken.rememberedConsentOf !== user) {
      // The page was skipped on another user's approval in this browser: this user has approved
      // nothing yet. Ask them (a new request, whose approval opens a new Connect session).
      options.logger.info('auth: remembered consent belongs to another user; asking this user', { clientId: pending.clientId });
      const client = await this.#deps.clients().getClient(taken.clientId);
      if (!client)
        return page(res, 400, 'Unknown application', 'This application is no longer registered. Start again from it.', 'client_unknown');
      return this.#showConsentPage(res, client, browser.ensureBrowserId(req, res), unanswered(taken));
    }

    const consentKey = AuthRecords.consentKey(user, pending.clientId);
    const previous = await records.consents.get(consentKey);
    // What this user approved for this client and redirect URI before still stands: remembered
    // consent covers every scope they approved, not only the latest request's.
    const approved =
      previous?.value.redirectUri === pending.redirectUri ? [...new Set([...previous.value.scopes, ...pending.scopes])] : pending.scopes;
    await records.consents.put(
      consentKey,
      { user, clientId: pending.clientId, redirectUri: pending.redirectUri, scopes: approved, at: new Date().toISOString() },
      // Never without an expiry: a consent that is not remembered is only a record of what the
      // tokens were granted for, so it lives as long as they can (then the sweeper removes it).
      inSeconds(options.rememberConsentSec > 0 ? options.rememberConsentSec : options.refreshTokenTtlSec),
    );
    if (options.rememberConsentSec > 0) await browser.rememberConsent(req, res, user, pending.clientId, pending.redirectUri);
    await browser.signIn(res, user);
    const code = await this.#deps.tokens.issueCode(pending, user);
    options.logger.info('auth: authorization code issued', {
      clientId: pending.clientId,
      user,
      providers: result.grants.map((g) => g.provider),
    });
    return this.#redirect(res, pending, { code });
  }

  /**
   * The client and where to send the answer, or undefined once an error was answered directly
   * (unknown client, unregistered redirect URI, a document fetch limit).
   */
  async #destination(
    params: Readonly<Record<string, string>>,
    res: Response,
  ): Promise<(Destination & { client: OAuthClient }) | undefined> {
    try {
      if (!params.client_id) throw new InvalidRequestError('client_id is required');
      let client: OAuthClient | undefined;
      try {
        client = await this.#deps.clients().getClient(params.client_id);
      } catch (err) {
        if (!(err instanceof ClientDocumentFetchLimitError)) throw err;
        res.setHeader('Retry-After', String(err.retryAfterSec));
        throw err;
      }
      if (!client) throw new InvalidClientError('Invalid client_id');
      let redirectUri = params.redirect_uri;
      if (redirectUri === undefined) {
        if (client.redirect_uris.length !== 1) throw new InvalidRequestError('redirect_uri is required: this client registered several');
        redirectUri = client.redirect_uris[0]!;
      } else if (!redirectUriMatches(redirectUri, client.redirect_uris, client.application_type)) {
        throw new InvalidRequestError(
          client.application_type === 'native'
            ? 'Unregistered redirect_uri (it must match a registered one exactly; a loopback one on any port)'
            : 'Unregistered redirect_uri (it must match a registered one exactly)',
        );
      }
      return { client, redirectUri, state: params.state };
    } catch (err) {
      if (!(err instanceof OAuthWireError)) throw err;
      res.status(err.status).json(err.toResponseObject());
      return undefined;
    }
  }

  /** The checks whose failures are redirected, then consent or Connect. */
  async #authorizeValid(
    req: Request,
    res: Response,
    client: OAuthClient,
    params: Readonly<Record<string, string>>,
    destination: Destination,
  ): Promise<void> {
    const urls = this.#deps.urls();
    if (params.response_type === undefined) throw new InvalidRequestError('response_type is required (code)');
    if (params.response_type !== 'code')
      throw new UnsupportedResponseTypeError(`response_type "${params.response_type}" is not supported (use code)`);
    if (params.code_challenge === undefined) throw new InvalidRequestError('code_challenge is required (PKCE with S256)');
    if (params.code_challenge_method !== 'S256') throw new InvalidRequestError('code_challenge_method must be S256');
    if (!S256_CHALLENGE.test(params.code_challenge))
      throw new InvalidRequestError('code_challenge must be the 43-character base64url S256 challenge');
    if (params.resource !== undefined) {
      checkResourceIndicator(params.resource);
      if (!sameResource(params.resource, urls.resource))
        throw new InvalidTargetError(`This server only issues tokens for the resource ${urls.resource}`);
    }
    const scopes = this.#grantableScopes(params.scope, client.scope);

    const browser = this.#deps.browser.ensureBrowserId(req, res);
    const rememberedFor = await this.#deps.browser.rememberedConsentUser(req, client.client_id, destination.redirectUri, scopes);
    const pending: PendingAuthorization = {
      clientId: client.client_id,
      redirectUri: destination.redirectUri,
      codeChallenge: params.code_challenge,
      ...(destination.state !== undefined ? { state: destination.state } : {}),
      scopes,
      resource: urls.resource,
      browser: sha256(browser),
      ...(rememberedFor !== undefined ? { rememberedConsentOf: rememberedFor } : {}),
      createdAt: new Date().toISOString(),
    };
    if (rememberedFor !== undefined) {
      this.#deps.options.logger.debug('auth: consent remembered, starting Connect', { clientId: client.client_id });
      return this.#startConnect(await this.#storeRequest(pending), res);
    }
    return this.#showConsentPage(res, client, browser, pending);
  }

  /** Stores a pending request; returns its id (the store keeps only its hash). */
  async #storeRequest(pending: PendingAuthorization): Promise<string> {
    const requestId = randomToken('', 24);
    await this.#deps.records.requests.put(sha256(requestId), pending, inSeconds(PENDING_TTL_SEC));
    return requestId;
  }

  /** Stores `pending` as a new request and answers with its consent page (`browser`: this browser's id). */
  async #showConsentPage(res: Response, client: OAuthClient, browser: string, pending: PendingAuthorization): Promise<void> {
    const urls = this.#deps.urls();
    const requestId = await this.#storeRequest(pending);
    setPageHeaders(res);
    res
      .status(200)
      .type('html')
      .send(
        renderConsentPage({
          action: `${urls.issuer}${AUTHORIZE_PATHS.consent}`,
          requestId,
          csrf: await this.#deps.browser.csrfToken(requestId, browser),
          clientName: client.client_name,
          clientId: client.client_id,
          clientUri: client.client_uri,
          redirectUri: pending.redirectUri,
          scopes: pending.scopes,
          providers: this.#deps.options.providers,
          serverName: this.#deps.options.serverName ?? new URL(urls.resource).host,
        }),
      );
  }

  /** Opens ONE Connect session carrying every declared provider's scopes, and sends the browser there. */
  async #startConnect(requestId: string, res: Response): Promise<void> {
    const urls = this.#deps.urls();
    const hash = sha256(requestId);
    const session = await this.#deps.vault.connect.createSession({
      providers: this.#deps.options.providers,
      returnTo: `${urls.issuer}${AUTHORIZE_PATHS.complete}?request=${encodeURIComponent(requestId)}`,
      ttlSec: PENDING_TTL_SEC,
      // Bound to THIS browser (the one that consented): a forwarded Connect link, or a forwarded
      // provider URL, stops at "wrong browser" anywhere else and never issues a code.
      bind: 'cookie',
    });
    if (!session.bindingCookie || new URL(session.url).hostname !== new URL(urls.issuer).hostname) {
      // Cookies travel per host: Connect on another host could never see the binding cookie.
      this.#deps.options.logger.error(
        'auth: Connect is served on another host than the authorization server; sign-in cannot be bound to the browser',
        {
          connect: new URL(session.url).host,
          issuer: new URL(urls.issuer).host,
        },
      );
      return page(
        res,
        500,
        'Server misconfigured',
        'Connect must be served on the same host as this server (mount vault.connect.handler() on it). Tell the operator.',
        'connect_host',
      );
    }
    const current = await this.#deps.records.requests.get(hash);
    if (!current || current.value.connectSessionId) {
      return page(
        res,
        400,
        'Already answered',
        'This sign-in request was already answered. Start again from your application.',
        'request_used',
      );
    }
    if (
      !(await this.#deps.records.requests.compareAndSet(
        hash,
        current.version,
        { ...current.value, connectSessionId: session.id },
        current.expiresAt,
      ))
    ) {
      return page(
        res,
        400,
        'Already answered',
        'This sign-in request was already answered. Start again from your application.',
        'request_used',
      );
    }
    res.append('Set-Cookie', session.bindingCookie);
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(302, session.url);
  }

  /**
   * Scopes a request may be granted: asked for, else the client's registered ones, else every
   * supported one. A scope this server does not support, or — when the client registered `scope`
   * (RFC 7591 §2: the scopes it may ask for) — one outside it, is refused (`invalid_scope`).
   */
  #grantableScopes(requested: string | undefined, clientScope: string | undefined): string[] {
    const supported = this.#deps.options.scopes;
    const registered = (clientScope ?? '').split(' ').filter((s) => s !== '');
    const asked = (requested ?? '').split(' ').filter((s) => s !== '');
    const base = asked.length > 0 ? asked : registered;
    if (base.length === 0) return [...supported];
    const unknown = base.filter((s) => !supported.includes(s));
    if (unknown.length > 0) throw new InvalidScopeError(`Unsupported scope: ${unknown.join(' ')} (supported: ${supported.join(' ')})`);
    const unregistered = registered.length > 0 ? base.filter((s) => !registered.includes(s)) : [];
    if (unregistered.length > 0)
      throw new InvalidScopeError(`Scope not registered by this client: ${unregistered.join(' ')} (registered: ${registered.join(' ')})`);
    return [...new Set(base)];
  }

  /**
   * The authorization response (RFC 6749 §4.1.2): `params`, the request's `state` unchanged, and
   * `iss` (RFC 9207) — on success and on every error — so a client can tell which server answered.
   */
  #redirect(res: Response, to: Destination | PendingAuthorization, params: Readonly<Record<string, string>>): void {
    const target = new URL(to.redirectUri);
    for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
    if (to.state !== undefined) target.searchParams.set('state', to.state);
    target.searchParams.set('iss', this.#deps.urls().issuer);
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(302, target.href);
  }
}

function page(res: Response, status: number, title: string, message: string, code: string): void {
  setPageHeaders(res);
  res
    .status(status)
    .type('html')
    .send(renderMessagePage(title, message, code));
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

/** `pending` as a request nobody has answered yet: no Connect session, no remembered consent. */
function unanswered(pending: PendingAuthorization): PendingAuthorization {
  return {
    clientId: pending.clientId,
    redirectUri: pending.redirectUri,
    codeChallenge: pending.codeChallenge,
    ...(pending.state !== undefined ? { state: pending.state } : {}),
    scopes: pending.scopes,
    resource: pending.resource,
    browser: pending.browser,
    createdAt: new Date().toISOString(),
  };
}

function inSeconds(sec: number): Date {
  return new Date(Date.now() + sec * 1000);
}
