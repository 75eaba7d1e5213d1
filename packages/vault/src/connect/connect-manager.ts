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
 * Who may carry a session out: a bearer link (default) works in any browser; `bind: 'cookie'`
 * (the auth server's sign-in) only in the browser that received `session.bindingCookie`;
 * `bind: 'confirm'` (tool links) opens on an interstitial and continues only in the browser that
 * confirmed it (browser-binding.ts). The HTTP side is connect-http-handler.ts, the record's moves
 * connect-session-store.ts, `returnTo` rules return-to.ts, the base URL connect-base-url.ts.
 *
 * All session state lives in the store (kv namespace `connect`), so the callback may land in any
 * process sharing the store and `waitFor()` in another process still sees the outcome: at once
 * through the store's signals (PostgreSQL LISTEN/NOTIFY, connect-completion-feed.ts), else by
 * polling (bounds at {@link ConnectWaitOptions.pollIntervalMs}).
 */
import { randomBytes } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectSessionError, InvalidArgumentError, VaultConfigError } from '../errors.js';
import { requireIdentifier } from '../internal/args.js';
import { normalizeProviderScopes } from '../providers/scopes.js';
import { bindingHash, bindingSetCookie, newBrowserSecret } from './browser-binding.js';
import { ConnectBaseUrl } from './connect-base-url.js';
import { ConnectCompletionFeed } from './connect-completion-feed.js';
import type { ConnectDeps } from './connect-deps.js';
import { type BrowserUserCheck, type ConnectBrowserUser, ConnectHttpHandler, type ConnectRequestHandler } from './connect-http-handler.js';
import { type ConnectSessionRecord, type ConnectStep, isPastExpiry, toResult } from './connect-session-record.js';
import { type ConnectEvent, ConnectSessionStore, shortId } from './connect-session-store.js';
import type { ConnectResult, ConnectSession, CreateConnectSessionInput, CreateGrantsLinkInput, GrantsLink } from './connect-types.js';
import { GRANTS_LINK_KV_NAMESPACE, type GrantsLinkRecord, grantsLinkKvExpiry } from './grants-link-record.js';
import { isSafeReturnTo } from './return-to.js';

export type { ConnectBrowserUser, ConnectRequestHandler } from './connect-http-handler.js';
export type { ConnectEvent } from './connect-session-store.js';
export { accountOf, identityUser } from './connect-http-handler.js';

export interface ConnectWaitOptions {
  readonly signal?: AbortSignal | undefined;
  /** Give up after this long (rejects with ConnectSessionError reason `'timeout'`). Default: until the session expires. */
  readonly timeoutMs?: number | undefined;
  /**
   * How often the store is read for a callback handled by another process. Default: every 250 ms
   * while the store cannot signal across processes (SQLite, a custom store, or PostgreSQL while its
   * LISTEN connection is down); every 5 000 ms as a safety net while PostgreSQL LISTEN/NOTIFY is
   * live (a completion then arrives as a notification, without waiting for the poll). A value set
   * here is used in both cases; notifications still wake the wait at once.
   */
  readonly pollIntervalMs?: number | undefined;
}

export interface ConnectListenOptions {
  /** Default 0 (any free port). */
  readonly port?: number | undefined;
  /** Default `'127.0.0.1'`. */
  readonly host?: string | undefined;
}

export interface ConnectServer {
  /** The base URL sessions now use (`http://127.0.0.1:<port>`). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const DEFAULT_TTL_SEC = 600;
const MAX_TTL_SEC = 24 * 60 * 60;
const DEFAULT_GRANTS_LINK_TTL_SEC = 15 * 60;
const DEFAULT_POLL_MS = 250;
/** With live signals a poll is only a safety net for a notification lost in a connection blip. */
const SIGNALLED_POLL_MS = 5_000;
const SESSION_ID_BYTES = 24;

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
  readonly #sessions: ConnectSessionStore;
  readonly #feed: ConnectCompletionFeed;
  readonly #base: ConnectBaseUrl;
  readonly #http: ConnectHttpHandler;
  #browserUser: BrowserUserCheck | undefined;
  #server: Server | undefined;

  constructor(deps: ConnectDeps) {
    this.#deps = deps;
    this.#feed = new ConnectCompletionFeed(deps.signals, deps.logger);
    this.#sessions = new ConnectSessionStore(deps, this.#feed);
    this.#base = new ConnectBaseUrl(deps.options.baseUrl, deps.logger);
    this.#http = new ConnectHttpHandler({
      deps,
      sessions: this.#sessions,
      baseUrl: () => this.baseUrl,
      browserUser: () => this.#browserUser,
    });
  }

  /**
   * The base URL new Connect URLs start with, in THIS process: a URL adopted with
   * {@link useBaseUrl}, else `options.baseUrl`, else the `listen()` server's URL. (Without `force`,
   * `useBaseUrl` cannot adopt over a configured one, so a configured base wins unless forced.)
   */
  get baseUrl(): string | undefined {
    return this.#base.current;
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
    return this.#base.adopt(url, options.force === true);
  }

  /**
   * Installs the hook that says who is signed in to the app in a browser (AlterAuthProvider
   * installs one reading its signed-in cookie). From then on a `bind: 'confirm'` link naming a
   * user the hook applies to opens only in a browser where the hook returns that user; elsewhere
   * it stops on a page asking to sign in as that user, and nothing is connected. Replaces an
   * earlier hook.
   *
   * @param hook returns the signed-in user id for a request, or undefined. A throw fails closed (a 500 page, nothing connected).
   * @param options `appliesTo(user)`: which users the hook vouches for (default: every user) — e.g.
   *   only the users an auth server signs in, when the vault also serves an unauthenticated server.
   * @returns a function that removes the hook again (when it is still the current one).
   * @throws InvalidArgumentError when `hook` (or `appliesTo`) is not a function.
   * @example
   * const release = vault.connect.useBrowserUser(async (req) => sessions.userOf(req));
   */
  useBrowserUser(hook: ConnectBrowserUser, options: { readonly appliesTo?: (user: string) => boolean } = {}): () => void {
    if (typeof hook !== 'function') throw new InvalidArgumentError('hook', 'must be a function (req) => user id | undefined.');
    if (options.appliesTo !== undefined && typeof options.appliesTo !== 'function')
      throw new InvalidArgumentError('options.appliesTo', 'must be a function (user) => boolean.');
    const installed: BrowserUserCheck = { hook, appliesTo: options.appliesTo ?? (() => true) };
    this.#browserUser = installed;
    return () => {
      if (this.#browserUser === installed) this.#browserUser = undefined;
    };
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
      throw new InvalidArgumentError(
        'input',
        'createSession() needs { providers: { <provider id>: [scopes] }, user?, returnTo?, ttlSec? }.',
      );
    }
    if (input.user !== undefined && (typeof input.user !== 'string' || input.user.trim() === '')) {
      throw new InvalidArgumentError('user', 'must be a non-empty string, or omitted to let the first provider login decide.');
    }
    if (input.user !== undefined) requireIdentifier(input.user, 'user');
    if (input.providers === null || typeof input.providers !== 'object' || Object.keys(input.providers).length === 0) {
      throw new InvalidArgumentError(
        'providers',
        'name at least one provider and its scopes, e.g. { google: ["https://www.googleapis.com/auth/calendar.readonly"] }.',
      );
    }
    const steps = Object.entries(input.providers).map(([id, scopes]) => {
      if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string' || s.trim() === '')) {
        throw new InvalidArgumentError(`providers.${id}`, 'must be an array of scope strings (may be empty).');
      }
      const provider = this.#deps.provider(id); // VaultConfigError for unknown ids
      return { id: provider.id, scopes: normalizeProviderScopes(provider, scopes, `providers.${id}`), provider };
    });
    const first = steps[0]!;
    if (
      input.user === undefined &&
      first.provider.identity === undefined &&
      !first.scopes.concat(first.provider.defaultScopes).includes('openid')
    ) {
      throw new InvalidArgumentError(
        'user',
        `is required: provider "${first.id}" has no identity source (id_token, userinfo or a function), so the login cannot name the user. Pass { user } or configure the provider's identity.`,
      );
    }
    if (input.bind !== undefined && input.bind !== 'cookie' && input.bind !== 'confirm') {
      throw new InvalidArgumentError(
        'bind',
        'must be "confirm" (an interstitial binds the browser that confirms) or "cookie" (bound to the browser you send session.bindingCookie to), or omitted.',
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
    const providers: ConnectStep[] = [];
    for (const { id: providerId, scopes } of steps) {
      // A confirm link for a user who already has grants at the provider is a re-authorization:
      // the login must come back as one of those accounts unless the user chooses to switch.
      const existing =
        input.user !== undefined ? await this.#deps.store.listGrants({ user: input.user, provider: providerId, includeRevoked: true }) : [];
      const expectAccounts = input.bind === 'confirm' ? [...new Set(existing.map((g) => g.account))].sort() : [];
      // Incremental authorization: ask for what the user's active grants already hold plus what is
      // missing, so approving one tool's scopes never drops another tool's (providers that replace
      // a token's scopes on each consent would otherwise narrow the grant).
      const held = existing.filter((g) => g.status !== 'revoked').flatMap((g) => g.scopes);
      const asked = held.length ? [...new Set([...scopes, ...held])] : scopes;
      providers.push({ id: providerId, scopes: asked, ...(expectAccounts.length ? { expectAccounts } : {}) });
    }
    const secret = input.bind === 'cookie' ? newBrowserSecret() : undefined;
    const record: ConnectSessionRecord = {
      v: 1,
      id,
      ...(input.user !== undefined ? { user: input.user } : {}),
      providers,
      ...(input.bind !== undefined ? { bind: input.bind } : {}),
      ...(secret !== undefined ? { binding: bindingHash(secret) } : {}),
      ...(input.returnTo !== undefined ? { returnTo: input.returnTo } : {}),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + ttlSec * 1000).toISOString(),
      status: 'pending',
      step: 0,
      grants: [],
      baseUrl,
    };
    if (!(await this.#sessions.create(record)))
      throw new ConnectSessionError('used', 'A Connect session id collided; create the session again.');
    this.#deps.sessionStarted?.();
    this.#deps.logger.debug('connect: session created', {
      session: shortId(id),
      providers: steps.map((s) => s.id),
      user: input.user ?? null,
      bind: input.bind ?? null,
    });
    return {
      id,
      url: `${baseUrl}/connect/${id}`,
      expiresAt: new Date(record.expiresAt),
      ...(secret !== undefined ? { bindingCookie: bindingSetCookie(id, secret, baseUrl, ttlSec) } : {}),
    };
  }

  /**
   * A link to the end user's grants page (`<base>/connect/grants/<id>`, served by
   * {@link handler}): it lists the user's connected accounts (provider, account, scopes, last
   * used) and disconnects one, revoking it at the provider too. Bound like a `bind: 'confirm'`
   * link: an interstitial naming the app and the user, then only the browser that confirmed it
   * (and, with {@link useBrowserUser} installed, only when signed in as that user). Send it to the
   * user the way you would a Connect link.
   *
   * @throws InvalidArgumentError naming `user` or `ttlSec`; VaultConfigError without a base URL.
   * @example
   * const { url } = await vault.connect.createGrantsLink({ user: 'alice' });
   */
  async createGrantsLink(input: CreateGrantsLinkInput): Promise<GrantsLink> {
    if (input === null || typeof input !== 'object' || typeof input.user !== 'string' || input.user.trim() === '') {
      throw new InvalidArgumentError('user', 'createGrantsLink() needs { user: "<the user id whose grants the page shows>" }.');
    }
    requireIdentifier(input.user, 'user');
    const ttlSec = input.ttlSec ?? DEFAULT_GRANTS_LINK_TTL_SEC;
    if (typeof ttlSec !== 'number' || !Number.isFinite(ttlSec) || ttlSec <= 0 || ttlSec > MAX_TTL_SEC) {
      throw new InvalidArgumentError(
        'ttlSec',
        `must be a number of seconds between 1 and ${MAX_TTL_SEC} (default ${DEFAULT_GRANTS_LINK_TTL_SEC}).`,
      );
    }
    const baseUrl = this.baseUrl;
    if (!baseUrl) {
      throw new VaultConfigError(
        'Connect has no base URL: set `connect: { baseUrl }` or call `await vault.connect.listen()` before creating a grants link.',
      );
    }
    await this.#deps.ready?.();
    const id = randomBytes(SESSION_ID_BYTES).toString('base64url');
    const now = Date.now();
    const record: GrantsLinkRecord = {
      v: 1,
      id,
      user: input.user,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + ttlSec * 1000).toISOString(),
      baseUrl,
    };
    if (!(await this.#deps.store.kvCompareAndSet(GRANTS_LINK_KV_NAMESPACE, id, 0, JSON.stringify(record), grantsLinkKvExpiry(record)))) {
      throw new ConnectSessionError('used', 'A grants link id collided; create the link again.');
    }
    this.#deps.logger.debug('connect: grants link created', { link: shortId(id), user: input.user });
    return { id, url: `${baseUrl}/connect/grants/${id}`, expiresAt: new Date(record.expiresAt) };
  }

  /**
   * The current outcome of a session (status `pending` while the user is still at it).
   * @throws ConnectSessionError reason `'unknown'` when no such session exists (or it was purged).
   */
  async get(id: string): Promise<ConnectResult> {
    const record = await this.#sessions.load(id);
    if (!record) throw unknownSession();
    if (record.status === 'pending' && isPastExpiry(record)) {
      const expired = await this.#sessions.expire(record.id);
      if (expired) return toResult(expired);
    }
    return toResult(record);
  }

  /**
   * Resolves when the session completes, fails or expires — including when its callback is
   * handled by another process sharing the store: with PostgreSQL the completing process sends a
   * NOTIFY and this wait re-reads the session as soon as it arrives; otherwise (or while the LISTEN
   * connection is down) the store is read every `pollIntervalMs` (default 250 ms), which bounds how
   * late a completion elsewhere is noticed.
   *
   * @throws ConnectSessionError reason `'unknown'` for an unknown id, `'timeout'` after `timeoutMs`.
   * @throws the signal's reason when `signal` aborts.
   * @example
   * const result = await vault.connect.waitFor(session.id, { timeoutMs: 120_000 });
   * if (result.status === 'complete') console.log(result.user, result.grants);
   */
  async waitFor(id: string, options: ConnectWaitOptions = {}): Promise<ConnectResult> {
    if (typeof id !== 'string' || id === '') throw new InvalidArgumentError('id', 'must be a Connect session id.');
    const explicitPollMs = options.pollIntervalMs;
    if (explicitPollMs !== undefined && (typeof explicitPollMs !== 'number' || !Number.isFinite(explicitPollMs) || explicitPollMs <= 0)) {
      throw new InvalidArgumentError('pollIntervalMs', 'must be a positive number of milliseconds, or omitted for the default.');
    }
    options.signal?.throwIfAborted();
    // Open the store before watching: the signals' LISTEN connection needs an open store.
    await this.#deps.ready?.();
    options.signal?.throwIfAborted();
    return new Promise<ConnectResult>((resolve, reject) => {
      let done = false;
      let reading = false;
      let readAgain = false;
      let lastRead = 0;
      let pollTimer: NodeJS.Timeout | undefined;
      let timeoutTimer: NodeJS.Timeout | undefined;
      const settle = (fn: () => void) => {
        if (done) return;
        done = true;
        unwatch();
        this.#sessions.events.off(`settled:${id}`, onSettled);
        options.signal?.removeEventListener('abort', onAbort);
        clearTimeout(pollTimer);
        clearTimeout(timeoutTimer);
        fn();
      };
      // One read at a time; a wake during a read asks for one more (the read may predate the change).
      const read = () => {
        if (done) return;
        if (reading) {
          readAgain = true;
          return;
        }
        reading = true;
        lastRead = Date.now();
        this.get(id).then(
          (result) => {
            reading = false;
            if (result.status !== 'pending') settle(() => resolve(result));
            else if (readAgain) {
              readAgain = false;
              read();
            }
          },
          (err: unknown) => {
            reading = false;
            settle(() => reject(err));
          },
        );
      };
      const onSettled = (result: ConnectResult) => settle(() => resolve(result));
      const onAbort = () => settle(() => reject(options.signal?.reason));
      // The timer ticks at the fast interval; while signals are live it reads only every
      // SIGNALLED_POLL_MS, and falls back to every tick the moment they are not.
      const poll = () => {
        pollTimer = setTimeout(() => {
          const interval = explicitPollMs ?? (this.#feed.live ? SIGNALLED_POLL_MS : DEFAULT_POLL_MS);
          if (Date.now() - lastRead >= interval) read();
          poll();
        }, explicitPollMs ?? DEFAULT_POLL_MS);
      };
      // Watch before the first read, so an announcement between the read and the watch is not missed.
      const unwatch = this.#feed.watch(id, read);
      this.#sessions.events.on(`settled:${id}`, onSettled);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.timeoutMs !== undefined) {
        timeoutTimer = setTimeout(
          () =>
            settle(() =>
              reject(new ConnectSessionError('timeout', `Connect session ${shortId(id)}… is still pending after ${options.timeoutMs} ms.`)),
            ),
          options.timeoutMs,
        );
      }
      read();
      poll();
    });
  }

  /**
   * Listens to sessions finishing in this process (`'complete'` or `'failed'`, which includes
   * expiry noticed here). For callbacks handled by another process use {@link waitFor}.
   */
  on(event: ConnectEvent, listener: (result: ConnectResult) => void): this {
    this.#sessions.events.on(event, listener);
    return this;
  }

  off(event: ConnectEvent, listener: (result: ConnectResult) => void): this {
    this.#sessions.events.off(event, listener);
    return this;
  }

  /**
   * The HTTP handler serving `GET|POST <base>/connect/:id` and `GET <base>/connect/callback`.
   * Other paths go to `next()` when given (express), otherwise get a 404.
   *
   * @example
   * http.createServer(vault.connect.handler()).listen(3000); // with connect.baseUrl 'http://localhost:3000'
   * app.use(vault.connect.handler());                       // express
   */
  handler(): ConnectRequestHandler {
    return (req, res, next) => this.#http.handle(req, res, next);
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
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new InvalidArgumentError('port', 'must be an integer between 0 and 65535.');
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
    this.#base.listening = url;
    return { url, port: address.port, close: () => this.close() };
  }

  /** Stops the `listen()` server (if any). Sessions stay in the store. */
  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    this.#base.listening = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

function unknownSession(): ConnectSessionError {
  return new ConnectSessionError('unknown', 'No such Connect session (unknown id, or it was purged after expiring). Create a new session.');
}
