/**
 * Connect: the browser flow that puts a user's OAuth grant into the vault.
 *
 * `createSession()` writes a pending session to the store's kv and returns its URL. The user opens
 * `GET /connect/:id`, is redirected to the provider (state, PKCE S256, nonce for OpenID Connect),
 * consents, and comes back to `GET /connect/callback`, where the code is exchanged, the identity
 * read, and the grant stored with the scopes the provider actually granted. A session naming
 * several providers walks through them in order; the last callback completes it.
 *
 * A failure (denied consent, provider error, failed exchange, expiry) writes no grant and ends on
 * an error page — or, when the session has a `returnTo` and the callback's state is one the session
 * issued, back at `returnTo` with `connect_session` and `error=<reason>`, so the app that sent the
 * user (e.g. the auth server's completion endpoint) learns of it. An unverifiable state never
 * redirects.
 *
 * All session state lives in the store (kv namespace `connect`), so the callback may land in any
 * process sharing the store and `waitFor()` in another process still sees the outcome (it polls).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectSessionError, InvalidArgumentError, VaultConfigError } from '../errors.js';
import { type OAuthClient, createOAuthClient } from '../oauth-client.js';
import type { ProviderConfig, ProviderIdentity } from '../provider-config.js';
import { normalizeProviderScopes } from '../providers/scopes.js';
import type { ConnectDeps } from './connect-deps.js';
import { type ConnectPage, sendPage, sendRedirect } from './connect-pages.js';
import {
  CONNECT_KV_NAMESPACE,
  type ConnectFlow,
  type ConnectSessionRecord,
  MAX_OPEN_FLOWS,
  effectiveStatus,
  finish,
  isPastExpiry,
  kvExpiry,
  parseRecord,
  toResult,
} from './connect-session-record.js';
import type { ConnectResult, ConnectSession, CreateConnectSessionInput } from './connect-types.js';

/** A Node request handler: plain `http.createServer(handler)`, express `app.use(handler)`, or any router. */
export type ConnectRequestHandler = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;

export interface ConnectWaitOptions {
  readonly signal?: AbortSignal;
  /** Give up after this long (rejects with ConnectSessionError reason `'timeout'`). Default: until the session expires. */
  readonly timeoutMs?: number;
  /** How often the store is polled for a callback handled by another process. Default 250 ms. */
  readonly pollIntervalMs?: number;
}

export interface ConnectListenOptions {
  /** Default 0 (any free port). */
  readonly port?: number;
  /** Default `'127.0.0.1'`. */
  readonly host?: string;
}

export interface ConnectServer {
  /** The base URL sessions now use (`http://127.0.0.1:<port>`). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Events of {@link ConnectManager.on}: every session finishing in THIS process. */
export type ConnectEvent = 'complete' | 'failed';

const DEFAULT_TTL_SEC = 600;
const MAX_TTL_SEC = 24 * 60 * 60;
const DEFAULT_POLL_MS = 250;
const SESSION_ID_BYTES = 24;
const ROUTE = /(?:^|\/)connect\/(callback|[A-Za-z0-9_-]{20,64})\/?$/;

/**
 * Connect sessions and their HTTP handler. Reached as `vault.connect`.
 *
 * @example
 * const { url } = await vault.connect.createSession({ user: 'alice', providers: { google: ['https://www.googleapis.com/auth/calendar.readonly'] } });
 * // send `url` to alice; then:
 * const result = await vault.connect.waitFor(session.id);
 */
export class ConnectManager {
  readonly #deps: ConnectDeps;
  readonly #events = new EventEmitter();
  readonly #clients = new WeakMap<ProviderConfig, OAuthClient>();
  #server: Server | undefined;
  #listenUrl: string | undefined;
  #adoptedUrl: string | undefined;

  constructor(deps: ConnectDeps) {
    this.#deps = deps;
    // Each waitFor() adds a listener; many concurrent waits are normal, not a leak.
    this.#events.setMaxListeners(0);
  }

  /**
   * The base URL new Connect URLs start with, in THIS process: a URL adopted with
   * {@link useBaseUrl}, else `options.baseUrl`, else the `listen()` server's URL. (Without `force`,
   * `useBaseUrl` cannot adopt over a configured one, so a configured base wins unless forced.)
   */
  get baseUrl(): string | undefined {
    return this.#adoptedUrl ?? this.#configuredBaseUrl() ?? this.#listenUrl;
  }

  /**
   * Adopts `url` as this process's base URL after construction — for a server that learns its
   * address only once it listens (port 0, e.g. `serveHttp` mounting `handler()` on its own app).
   * Only new sessions use it: each session keeps the base URL it was created with, so its link and
   * its provider callback stay on that origin whichever process (sharing the store) handles them.
   *
   * Refuses to replace an explicitly configured `connect.baseUrl` (a different one) or a URL
   * adopted earlier unless `force` is set. Adopting the same URL again is a no-op. The provider
   * must accept `<url>/connect/callback` as a redirect URI.
   *
   * @param url an absolute http(s) URL (the origin, optionally with the path `handler()` is mounted under).
   * @param options `force: true` replaces a configured `connect.baseUrl` or an earlier adoption.
   * @returns a function that drops the adoption again (when it is still current), e.g. when the
   *   server that adopted it closes.
   * @throws InvalidArgumentError naming `url` when it is not an absolute http(s) URL without query or fragment.
   * @throws VaultConfigError when a different base URL is configured or adopted and `force` is not set.
   * @example
   * const release = vault.connect.useBaseUrl(`http://127.0.0.1:${port}`); // unless connect.baseUrl is set
   */
  useBaseUrl(url: string, options: { readonly force?: boolean } = {}): () => void {
    if (typeof url !== 'string' || !URL.canParse(url)) throw new InvalidArgumentError('url', 'must be an absolute http(s) URL, e.g. "http://127.0.0.1:8080".');
    const parsed = new URL(url);
    if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.search !== '' || parsed.hash !== '' || url.includes('#')) {
      throw new InvalidArgumentError('url', 'must be an absolute http(s) URL without query or fragment, e.g. "http://127.0.0.1:8080".');
    }
    const normalized = `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '');
    const current = this.#adoptedUrl ?? this.#configuredBaseUrl();
    if (current !== undefined && current !== normalized && options.force !== true) {
      const what = this.#adoptedUrl !== undefined ? 'was already adopted' : 'is configured (connect.baseUrl)';
      throw new VaultConfigError(`Connect base URL ${current} ${what}; useBaseUrl("${normalized}") does not replace it. Pass { force: true } to replace it in this process.`);
    }
    this.#adoptedUrl = normalized;
    this.#deps.logger.debug('connect: base URL adopted', { baseUrl: normalized });
    return () => {
      if (this.#adoptedUrl === normalized) this.#adoptedUrl = undefined;
    };
  }

  /** `connect.baseUrl` from the vault options, normalized; undefined when not configured. */
  #configuredBaseUrl(): string | undefined {
    const configured = this.#deps.options.baseUrl;
    return typeof configured === 'string' && configured !== '' ? configured.replace(/\/+$/, '') : undefined;
  }

  /**
   * Creates a single-use Connect session. The grants land for `input.user`; without one, the
   * user becomes `<provider id>:<subject>` of the FIRST provider's login (e.g. `google:1098…`),
   * and every grant of the session is stored for that user.
   *
   * @throws InvalidArgumentError naming `providers`, `user`, `returnTo` or `ttlSec`.
   * @throws VaultConfigError for an unknown provider id, or when no base URL is configured.
   * @example
   * const session = await vault.connect.createSession({ user: 'alice', providers: { github: ['repo'] }, returnTo: 'https://app.example/done' });
   */
  async createSession(input: CreateConnectSessionInput): Promise<ConnectSession> {
    if (input === null || typeof input !== 'object') {
      throw new InvalidArgumentError('input', 'createSession() needs { providers: { <provider id>: [scopes] }, user?, returnTo?, ttlSec? }.');
    }
    if (input.user !== undefined && (typeof input.user !== 'string' || input.user.trim() === '')) {
      throw new InvalidArgumentError('user', 'must be a non-empty string, or omitted to let the first provider login decide.');
    }
    if (input.providers === null || typeof input.providers !== 'object' || Object.keys(input.providers).length === 0) {
      throw new InvalidArgumentError('providers', 'name at least one provider and its scopes, e.g. { google: ["https://www.googleapis.com/auth/calendar.readonly"] }.');
    }
    const steps = Object.entries(input.providers).map(([id, scopes]) => {
      if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string' || s.trim() === '')) {
        throw new InvalidArgumentError(`providers.${id}`, 'must be an array of scope strings (may be empty).');
      }
      const provider = this.#deps.provider(id); // VaultConfigError for unknown ids
      return { id: provider.id, scopes: normalizeProviderScopes(provider, scopes, `providers.${id}`), provider };
    });
    const first = steps[0]!;
    if (input.user === undefined && first.provider.identity === undefined && !first.scopes.concat(first.provider.defaultScopes).includes('openid')) {
      throw new InvalidArgumentError(
        'user',
        `is required: provider "${first.id}" has no identity source (id_token, userinfo or a function), so the login cannot name the user. Pass { user } or configure the provider's identity.`,
      );
    }
    if (input.returnTo !== undefined && !isSafeReturnTo(input.returnTo)) {
      throw new InvalidArgumentError('returnTo', 'must be an absolute http(s) URL or a path starting with "/".');
    }
    const ttlSec = input.ttlSec ?? this.#deps.options.sessionTtlSec ?? DEFAULT_TTL_SEC;
    if (typeof ttlSec !== 'number' || !Number.isFinite(ttlSec) || ttlSec <= 0 || ttlSec > MAX_TTL_SEC) {
      throw new InvalidArgumentError('ttlSec', `must be a number of seconds between 1 and ${MAX_TTL_SEC} (default ${DEFAULT_TTL_SEC}).`);
    }
    const baseUrl = this.baseUrl;
    if (!baseUrl) {
      throw new VaultConfigError(
        'Connect has no base URL: set `connect: { baseUrl: "https://your.server" }` in the AlterVault options (the public URL where vault.connect.handler() is mounted), or call `await vault.connect.listen()` to serve Connect on a local port.',
      );
    }
    await this.#deps.ready?.();
    const id = randomBytes(SESSION_ID_BYTES).toString('base64url');
    const now = Date.now();
    const record: ConnectSessionRecord = {
      v: 1,
      id,
      ...(input.user !== undefined ? { user: input.user } : {}),
      providers: steps.map(({ id: providerId, scopes }) => ({ id: providerId, scopes })),
      ...(input.returnTo !== undefined ? { returnTo: input.returnTo } : {}),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + ttlSec * 1000).toISOString(),
      status: 'pending',
      step: 0,
      grants: [],
      baseUrl,
    };
    const written = await this.#deps.store.kvCompareAndSet(CONNECT_KV_NAMESPACE, id, 0, JSON.stringify(record), kvExpiry(record));
    if (!written) throw new ConnectSessionError('used', 'A Connect session id collided; create the session again.');
    this.#deps.logger.debug('connect: session created', { session: shortId(id), providers: steps.map((s) => s.id), user: input.user ?? null });
    return { id, url: `${baseUrl}/connect/${id}`, expiresAt: new Date(record.expiresAt) };
  }

  /**
   * The current outcome of a session (status `pending` while the user is still at it).
   * @throws ConnectSessionError reason `'unknown'` when no such session exists (or it was purged).
   */
  async get(id: string): Promise<ConnectResult> {
    const record = await this.#load(id);
    if (!record) throw unknownSession();
    if (record.status === 'pending' && isPastExpiry(record)) {
      const expired = await this.#expire(record.id);
      if (expired) return toResult(expired);
    }
    return toResult(record);
  }

  /**
   * Resolves when the session completes, fails or expires — including when its callback is
   * handled by another process sharing the store (the kv is polled every `pollIntervalMs`).
   *
   * @throws ConnectSessionError reason `'unknown'` for an unknown id, `'timeout'` after `timeoutMs`.
   * @throws the signal's reason when `signal` aborts.
   * @example
   * const result = await vault.connect.waitFor(session.id, { timeoutMs: 120_000 });
   * if (result.status === 'complete') console.log(result.user, result.grants);
   */
  async waitFor(id: string, options: ConnectWaitOptions = {}): Promise<ConnectResult> {
    if (typeof id !== 'string' || id === '') throw new InvalidArgumentError('id', 'must be a Connect session id.');
    options.signal?.throwIfAborted();
    const initial = await this.get(id);
    if (initial.status !== 'pending') return initial;
    options.signal?.throwIfAborted(); // it may have aborted while we read the store
    const pollMs = options.pollIntervalMs ?? DEFAULT_POLL_MS;
    return new Promise<ConnectResult>((resolve, reject) => {
      let done = false;
      let pollTimer: NodeJS.Timeout | undefined;
      let timeoutTimer: NodeJS.Timeout | undefined;
      const settle = (fn: () => void) => {
        if (done) return;
        done = true;
        this.#events.off(`settled:${id}`, onSettled);
        options.signal?.removeEventListener('abort', onAbort);
        clearTimeout(pollTimer);
        clearTimeout(timeoutTimer);
        fn();
      };
      const onSettled = (result: ConnectResult) => settle(() => resolve(result));
      const onAbort = () => settle(() => reject(options.signal?.reason));
      const poll = () => {
        pollTimer = setTimeout(() => {
          this.get(id).then(
            (result) => (result.status === 'pending' ? poll() : settle(() => resolve(result))),
            (err: unknown) => settle(() => reject(err)),
          );
        }, pollMs);
      };
      this.#events.on(`settled:${id}`, onSettled);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.timeoutMs !== undefined) {
        timeoutTimer = setTimeout(
          () => settle(() => reject(new ConnectSessionError('timeout', `Connect session ${shortId(id)}… is still pending after ${options.timeoutMs} ms.`))),
          options.timeoutMs,
        );
      }
      poll();
    });
  }

  /**
   * Listens to sessions finishing in this process (`'complete'` or `'failed'`, which includes
   * expiry noticed here). For callbacks handled by another process use {@link waitFor}.
   */
  on(event: ConnectEvent, listener: (result: ConnectResult) => void): this {
    this.#events.on(event, listener);
    return this;
  }

  off(event: ConnectEvent, listener: (result: ConnectResult) => void): this {
    this.#events.off(event, listener);
    return this;
  }

  /**
   * The HTTP handler serving `GET <base>/connect/:id` and `GET <base>/connect/callback`. Other
   * paths go to `next()` when given (express), otherwise get a 404.
   *
   * @example
   * http.createServer(vault.connect.handler()).listen(3000); // with connect.baseUrl 'http://localhost:3000'
   * app.use(vault.connect.handler());                       // express
   */
  handler(): ConnectRequestHandler {
    return (req, res, next) => {
      // express strips its mount path from req.url; originalUrl keeps it.
      const raw = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
      const url = new URL(raw, 'http://connect.invalid');
      const match = ROUTE.exec(url.pathname);
      if (!match) {
        if (next) return next();
        return sendPage(res, { status: 404, title: 'Not found', message: 'There is nothing here.', code: 'not_found' });
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET');
        return sendPage(res, { status: 405, title: 'Method not allowed', message: 'Open this link in a browser.', code: 'method_not_allowed' });
      }
      if (req.method === 'HEAD') {
        // Link previewers probe with HEAD: answer without starting a flow or consuming anything.
        res.statusCode = 204;
        res.setHeader('cache-control', 'no-store');
        return void res.end();
      }
      const work = match[1] === 'callback' ? this.#callback(url.searchParams, res) : this.#start(match[1]!, res);
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
    };
  }

  /**
   * Serves the handler on its own loopback server and, unless `connect.baseUrl` is configured or a
   * URL was adopted with {@link useBaseUrl}, makes its URL the base of new sessions. Handy for demos, CLIs and tests.
   * @example
   * const { url } = await vault.connect.listen(); // http://127.0.0.1:54321
   */
  async listen(options: ConnectListenOptions = {}): Promise<ConnectServer> {
    if (this.#server) throw new VaultConfigError('vault.connect.listen() was already called; call vault.connect.close() first.');
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('port', 'must be an integer between 0 and 65535.');
    const server = createServer(this.handler());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    const address = server.address() as AddressInfo;
    const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
    this.#listenUrl = url;
    return { url, port: address.port, close: () => this.close() };
  }

  /** Stops the `listen()` server (if any). Sessions stay in the store. */
  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    this.#listenUrl = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  // ── GET /connect/:id ────────────────────────────────────────────────────────────────────────

  async #start(id: string, res: ServerResponse): Promise<void> {
    const record = await this.#load(id);
    if (!record) return sendPage(res, PAGES.unknown);
    const blocked = this.#terminalPage(record);
    if (blocked) {
      const ended = record.status === 'pending' ? ((await this.#expire(record.id)) ?? (await this.#load(record.id)) ?? record) : record;
      // The link itself identifies the session (it is what started the flow), so a failed or
      // expired session with a returnTo sends its holder back there with the reason.
      if (this.#returnWithError(res, ended)) return;
      return sendPage(res, blocked);
    }
    // Every opening (reload, second tab, a link previewer) issues a fresh authorization request;
    // the last few stay valid and the first callback to match one claims the step.
    const location = await this.#beginStep(record);
    if (!location) return sendPage(res, PAGES.used);
    sendRedirect(res, location);
  }

  /** Starts the provider step `record.step`: builds the authorization request and saves its flow. */
  async #beginStep(record: ConnectSessionRecord): Promise<string | undefined> {
    // The session's own base URL: the user opened the link there, so the callback returns there
    // too, even when this process's base URL changed (or differs) since the session was created.
    const baseUrl = record.baseUrl ?? this.baseUrl;
    if (!baseUrl) throw new VaultConfigError('Connect has no base URL (set connect.baseUrl or call vault.connect.listen()).');
    const step = record.providers[record.step]!;
    const provider = this.#deps.provider(step.id);
    const client = this.#client(provider);
    const state = `${record.id}.${randomBytes(24).toString('base64url')}`;
    const request = await client.createAuthorizationRequest({ redirectUri: `${baseUrl}/connect/callback`, scopes: step.scopes, state });
    const secrets = this.#deps.seal(JSON.stringify({ codeVerifier: request.codeVerifier, ...(request.nonce ? { nonce: request.nonce } : {}) }));
    const flow: ConnectFlow = { provider: step.id, state, redirectUri: request.redirectUri, scopes: request.scopes, secrets };
    const saved = await this.#mutate(record.id, (current) => {
      if (current.status !== 'pending' || current.step !== record.step || current.exchanging) return undefined;
      return { ...current, flows: [flow, ...(current.flows ?? [])].slice(0, MAX_OPEN_FLOWS) };
    });
    return saved ? request.url.href : undefined;
  }

  // ── GET /connect/callback ───────────────────────────────────────────────────────────────────

  async #callback(params: URLSearchParams, res: ServerResponse): Promise<void> {
    const state = params.get('state') ?? '';
    const sessionId = state.split('.')[0] ?? '';
    if (!state || !sessionId) return sendPage(res, PAGES.badState);
    const record = await this.#load(sessionId);
    if (!record) return sendPage(res, PAGES.badState);
    if (record.status !== 'pending') return sendPage(res, this.#terminalPage(record) ?? PAGES.used);
    // Only a state this session issued proves the callback belongs to it: a failure may go back to
    // `returnTo` only then. A forged or unknown state never redirects anywhere.
    const flow = record.flows?.find((f) => sameString(f.state, state));
    if (isPastExpiry(record)) {
      await this.#expire(record.id);
      if (flow) return this.#endVerified(res, record.id, PAGES.expired);
      return sendPage(res, PAGES.expired);
    }
    if (record.exchanging) return sendPage(res, PAGES.used); // a replay of a callback being handled
    if (!flow) {
      await this.#fail(record.id, 'state_mismatch', 'The sign-in response did not match this Connect session (a wrong or replayed link).');
      return sendPage(res, PAGES.badState);
    }
    // Claim the step: the compare-and-set makes the state single-use across processes.
    const claimed = await this.#mutate(record.id, (current) => {
      if (current.status !== 'pending' || current.exchanging || !current.flows?.some((f) => f.state === state)) return undefined;
      const { flows: _flows, ...rest } = current;
      return { ...rest, exchanging: flow.provider };
    });
    if (!claimed) return sendPage(res, PAGES.used);
    try {
      await this.#finishStep(claimed, flow, params, res);
    } catch (err) {
      // Never leave a claimed session stuck in `exchanging`: it fails, and the handler shows a 500
      // page — or, when the session has a returnTo, the browser goes back there with the error so
      // the app waiting on it (the auth server's completion endpoint) is not left hanging.
      await this.#fail(record.id, 'provider_error', 'Connecting failed on the server side.').catch(() => {});
      if (claimed.returnTo && !res.headersSent) {
        const latest = await this.#load(record.id).catch(() => undefined);
        if (latest && this.#returnWithError(res, latest)) {
          this.#deps.logger.error('connect: callback failed; the browser went back to returnTo with the error', { session: shortId(record.id), error: errorCode(err) });
          return;
        }
      }
      throw err;
    }
  }

  /** After the step was claimed: exchange the code, store the grant, move on. */
  async #finishStep(claimed: ConnectSessionRecord, flow: ConnectFlow, params: URLSearchParams, res: ServerResponse): Promise<void> {
    const record = claimed;
    const state = flow.state;
    const provider = this.#deps.provider(flow.provider);
    const providerError = params.get('error');
    if (providerError !== null) {
      const denied = providerError === 'access_denied';
      await this.#fail(
        record.id,
        denied ? 'denied' : 'provider_error',
        denied ? `Access to ${provider.displayName} was denied.` : `${provider.displayName} reported an error (${safeToken(providerError)}).`,
      );
      return this.#endVerified(res, record.id, denied ? PAGES.denied(provider.displayName) : PAGES.providerError(provider.displayName));
    }

    const secrets = JSON.parse(this.#deps.open(flow.secrets)) as { codeVerifier: string; nonce?: string };
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
      this.#deps.logger.warn('connect: code exchange failed', { session: shortId(record.id), provider: provider.id, reason, error: errorCode(err) });
      await this.#fail(record.id, reason, message);
      return this.#endVerified(res, record.id, reason === 'denied' ? PAGES.denied(provider.displayName) : PAGES.providerError(provider.displayName));
    }

    const identity = exchanged.identity;
    const user = claimed.user ?? claimed.resolvedUser ?? (identity ? identityUser(provider.id, identity) : undefined);
    if (!user) {
      await this.#fail(record.id, 'provider_error', `${provider.displayName} did not say who logged in, and the session names no user.`);
      return this.#endVerified(res, record.id, PAGES.providerError(provider.displayName));
    }
    const account = identity ? accountOf(identity) : '';
    const grant = await this.#deps.putGrant({
      user,
      provider: provider.id,
      account,
      accessToken: exchanged.accessToken,
      ...(exchanged.refreshToken ? { refreshToken: exchanged.refreshToken } : {}),
      expiresAt: exchanged.expiresAt,
      scopes: exchanged.scopes,
    });
    const missingScopes = flow.scopes.filter((s) => !exchanged.scopes.includes(s));
    const updated = await this.#mutate(record.id, (current) => {
      if (current.status !== 'pending' || current.exchanging !== flow.provider) return undefined;
      const { exchanging: _exchanging, ...rest } = current;
      const grants = [
        ...current.grants,
        { provider: provider.id, grantId: grant.id, account, scopes: [...exchanged.scopes], ...(missingScopes.length ? { missingScopes } : {}) },
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
    this.#deps.logger.info('connect: grant stored', { session: shortId(record.id), provider: provider.id, user, account, scopes: exchanged.scopes });
    if (updated.status === 'complete') {
      this.#emit(updated);
      if (updated.returnTo) return sendRedirect(res, updated.returnTo);
      return sendPage(res, PAGES.done);
    }
    const location = await this.#beginStep(updated);
    if (!location) return sendPage(res, PAGES.used);
    sendRedirect(res, location);
  }

  // ── state helpers ───────────────────────────────────────────────────────────────────────────

  #client(provider: ProviderConfig): OAuthClient {
    let client = this.#clients.get(provider);
    if (!client) {
      client = createOAuthClient(provider);
      this.#clients.set(provider, client);
    }
    return client;
  }

  async #load(id: string): Promise<ConnectSessionRecord | undefined> {
    if (!/^[A-Za-z0-9_-]{20,64}$/.test(id)) return undefined;
    await this.#deps.ready?.();
    const entry = await this.#deps.store.kvGet(CONNECT_KV_NAMESPACE, id);
    return entry ? parseRecord(entry.value) : undefined;
  }

  /**
   * Read-modify-write with compare-and-set, retried on contention. `change` returns the new record,
   * or undefined to leave it alone (then this resolves undefined).
   */
  async #mutate(id: string, change: (current: ConnectSessionRecord) => ConnectSessionRecord | undefined): Promise<ConnectSessionRecord | undefined> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const entry = await this.#deps.store.kvGet(CONNECT_KV_NAMESPACE, id);
      if (!entry) return undefined;
      const next = change(parseRecord(entry.value));
      if (!next) return undefined;
      if (await this.#deps.store.kvCompareAndSet(CONNECT_KV_NAMESPACE, id, entry.version, JSON.stringify(next), kvExpiry(next))) return next;
    }
    throw new ConnectSessionError('used', 'The Connect session is being changed concurrently; try again.');
  }

  async #fail(id: string, reason: string, message: string): Promise<void> {
    const failed = await this.#mutate(id, (current) => finish(current, 'failed', { reason, message }));
    if (failed) this.#emit(failed);
  }

  async #expire(id: string): Promise<ConnectSessionRecord | undefined> {
    const expired = await this.#mutate(id, (current) =>
      isPastExpiry(current) ? finish(current, 'expired', { reason: 'expired', message: 'The Connect session expired before it was completed.' }) : undefined,
    );
    if (expired) this.#emit(expired);
    return expired;
  }

  #emit(record: ConnectSessionRecord): void {
    const result = toResult(record);
    this.#events.emit(`settled:${record.id}`, result);
    const event: ConnectEvent = result.status === 'complete' ? 'complete' : 'failed';
    try {
      this.#events.emit(event, result);
    } catch (err) {
      this.#deps.logger.error(`connect: a '${event}' listener threw`, { error: errorCode(err) });
    }
  }

  /**
   * Ends a callback whose state was verified against the session: when the session is now failed
   * or expired and has a `returnTo`, back there with the reason; otherwise on `page` (default: the
   * page for the session's current status).
   */
  async #endVerified(res: ServerResponse, id: string, page?: ConnectPage): Promise<void> {
    const latest = await this.#load(id);
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

/** The user id Connect derives from a login when a session names none: `<provider>:<subject>`. */
export function identityUser(providerId: string, identity: ProviderIdentity): string {
  return `${providerId}:${identity.subject}`;
}

/** A grant's `account`: the identity's login, else its email, else its subject. */
export function accountOf(identity: ProviderIdentity): string {
  return identity.login ?? identity.email ?? identity.subject;
}

const PAGES = {
  done: { status: 200, title: 'Connected', message: 'All done. You can close this tab and return to your app.', code: 'complete' },
  unknown: { status: 404, title: 'Link not found', message: 'This Connect link is unknown or has been cleaned up. Ask the app for a new link.', code: 'unknown_session' },
  used: { status: 400, title: 'Link already used', message: 'This Connect link has already been used. Ask the app for a new link.', code: 'session_used' },
  expired: { status: 400, title: 'Link expired', message: 'This Connect link has expired. Ask the app for a new link.', code: 'session_expired' },
  failed: { status: 400, title: 'Connection failed', message: 'This Connect attempt failed earlier. Ask the app for a new link.', code: 'session_failed' },
  badState: {
    status: 400,
    title: 'Invalid sign-in response',
    message: 'The sign-in response did not match a Connect session (a wrong, old or replayed link). Nothing was connected. Ask the app for a new link.',
    code: 'state_mismatch',
  },
  denied: (name: string): ConnectPage => ({
    status: 400,
    title: 'Access denied',
    message: `You declined access to ${name}, so nothing was connected. Ask the app for a new link if you change your mind.`,
    code: 'denied',
  }),
  providerError: (name: string): ConnectPage => ({
    status: 400,
    title: 'Connection failed',
    message: `${name} could not complete the connection, so nothing was connected. Ask the app for a new link and try again.`,
    code: 'provider_error',
  }),
} satisfies Record<string, ConnectPage | ((name: string) => ConnectPage)>;

function unknownSession(): ConnectSessionError {
  return new ConnectSessionError('unknown', 'No such Connect session (unknown id, or it was purged after expiring). Create a new session.');
}

/** The reasons a failed session reports to its `returnTo` (`error=`): fixed codes, safe in a URL. */
const RETURN_REASONS: ReadonlySet<string> = new Set(['denied', 'provider_error', 'expired', 'state_mismatch']);

function returnReason(reason: string | undefined, status: 'failed' | 'expired'): string {
  if (reason !== undefined && RETURN_REASONS.has(reason)) return reason;
  return status === 'expired' ? 'expired' : 'provider_error';
}

/**
 * `returnTo` with `connect_session=<id>&error=<reason>` set (replacing any of those already there),
 * keeping its other parameters and fragment. Works for absolute URLs and for paths.
 */
function failureReturnUrl(returnTo: string, sessionId: string, reason: string): string {
  if (!returnTo.startsWith('/')) {
    const url = new URL(returnTo);
    url.searchParams.set('connect_session', sessionId);
    url.searchParams.set('error', reason);
    return url.href;
  }
  // A path is rebuilt by hand, its path part kept verbatim: URL parsing would normalize
  // `/.//evil.example` into `//evil.example`, a protocol-relative redirect to another host.
  const hashAt = returnTo.indexOf('#');
  const beforeHash = hashAt === -1 ? returnTo : returnTo.slice(0, hashAt);
  const queryAt = beforeHash.indexOf('?');
  const query = new URLSearchParams(queryAt === -1 ? '' : beforeHash.slice(queryAt + 1));
  query.set('connect_session', sessionId);
  query.set('error', reason);
  return `${queryAt === -1 ? beforeHash : beforeHash.slice(0, queryAt)}?${query.toString()}${hashAt === -1 ? '' : returnTo.slice(hashAt)}`;
}

function isSafeReturnTo(value: unknown): boolean {
  if (typeof value !== 'string' || value === '') return false;
  if (value.startsWith('/')) return !value.startsWith('//') && !value.startsWith('/\\');
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function safeToken(value: string): string {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(value) ? value : 'unknown_error';
}

function shortId(id: string): string {
  return id.slice(0, 8);
}

function errorCode(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return err instanceof Error ? err.name : 'unknown';
}
