/**
 * The HTTP side of Connect: `GET /connect/:id` (start — or the interstitial of a `confirm` link),
 * `POST /connect/:id` (the interstitial's confirmation), `GET /connect/callback` (the provider
 * comes back: exchange the code, store the grant, move on). Which browser may do what is decided
 * in browser-binding.ts; the record's moves are in connect-session-store.ts.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConnectSessionError, EncryptionKeyError, VaultConfigError } from '../errors.js';
import type { SealedSecret } from '../grant-store.js';
import { isIdentifier } from '../internal/args.js';
import { isStorableText } from '../internal/storable-text.js';
import { type OAuthClient, createOAuthClient } from '../oauth-client.js';
import type { ProviderConfig, ProviderIdentity } from '../provider-config.js';
import { ApprovalPageHandler } from './approval-page.js';
import {
  bindingHash,
  bindingSetCookie,
  confirmToken,
  isBoundBrowser,
  isValidConfirmToken,
  newBrowserSecret,
  readBrowserSecret,
} from './browser-binding.js';
import type { ConnectDeps } from './connect-deps.js';
import { type ConnectPage, PAGES, sendInterstitial, sendPage, sendRedirect } from './connect-pages.js';
import {
  type ConnectFlow,
  type ConnectSessionRecord,
  MAX_OPEN_FLOWS,
  effectiveStatus,
  isPastExpiry,
  toResult,
} from './connect-session-record.js';
import { type ConnectSessionStore, errorCode, shortId } from './connect-session-store.js';
import { GrantsPageHandler } from './grants-page.js';
import { failureReturnUrl, returnReason } from './return-to.js';

/** A Node request handler: plain `http.createServer(handler)`, express `app.use(handler)`, or any router. */
export type ConnectRequestHandler = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;

/**
 * Who is signed in to the app in the browser making `req` (e.g. the auth server's session
 * cookie), or undefined. Installed with `vault.connect.useBrowserUser()`; a `confirm` link naming a
 * user then opens only in a browser signed in as that user.
 */
export type ConnectBrowserUser = (req: IncomingMessage) => Promise<string | undefined> | string | undefined;

/** An installed {@link ConnectBrowserUser} hook and the users it vouches for. */
export interface BrowserUserCheck {
  readonly hook: ConnectBrowserUser;
  readonly appliesTo: (user: string) => boolean;
}

const ROUTE = /(?:^|\/)connect\/(callback|[A-Za-z0-9_-]{20,64})\/?$/;
const GRANTS_ROUTE = /(?:^|\/)connect\/grants\/([A-Za-z0-9_-]{20,64})\/?$/;
const APPROVALS_ROUTE = /(?:^|\/)connect\/approvals\/([A-Za-z0-9_-]{20,64})\/?$/;
const MAX_FORM_BYTES = 4096;

/** The user id Connect derives from a login when a session names none: `<provider>:<subject>`. */
export function identityUser(providerId: string, identity: ProviderIdentity): string {
  return `${providerId}:${identity.subject}`;
}

/** A grant's `account`: the identity's login, else its email, else its subject. */
export function accountOf(identity: ProviderIdentity): string {
  return identity.login ?? identity.email ?? identity.subject;
}

export interface ConnectHttpDeps {
  readonly deps: ConnectDeps;
  readonly sessions: ConnectSessionStore;
  /** This process's current base URL (for records written before sessions kept their own). */
  readonly baseUrl: () => string | undefined;
  readonly browserUser: () => BrowserUserCheck | undefined;
}

export class ConnectHttpHandler {
  readonly #deps: ConnectDeps;
  readonly #sessions: ConnectSessionStore;
  readonly #baseUrl: () => string | undefined;
  readonly #browserUser: () => BrowserUserCheck | undefined;
  readonly #clients = new WeakMap<ProviderConfig, OAuthClient>();
  readonly #grantsPage: GrantsPageHandler;
  readonly #approvalPage: ApprovalPageHandler;

  constructor(parts: ConnectHttpDeps) {
    this.#grantsPage = new GrantsPageHandler({ deps: parts.deps, browserUser: parts.browserUser });
    this.#approvalPage = new ApprovalPageHandler({ deps: parts.deps, browserUser: parts.browserUser });
    this.#deps = parts.deps;
    this.#sessions = parts.sessions;
    this.#baseUrl = parts.baseUrl;
    this.#browserUser = parts.browserUser;
  }

  handle(req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void {
    // express strips its mount path from req.url; originalUrl keeps it.
    const raw = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
    const url = new URL(raw, 'http://connect.invalid');
    const grants = GRANTS_ROUTE.exec(url.pathname);
    if (grants) {
      this.#servePage(req, res, 'grants page', () => this.#grantsPage.handle(req, grants[1]!, res));
      return;
    }
    const approval = APPROVALS_ROUTE.exec(url.pathname);
    if (approval) {
      this.#servePage(req, res, 'approval page', () => this.#approvalPage.handle(req, approval[1]!, res));
      return;
    }
    const match = ROUTE.exec(url.pathname);
    if (!match) {
      if (next) next();
      else sendPage(res, { status: 404, title: 'Not found', message: 'There is nothing here.', code: 'not_found' });
      return;
    }
    const target = match[1]!;
    const isPost = req.method === 'POST' && target !== 'callback';
    if (req.method !== 'GET' && req.method !== 'HEAD' && !isPost) {
      res.setHeader('allow', target === 'callback' ? 'GET' : 'GET, POST');
      sendPage(res, { status: 405, title: 'Method not allowed', message: 'Open this link in a browser.', code: 'method_not_allowed' });
      return;
    }
    if (req.method === 'HEAD') {
      // Link previewers probe with HEAD: answer without starting a flow or consuming anything.
      res.statusCode = 204;
      res.setHeader('cache-control', 'no-store');
      res.end();
      return;
    }
    const work =
      target === 'callback'
        ? this.#callback(req, url.searchParams, res)
        : isPost
          ? this.#confirm(req, target, res)
          : this.#start(req, target, res);
    work.catch((err: unknown) => {
      this.#deps.logger.error('connect: request failed', { error: errorCode(err) });
      if (!res.headersSent) {
        sendPage(res, {
          status: 500,
          title: 'Connect failed',
          message: 'Something went wrong on our side. Ask the app for a new link and try again.',
          code: 'internal_error',
        });
      } else {
        res.end();
      }
    });
  }

  // ── GET|POST /connect/grants/:id (grants-page.ts), /connect/approvals/:id (approval-page.ts) ─

  #servePage(req: IncomingMessage, res: ServerResponse, what: string, handle: () => Promise<void>): void {
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.setHeader('allow', 'GET, POST');
      sendPage(res, { status: 405, title: 'Method not allowed', message: 'Open this link in a browser.', code: 'method_not_allowed' });
      return;
    }
    handle().catch((err: unknown) => {
      this.#deps.logger.error(`connect: ${what} request failed`, { error: errorCode(err) });
      if (!res.headersSent)
        sendPage(res, {
          status: 500,
          title: 'Something went wrong',
          message: 'Something went wrong on our side; nothing was changed. Try again later.',
          code: 'internal_error',
        });
      else res.end();
    });
  }

  // ── GET /connect/:id ────────────────────────────────────────────────────────────────────────

  async #start(req: IncomingMessage, id: string, res: ServerResponse): Promise<void> {
    const record = await this.#sessions.load(id);
    if (!record) return sendPage(res, PAGES.unknown);
    const blocked = this.#terminalPage(record);
    if (blocked) {
      const ended =
        record.status === 'pending'
          ? ((await this.#sessions.expire(record.id)) ?? (await this.#sessions.load(record.id)) ?? record)
          : record;
      // The link itself identifies the session (it is what started the flow), so a failed or
      // expired session with a returnTo sends its holder back there with the reason — but only a
      // bearer link, or the browser the session is bound to: a stranger learns nothing.
      if ((record.bind === undefined || isBoundBrowser(record, readBrowserSecret(req, record.id))) && this.#returnWithError(res, ended))
        return;
      return sendPage(res, blocked);
    }
    const secret = readBrowserSecret(req, record.id);
    if (record.bind !== undefined && record.binding !== undefined) {
      // Bound: only that browser continues (a reload, or back from the provider's login page).
      if (!isBoundBrowser(record, secret)) return this.#refuseBrowser(res, record, 'link');
    } else if (record.bind === 'confirm') {
      const refusal = await this.#signedInRefusal(req, record);
      if (refusal) return sendPage(res, refusal);
      return this.#interstitial(res, record, secret);
    } else if (record.bind !== undefined) {
      // A `cookie` session is bound at creation; one without a binding is not ours to start.
      return this.#refuseBrowser(res, record, 'link');
    }
    // Every opening (reload, second tab, a link previewer) issues a fresh authorization request;
    // the last few stay valid and the first callback to match one claims the step.
    const location = await this.#beginStep(record);
    if (!location) return sendPage(res, PAGES.used);
    sendRedirect(res, location);
  }

  /** The interstitial; gives this browser a secret first when it has none for this session. */
  #interstitial(res: ServerResponse, record: ConnectSessionRecord, existing: string | undefined): void {
    let secret = existing;
    if (secret === undefined) {
      secret = newBrowserSecret();
      res.setHeader('set-cookie', bindingSetCookie(record.id, secret, this.#sessionBase(record), remainingSec(record)));
    }
    sendInterstitial(res, {
      app: this.#deps.caller,
      user: record.user,
      providers: record.providers.map((step) => ({
        name: this.#deps.provider(step.id).displayName,
        scopes: step.scopes,
        ...(step.expectAccounts?.length ? { currentAccounts: step.expectAccounts } : {}),
      })),
      csrf: confirmToken(record.id, secret),
    });
  }

  // ── POST /connect/:id (the interstitial's confirmation) ─────────────────────────────────────

  async #confirm(req: IncomingMessage, id: string, res: ServerResponse): Promise<void> {
    const form = await readForm(req);
    const record = await this.#sessions.load(id);
    if (!record) return sendPage(res, PAGES.unknown);
    if (record.bind !== 'confirm') {
      res.setHeader('allow', 'GET');
      return sendPage(res, {
        status: 405,
        title: 'Method not allowed',
        message: 'Open this link in a browser.',
        code: 'method_not_allowed',
      });
    }
    const blocked = this.#terminalPage(record);
    if (blocked) return sendPage(res, blocked);
    const secret = readBrowserSecret(req, record.id);
    if (!form || !isValidConfirmToken(record.id, secret, form.get('csrf'))) {
      this.#deps.logger.warn('connect: interstitial confirmation refused (CSRF)', { session: shortId(record.id) });
      return sendPage(res, PAGES.csrf);
    }
    const refusal = await this.#signedInRefusal(req, record);
    if (refusal) return sendPage(res, refusal);
    const hash = bindingHash(secret!);
    const switchAccount = form.get('switch_account') === '1';
    const bound = await this.#sessions.mutate(record.id, (current) => {
      if (current.status !== 'pending') return undefined;
      // Confirmed already: by this browser (a double submit) it stands; by another it is refused.
      if (current.binding !== undefined) return isBoundBrowser(current, secret) ? current : undefined;
      return { ...current, binding: hash, ...(switchAccount ? { switchAccount: true } : {}) };
    });
    if (!bound) {
      const latest = await this.#sessions.load(record.id);
      return latest && latest.status !== 'pending'
        ? sendPage(res, this.#terminalPage(latest) ?? PAGES.used)
        : this.#refuseBrowser(res, record, 'link');
    }
    this.#deps.logger.info('connect: link confirmed in a browser', {
      session: shortId(record.id),
      user: record.user ?? null,
      switchAccount: bound.switchAccount === true,
    });
    const location = await this.#beginStep(bound);
    if (!location) return sendPage(res, PAGES.used);
    sendRedirect(res, location, 303);
  }

  /**
   * With a signed-in-user hook installed (the auth server's), a `confirm` link naming a user opens
   * only in a browser signed in as that user: a link forwarded to someone else stops here.
   */
  async #signedInRefusal(req: IncomingMessage, record: ConnectSessionRecord): Promise<ConnectPage | undefined> {
    const check = this.#browserUser();
    if (check === undefined || record.user === undefined || !check.appliesTo(record.user)) return undefined;
    const signedIn = await check.hook(req);
    if (typeof signedIn === 'string' && sameString(signedIn, record.user)) return undefined;
    this.#deps.logger.warn('connect: link opened in a browser not signed in as its user', {
      session: shortId(record.id),
      signedIn: signedIn !== undefined,
    });
    return PAGES.signInRequired(record.user);
  }

  #refuseBrowser(res: ServerResponse, record: ConnectSessionRecord, where: 'link' | 'callback'): void {
    this.#deps.logger.warn(`connect: ${where} opened in a browser the session is not bound to`, {
      session: shortId(record.id),
      bind: record.bind ?? null,
    });
    sendPage(res, PAGES.wrongBrowser);
  }

  /** Starts the provider step `record.step`: builds the authorization request and saves its flow. */
  async #beginStep(record: ConnectSessionRecord): Promise<string | undefined> {
    // The session's own base URL: the user opened the link there, so the callback returns there
    // too, even when this process's base URL changed (or differs) since the session was created.
    const baseUrl = this.#sessionBase(record);
    const step = record.providers[record.step]!;
    const provider = this.#deps.provider(step.id);
    const client = this.#client(provider);
    const state = `${record.id}.${randomBytes(24).toString('base64url')}`;
    const request = await client.createAuthorizationRequest({ redirectUri: `${baseUrl}/connect/callback`, scopes: step.scopes, state });
    const flow: ConnectFlow = { provider: step.id, state, redirectUri: request.redirectUri, scopes: request.scopes };
    // The secrets are stored (sealed, as a whole kv value that rotateKey re-seals) before the flow
    // joins the record: a flow in a record always has its secrets. The flows this one pushes out
    // lose theirs in mutate().
    await this.#sessions.flowSecrets.put(record, state, {
      codeVerifier: request.codeVerifier,
      ...(request.nonce ? { nonce: request.nonce } : {}),
    });
    const saved = await this.#sessions.mutate(record.id, (current) => {
      if (current.status !== 'pending' || current.step !== record.step || current.exchanging) return undefined;
      // The binding may not change between the check and this write (it is set once, never moved).
      if (current.binding !== record.binding) return undefined;
      return { ...current, flows: [flow, ...(current.flows ?? [])].slice(0, MAX_OPEN_FLOWS) };
    });
    if (!saved) {
      await this.#sessions.discardFlowSecrets(record.id, [flow]);
      return undefined;
    }
    return request.url.href;
  }

  #sessionBase(record: ConnectSessionRecord): string {
    const baseUrl = record.baseUrl ?? this.#baseUrl();
    if (!baseUrl) throw new VaultConfigError('Connect has no base URL (set connect.baseUrl or call vault.connect.listen()).');
    return baseUrl;
  }

  // ── GET /connect/callback ───────────────────────────────────────────────────────────────────

  async #callback(req: IncomingMessage, params: URLSearchParams, res: ServerResponse): Promise<void> {
    const state = params.get('state') ?? '';
    const sessionId = state.split('.')[0] ?? '';
    if (!state || !sessionId) return sendPage(res, PAGES.badState);
    const record = await this.#sessions.load(sessionId);
    if (!record) return sendPage(res, PAGES.badState);
    if (record.status !== 'pending') return sendPage(res, this.#terminalPage(record) ?? PAGES.used);
    // Only a state this session issued proves the callback belongs to it: a failure may go back to
    // `returnTo` only then. A forged or unknown state never redirects anywhere.
    const flow = record.flows?.find((f) => sameString(f.state, state));
    if (isPastExpiry(record)) {
      await this.#sessions.expire(record.id);
      if (flow) return this.#endVerified(res, record.id, PAGES.expired);
      return sendPage(res, PAGES.expired);
    }
    if (record.exchanging) return sendPage(res, PAGES.used); // a replay of a callback being handled
    if (!flow) {
      await this.#sessions.fail(
        record.id,
        'state_mismatch',
        'The sign-in response did not match this Connect session (a wrong or replayed link).',
      );
      return sendPage(res, PAGES.badState);
    }
    if (record.bind !== undefined && !isBoundBrowser(record, readBrowserSecret(req, record.id))) {
      // The provider sent someone's login back to a browser that is not the session's (a forwarded
      // authorization URL): the code is never exchanged, and the session is over — its state
      // leaked. No redirect to returnTo: this browser is not the one waiting there.
      await this.#sessions.fail(
        record.id,
        'wrong_browser',
        'The sign-in came back to a browser this Connect session is not bound to; nothing was connected.',
      );
      return this.#refuseBrowser(res, record, 'callback');
    }
    // Read the flow's secrets before the claim: the claim drops every flow of the step and deletes
    // their secrets with them (connect-session-store.ts), so they are single-use too.
    const sealedSecrets = await this.#sessions.flowSecrets.sealedOf(flow);
    // Claim the step: the compare-and-set makes the state single-use across processes.
    const claimed = await this.#sessions.mutate(record.id, (current) => {
      if (current.status !== 'pending' || current.exchanging || !current.flows?.some((f) => f.state === state)) return undefined;
      const { flows: _flows, ...rest } = current;
      return { ...rest, exchanging: flow.provider };
    });
    if (!claimed) return sendPage(res, PAGES.used);
    try {
      await this.#finishStep(claimed, flow, sealedSecrets, params, res);
    } catch (err) {
      // Never leave a claimed session stuck in `exchanging`: it fails, and the handler shows a 500
      // page — or, when the session has a returnTo, the browser goes back there with the error so
      // the app waiting on it (the auth server's completion endpoint) is not left hanging.
      await this.#sessions.fail(record.id, 'provider_error', 'Connecting failed on the server side.').catch(() => {});
      if (claimed.returnTo && !res.headersSent) {
        const latest = await this.#sessions.load(record.id).catch(() => undefined);
        if (latest && this.#returnWithError(res, latest)) {
          this.#deps.logger.error('connect: callback failed; the browser went back to returnTo with the error', {
            session: shortId(record.id),
            error: errorCode(err),
          });
          return;
        }
      }
      throw err;
    }
  }

  /** After the step was claimed: exchange the code, store the grant, move on. */
  async #finishStep(
    claimed: ConnectSessionRecord,
    flow: ConnectFlow,
    sealedSecrets: SealedSecret | undefined,
    params: URLSearchParams,
    res: ServerResponse,
  ): Promise<void> {
    const record = claimed;
    const state = flow.state;
    const provider = this.#deps.provider(flow.provider);
    const providerError = params.get('error');
    if (providerError !== null) {
      const denied = providerError === 'access_denied';
      await this.#sessions.fail(
        record.id,
        denied ? 'denied' : 'provider_error',
        denied
          ? `Access to ${provider.displayName} was denied.`
          : `${provider.displayName} reported an error (${safeToken(providerError)}).`,
      );
      return this.#endVerified(res, record.id, denied ? PAGES.denied(provider.displayName) : PAGES.providerError(provider.displayName));
    }

    const opened = this.#sessions.flowSecrets.open(flow, sealedSecrets);
    if (!opened.ok) {
      // Sealed with a key this server does not have (a flow started by an earlier version, whose
      // record embedded its secrets, across a rotation that dropped the old key; or a server not
      // yet given the new key), edited, or gone. This sign-in cannot be finished but a new link
      // can: the session ends like an expired one, on a page that says so — not a server error.
      this.#deps.logger.error("connect: the sign-in's sealed PKCE secrets could not be read; the session ends", {
        session: shortId(record.id),
        provider: provider.id,
        problem: opened.problem,
        ...(opened.error === undefined ? {} : { error: errorCode(opened.error) }),
        ...(opened.error instanceof EncryptionKeyError && opened.error.keyId ? { keyId: opened.error.keyId } : {}),
      });
      await this.#sessions.fail(
        record.id,
        'expired',
        'The sign-in could not be finished: the server could not read the secrets of the sign-in in progress (sealed with an encryption key it no longer has, or removed). Nothing was connected; ask for a new link.',
      );
      return this.#endVerified(res, record.id, PAGES.expired);
    }
    const secrets = opened.secrets;
    let exchanged: Awaited<ReturnType<OAuthClient['exchangeCode']>>;
    try {
      exchanged = await this.#client(provider).exchangeCode({
        callbackParams: params,
        redirectUri: flow.redirectUri,
        expectedState: state,
        codeVerifier: secrets.codeVerifier,
        ...(secrets.nonce ? { nonce: secrets.nonce } : {}),
        requestedScopes: flow.scopes,
      });
    } catch (err) {
      const reason = err instanceof ConnectSessionError ? err.reason : 'provider_error';
      const message = err instanceof ConnectSessionError ? err.message : `Connecting ${provider.displayName} failed.`;
      this.#deps.logger.warn('connect: code exchange failed', {
        session: shortId(record.id),
        provider: provider.id,
        reason,
        error: errorCode(err),
      });
      await this.#sessions.fail(record.id, reason, message);
      return this.#endVerified(
        res,
        record.id,
        reason === 'denied' ? PAGES.denied(provider.displayName) : PAGES.providerError(provider.displayName),
      );
    }

    const identity = exchanged.identity;
    const user = claimed.user ?? claimed.resolvedUser ?? (identity ? identityUser(provider.id, identity) : undefined);
    if (!user) {
      await this.#sessions.fail(
        record.id,
        'provider_error',
        `${provider.displayName} did not say who logged in, and the session names no user.`,
      );
      return this.#endVerified(res, record.id, PAGES.providerError(provider.displayName));
    }
    const account = identity ? accountOf(identity) : '';
    if (!isStorableText(user) || (identity !== undefined && (!isIdentifier(identity.subject) || !isIdentifier(account)))) {
      // A subject or login the stores would keep altered (U+FFFD for a lone surrogate) could name
      // another user's grants; PostgreSQL refuses U+0000 outright. A blank one names no one: every
      // such login would become the one user `<provider>:` (each overwriting the last one's grant).
      // Store nothing (fail closed).
      this.#deps.logger.warn('connect: the login named an id that is blank or that the stores cannot keep as given; nothing stored', {
        session: shortId(record.id),
        provider: provider.id,
      });
      await this.#sessions.fail(
        record.id,
        'provider_error',
        `${provider.displayName} named the login with an empty id, or one holding U+0000 or an unpaired surrogate, which the vault cannot key a grant by; nothing was stored.`,
      );
      return this.#endVerified(res, record.id, PAGES.providerError(provider.displayName));
    }
    const expected = record.providers[record.step]?.expectAccounts;
    if (expected?.length && !record.switchAccount && !expected.includes(account)) {
      // A re-authorization came back as another account: keep the grant the user had, write nothing.
      this.#deps.logger.warn('connect: re-authorization came back with a different account; nothing stored', {
        session: shortId(record.id),
        provider: provider.id,
        user,
      });
      await this.#sessions.fail(
        record.id,
        'account_mismatch',
        `The ${provider.displayName} login was a different account than the one connected for this user; nothing was stored. Sign in with the same account, or choose to switch accounts.`,
      );
      return this.#endVerified(res, record.id, PAGES.accountMismatch(provider.displayName));
    }
    // Incremental authorization: the upsert keeps what the account's active grant already held.
    // Never narrow implicitly — a consent for one tool's scopes must not drop another tool's.
    const stored = await this.#deps.store.listGrants({ user, provider: provider.id, account });
    const held = stored.filter((g) => g.account === account && g.status !== 'revoked').flatMap((g) => g.scopes);
    const grant = await this.#deps.putGrant({
      user,
      provider: provider.id,
      account,
      accessToken: exchanged.accessToken,
      ...(exchanged.refreshToken ? { refreshToken: exchanged.refreshToken } : {}),
      expiresAt: exchanged.expiresAt,
      scopes: held.length ? [...new Set([...exchanged.scopes, ...held])] : exchanged.scopes,
    });
    const missingScopes = flow.scopes.filter((s) => !exchanged.scopes.includes(s));
    const updated = await this.#sessions.mutate(record.id, (current) => {
      if (current.status !== 'pending' || current.exchanging !== flow.provider) return undefined;
      const { exchanging: _exchanging, ...rest } = current;
      const grants = [
        ...current.grants,
        {
          provider: provider.id,
          grantId: grant.id,
          account,
          scopes: [...exchanged.scopes],
          ...(missingScopes.length ? { missingScopes } : {}),
        },
      ];
      const next: ConnectSessionRecord = {
        ...rest,
        grants,
        step: current.step + 1,
        ...(current.user === undefined && current.resolvedUser === undefined ? { resolvedUser: user } : {}),
        ...(current.identity === undefined && identity ? { identity: { provider: provider.id, ...identity } } : {}),
      };
      return next.step >= next.providers.length ? { ...next, status: 'complete', finishedAt: new Date().toISOString() } : next;
    });
    if (!updated) {
      // Expired or failed while exchanging: the grant is stored, but the session is over.
      this.#deps.logger.warn('connect: session ended while its callback was being handled', { session: shortId(record.id) });
      return this.#endVerified(res, record.id);
    }
    this.#deps.logger.info('connect: grant stored', {
      session: shortId(record.id),
      provider: provider.id,
      user,
      account,
      scopes: exchanged.scopes,
    });
    if (updated.status === 'complete') {
      this.#sessions.emit(updated);
      if (updated.returnTo) return sendRedirect(res, updated.returnTo);
      return sendPage(res, PAGES.done);
    }
    const location = await this.#beginStep(updated);
    if (!location) return sendPage(res, PAGES.used);
    sendRedirect(res, location);
  }

  // ── helpers ─────────────────────────────────────────────────────────────────────────────────

  #client(provider: ProviderConfig): OAuthClient {
    let client = this.#clients.get(provider);
    if (!client) {
      client = createOAuthClient(provider);
      this.#clients.set(provider, client);
    }
    return client;
  }

  /**
   * Ends a callback whose state was verified against the session: when the session is now failed
   * or expired and has a `returnTo`, back there with the reason; otherwise on `page` (default: the
   * page for the session's current status).
   */
  async #endVerified(res: ServerResponse, id: string, page?: ConnectPage): Promise<void> {
    const latest = await this.#sessions.load(id);
    if (latest && this.#returnWithError(res, latest)) return;
    sendPage(res, page ?? (latest && this.#terminalPage(latest)) ?? PAGES.used);
  }

  /**
   * Sends the browser to the session's `returnTo` with `connect_session` and `error` (a reason
   * code, never a provider's text) when the session failed or expired; returns false (and sends
   * nothing) when it has no `returnTo` or did not fail.
   */
  #returnWithError(res: ServerResponse, record: ConnectSessionRecord): boolean {
    if (record.returnTo === undefined) return false;
    const result = toResult(record);
    if (result.status !== 'failed' && result.status !== 'expired') return false;
    const reason = returnReason(result.error?.reason, result.status);
    this.#deps.logger.info('connect: session failed; returning to returnTo', { session: shortId(record.id), reason });
    res.setHeader('x-alter-connect-status', reason);
    sendRedirect(res, failureReturnUrl(record.returnTo, record.id, reason));
    return true;
  }

  /** The page for a session that can no longer proceed, or undefined when it can. */
  #terminalPage(record: ConnectSessionRecord): ConnectPage | undefined {
    switch (effectiveStatus(record)) {
      case 'pending':
        return undefined;
      case 'complete':
        return PAGES.used;
      case 'expired':
        return PAGES.expired;
      case 'failed':
        return PAGES.failed;
    }
  }
}

/** Reads an `application/x-www-form-urlencoded` body (a body parser may have read it already). */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  // Only a form counts (what the interstitial posts); a JSON body is refused even when an app's
  // body parser already turned it into an object.
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return undefined;
  const parsed = (req as IncomingMessage & { body?: unknown }).body;
  if (parsed !== null && typeof parsed === 'object' && !Buffer.isBuffer(parsed)) {
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') form.set(k, v);
    return form;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(buf);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function remainingSec(record: ConnectSessionRecord): number {
  return Math.max(1, Math.ceil((Date.parse(record.expiresAt) - Date.now()) / 1000));
}

export function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function safeToken(value: string): string {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(value) ? value : 'unknown_error';
}
