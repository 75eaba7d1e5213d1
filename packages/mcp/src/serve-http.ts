/**
 * `serveHttp(server, options)`: serve MCP over Streamable HTTP (the transport of the server's own
 * SDK generation, loaded for it: an app with only SDK v2 never needs SDK v1) on an express app
 * bound to 127.0.0.1 by default (with DNS-rebinding protection), with the vault's
 * Connect handler and an optional auth plug-in on the same server, and a graceful `close()`.
 * When the vault has no Connect base URL, this server adopts its own origin (or `publicUrl`) for
 * Connect links, so they work even on port 0.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlterVault, Logger } from '@alter/vault';
import { createDefaultLogger, InvalidArgumentError } from '@alter/vault';
import express from 'express';
import { alterMcpFor } from './alter-mcp.js';
import { errorPageHandler } from './auth/error-page.js';
import { ServeError } from './errors.js';
import type { HttpAuthPlugin } from './http-auth-plugin.js';
import { type CorsOptions, checkCorsOptions, originGuard } from './http/cors.js';
import type { EventStore } from './http/event-store.js';
import { hostGuardFor } from './http/host-header-guard.js';
import type { HttpSession } from './http/http-session-kit.js';
import { MemoryEventStore } from './http/memory-event-store.js';
import { markPrivate } from './http/private-responses.js';
import { assertScopable, scopeEventStore } from './http/scoped-event-store.js';
import { opensLongLivedStream, RequestDrain } from './http/request-drain.js';
import { SessionRegistry } from './http/session-registry.js';
import { answerAbandoned } from './http/shutdown-answers.js';
import { sessionOwnerOf } from './http/session-owner.js';
import { answerSessionless, classifySessionless } from './http/sessionless.js';
import { closeAlter, onTerminationSignals } from './internal/graceful-close.js';
import { openVaultAtStartup } from './internal/vault-startup.js';
import { httpSessionKitFor } from './sdk/load-http-session-kit.js';
import { modernEra, sdkAdapterFor } from './sdk/sdk-adapters.js';
import type { ModernHttpLeg } from './sdk/modern-era.js';
import type { AuthInfo } from './auth/oauth-types.js';
import type { McpServerLike } from './sdk/sdk-seam.js';

export type { CorsOptions } from './http/cors.js';
export type { EventStore, EventStoreMessage } from './http/event-store.js';

/** Default idle timeout of a session: 30 minutes. */
const DEFAULT_IDLE_TIMEOUT_MS = 30 * 60_000;
/** Default bound on live sessions. */
const DEFAULT_MAX_SESSIONS = 1000;
/** Events kept per session by the default event store (for `Last-Event-ID` resumption). */
const DEFAULT_EVENTS_PER_SESSION = 500;
/** Default time `close()` lets in-flight requests finish: 10 seconds (most orchestrators wait 30 s before SIGKILL). */
const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/** Creates one server per HTTP session (register your AlterMCP tools inside it). Optional: serveHttp forks a single server per session itself. */
export type McpServerFactory = () => McpServerLike | Promise<McpServerLike>;

export interface ServeHttpOptions {
  /** Port (default 0: any free port; read it from the returned `url`). */
  readonly port?: number | undefined;
  /** Interface to bind (default `127.0.0.1`). Binding elsewhere needs `allowedHosts` or an auth plug-in. */
  readonly host?: string | undefined;
  /** Path of the MCP endpoint (default `/mcp`). */
  readonly path?: string | undefined;
  /** Host header values accepted (default: localhost names when bound to loopback). */
  readonly allowedHosts?: string[] | undefined;
  /**
   * Public origin when behind a proxy (default `http://<host>:<port>`). Also the base of Connect
   * links when the vault has no `connect.baseUrl` (see `vault.connect.useBaseUrl`).
   */
  readonly publicUrl?: string | undefined;
  /** Authorization plug-in (e.g. AlterAuthProvider): mounts its routes and guards the endpoint. */
  readonly auth?: HttpAuthPlugin | undefined;
  /** The vault whose Connect handler is mounted and which is flushed on close (default: the server's AlterMCP vault). */
  readonly vault?: AlterVault | undefined;
  /** Close the vault on `close()` (default true). */
  readonly closeVault?: boolean | undefined;
  /** Shut down gracefully on SIGINT/SIGTERM (default false); a second signal during the shutdown ends the process at once. */
  readonly handleSignals?: boolean | undefined;
  /**
   * How long `close()` (and SIGTERM with `handleSignals`) lets requests in flight finish, in
   * milliseconds (default 10 000). New requests are refused meanwhile (503). Requests still
   * running when it ends are answered with a JSON-RPC error and their tool calls are aborted.
   * `0`: do not wait. Open SSE streams are not waited for.
   */
  readonly shutdownGraceMs?: number | undefined;
  /**
   * Event store for resumable SSE streams (`Last-Event-ID`). Default: a bounded in-memory store
   * per session (the last 500 events). `false`: no resumption. Your own store is shared by all
   * sessions; it must implement `getStreamIdForEventId` (serveHttp uses it to keep sessions apart).
   */
  readonly eventStore?: EventStore | false | undefined;
  /**
   * The `retry` (milliseconds) sent in the first event of every resumable SSE stream: how long a
   * client waits before reconnecting after the server closed it (`ctx.closeSseStream()`). Default 1000.
   */
  readonly sseRetryMs?: number | undefined;
  /** A session with no request in flight for this long is closed (default 30 minutes). */
  readonly sessionIdleTimeoutMs?: number | undefined;
  /**
   * Most live sessions (default 1000). A new client beyond it evicts the least-recently-used idle
   * session; when every session has a request in flight it gets HTTP 503.
   */
  readonly maxSessions?: number | undefined;
  /** CORS for browser clients on other origins (off by default). */
  readonly cors?: CorsOptions | undefined;
  readonly logger?: Logger | undefined;
}

export interface HttpServerHandle {
  /** The MCP endpoint, e.g. `http://127.0.0.1:43121/mcp`. */
  readonly url: string;
  /** The origin, e.g. `http://127.0.0.1:43121`. */
  readonly baseUrl: string;
  /** The express app (mount more routes if you like). */
  readonly app: express.Express;
  /**
   * Stops accepting requests, lets those in flight finish (at most `shutdownGraceMs`), then closes
   * every session and the HTTP server, stops background work, flushes the audit log and closes
   * the vault. Idempotent.
   */
  close(): Promise<void>;
}

/** The per-session fork of a single server. @throws ServeError when its SDK generation cannot fork. */
function sessionForkerFor(server: McpServerLike): () => McpServerLike {
  const adapter = sdkAdapterFor(server);
  if (!adapter.sessionForker) {
    throw new ServeError(
      `serveHttp(server): one ${adapter.sdk.name} server cannot be served to many sessions; pass a factory instead: serveHttp(() => { const server = new McpServer(…); alter.register(server, […]); return server; }).`,
    );
  }
  return adapter.sessionForker(server);
}

/**
 * The 2026-07-28 leg, when SDK v2 (the only SDK implementing that revision) is installed; without
 * it such requests get a 400 naming the versions served (http/sessionless.ts).
 */
function modernLeg(factory: McpServerFactory | undefined, first: McpServerLike, logger: Logger): ModernHttpLeg | undefined {
  if (!modernEra) return undefined;
  const era = modernEra;
  const firstAdapter = sdkAdapterFor(first);
  if (firstAdapter.generation === 'v1') {
    logger.info(
      `serveHttp: 2026-07-28 clients are served this server's Alter tools through ${era.MODERN_PROTOCOL_VERSIONS.join(', ')}; tools, resources and prompts registered with ${firstAdapter.sdk.name}'s own API reach 2025-era clients only (build the server with @modelcontextprotocol/server 2.x to serve them to both).`,
    );
  }
  let build: () => Promise<ReturnType<ReturnType<typeof era.modernServerFor>>>;
  if (factory) {
    build = async () => {
      const server = await factory();
      const adapter = sdkAdapterFor(server);
      return era.modernServerFor(server, adapter)();
    };
  } else {
    // Built (and its SDK internals checked) now: a missing internal fails the start, not a request.
    const fresh = era.modernServerFor(first, firstAdapter);
    build = async () => fresh();
  }
  return era.modernHttpLeg(build, (error) =>
    logger.debug('2026-07-28 request refused or failed', { error: error.name, message: error.message }),
  );
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw new InvalidArgumentError(`options.${name}`, 'must be an integer ≥ 1');
  return value;
}

function nonNegativeInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw new InvalidArgumentError(`options.${name}`, 'must be an integer ≥ 0');
  return value;
}

/**
 * Serves `server` over Streamable HTTP to any number of clients, one after another and at once.
 * Each session gets its own protocol server (client capabilities, logging level, in-flight
 * requests are per session): a single `server` is forked per session, a factory is called per
 * session. Idle sessions expire, the number of sessions is bounded.
 *
 * Both protocol eras on the same path: 2025-11-25 clients get a session each (as above);
 * 2026-07-28 clients (stateless: per-request `_meta`, `server/discover`, `input_required`) are
 * answered per request by SDK v2's entry with a fresh fork of `server` (a v1 server's Alter tools
 * through a v2 bridge). Needs `@modelcontextprotocol/server` 2.x installed for the 2026 era.
 *
 * @throws ServeError when the port cannot be bound, or a single `server` cannot be forked with this SDK.
 * @throws InvalidArgumentError naming a bad option (`sessionIdleTimeoutMs`, `maxSessions`, `shutdownGraceMs`, `cors`).
 * @throws VaultStartupError when the vault cannot be opened (store unreachable or broken, wrong
 *   key, SQLite driver built for another Node); nothing listens then.
 * @example
 * const server = new McpServer({ name: 'calendar', version: '1.0.0' });
 * alter.register(server, [CalendarTools]);
 * const handle = await serveHttp(server, { port: 8080 });
 * console.error(`MCP endpoint: ${handle.url}`);
 */
export async function serveHttp(server: McpServerLike | McpServerFactory, options: ServeHttpOptions = {}): Promise<HttpServerHandle> {
  const logger = options.logger ?? createDefaultLogger();
  const host = options.host ?? '127.0.0.1';
  const path = options.path ?? '/mcp';
  const idleTimeoutMs = positiveInteger('sessionIdleTimeoutMs', options.sessionIdleTimeoutMs, DEFAULT_IDLE_TIMEOUT_MS);
  const maxSessions = positiveInteger('maxSessions', options.maxSessions, DEFAULT_MAX_SESSIONS);
  const cors = checkCorsOptions(options.cors);
  const sseRetryMs = positiveInteger('sseRetryMs', options.sseRetryMs, 1000);
  const shutdownGraceMs = nonNegativeInteger('shutdownGraceMs', options.shutdownGraceMs, DEFAULT_SHUTDOWN_GRACE_MS);
  const sharedEventStore = options.eventStore || undefined;
  if (sharedEventStore) assertScopable(sharedEventStore);
  const factory = typeof server === 'function' ? (server as McpServerFactory) : undefined;
  // With a factory, build the first server now: registration errors surface at startup.
  const firstServer: McpServerLike = factory ? await factory() : (server as McpServerLike);
  // A single server is a template, never connected itself; check now that it can be forked.
  const fork = factory ? undefined : sessionForkerFor(firstServer);
  let spare: McpServerLike | undefined = factory ? firstServer : undefined;
  const sessionServer = async (): Promise<McpServerLike> => {
    if (!factory) return fork!();
    const next = spare ?? (await factory());
    spare = undefined;
    return next;
  };
  // The sessions are served by the first server's SDK generation (a factory builds one kind).
  const sessionKit = await httpSessionKitFor(sdkAdapterFor(firstServer));
  const modern = modernLeg(factory, firstServer, logger);
  const vault = options.vault ?? alterMcpFor(firstServer)?.vault;
  // Before listening: a broken store fails the start, not every tool call later.
  if (vault) await openVaultAtStartup(vault, 'serveHttp');

  const app = express();
  const hostGuard = hostGuardFor(host, options.allowedHosts, logger);
  if (hostGuard) app.use(hostGuard);
  app.use(express.json());
  const drain = new RequestDrain();
  const httpServer = createServer(drain.listener(app));
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', (err) =>
      reject(new ServeError(`serveHttp: cannot listen on ${host}:${options.port ?? 0}: ${err.message}`, { cause: err })),
    );
    httpServer.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const baseUrl = (options.publicUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');

  let releaseConnectBase = () => {};
  if (vault) {
    app.use(vault.connect.handler() as express.RequestHandler);
    if (vault.connect.baseUrl === undefined) {
      // The vault has no Connect base URL (none configured, no listen()): Connect links point at
      // this server, which serves them above. Per process; sessions keep the URL they were made with.
      releaseConnectBase = vault.connect.useBaseUrl(baseUrl);
      if (vault.providerIds.length > 0) {
        logger.info(
          `Connect links are served by this server (${baseUrl}/connect/…); the providers must accept ${baseUrl}/connect/callback as a redirect URI.`,
        );
      }
    }
  }
  // Origin check and CORS preflight come before auth: browsers send preflights without credentials.
  app.use(path, originGuard(new URL(baseUrl).origin, cors));
  const guard = options.auth?.install(app, { mcpPath: path, baseUrl });

  const sessions = new SessionRegistry<HttpSession>({ idleTimeoutMs, maxSessions, logger });
  const handle = async (req: express.Request, res: express.Response): Promise<void> => {
    // Set by the auth plug-in's guard: this response is computed for one user.
    const auth = (req as { auth?: AuthInfo }).auth;
    if (auth !== undefined) markPrivate(res);
    const sid = req.headers['mcp-session-id'];
    if (typeof sid === 'string') {
      // Another caller's session is answered exactly as an unknown one: its existence is not revealed.
      const session = sessions.get(sid, auth);
      if (!session) {
        res.status(404).json({
          jsonrpc: '2.0',
          error: { code: -32001, message: 'Session not found (expired, evicted or closed); initialize a new session.' },
          id: null,
        });
        return;
      }
      const end = sessions.begin(sid);
      // An SSE stream stays in flight until its connection closes: a connected client is not idle.
      res.once('close', end);
      try {
        await session.handle(req, res, req.body, auth);
      } finally {
        if (res.writableEnded) end();
      }
      return;
    }
    if (modern && (await modern.owns(req, baseUrl))) {
      // 2026-07-28: no session; every request is served on its own by a fresh server.
      await modern.serve(req, res, baseUrl, auth);
      return;
    }
    const kind = classifySessionless(req, sessionKit);
    if (kind !== 'initialize') {
      answerSessionless(kind, req, res, sessionKit);
      return;
    }
    if (sessions.reserve() === 'full') {
      res.setHeader('Retry-After', '5');
      res.status(503).json({
        jsonrpc: '2.0',
        error: {
          code: -32000,
          message: `Service Unavailable: all ${maxSessions} MCP sessions have a request in flight; retry shortly (serveHttp option maxSessions).`,
        },
        id: null,
      });
      return;
    }
    let srv: McpServerLike;
    try {
      srv = await sessionServer();
    } catch (err) {
      sessions.release();
      throw err;
    }
    const id = randomUUID();
    const owner = sessionOwnerOf(auth);
    let live = false;
    const session: HttpSession = sessionKit.open({
      origin: baseUrl,
      sessionId: id,
      onInitialized: () => {
        live = true;
        sessions.add(id, session, owner);
      },
      onClosed: () => {
        sessions.forget(id);
        srv.close().catch(() => {});
      },
      eventStore: sharedEventStore
        ? scopeEventStore(sharedEventStore, id)
        : options.eventStore === false
          ? undefined
          : new MemoryEventStore(DEFAULT_EVENTS_PER_SESSION),
      retryIntervalMs: sseRetryMs,
    });
    try {
      await srv.connect(session.transport);
      await session.handle(req, res, req.body, auth);
    } finally {
      if (!live) {
        // The initialize was refused (bad version, bad body): no session came of it.
        sessions.release();
        await session.close().catch(() => {});
      }
    }
  };
  const endpoint = (req: express.Request, res: express.Response) => {
    if (opensLongLivedStream(req)) drain.exempt(res);
    handle(req, res).catch((err: unknown) => {
      logger.error('MCP HTTP request failed', { error: (err as Error)?.name, message: (err as Error)?.message });
      if (!res.headersSent) res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
    });
  };
  if (guard) app.all(path, guard, endpoint);
  else app.all(path, endpoint);
  // Last: errors of every route above (a body that does not parse, …) get a generic page with an
  // error id, never express's default page, which shows the stack unless NODE_ENV=production.
  app.use(errorPageHandler(logger));

  let closing: Promise<void> | undefined;
  let removeSignals = () => {};
  const close = (): Promise<void> => {
    closing ??= (async () => {
      removeSignals();
      // Stop accepting first (no new connections; new requests on kept-alive ones get 503), and let
      // the requests in flight finish before their sessions close: closing a session aborts its
      // tool calls, and an aborted provider POST may already have acted with no answer to show.
      const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      const abandoned = await drain.drain(shutdownGraceMs);
      if (abandoned.length > 0) {
        logger.warn('serveHttp: the shutdown grace period ended with requests in flight; answering them with an error', {
          requests: abandoned.length,
          shutdownGraceMs,
        });
        await Promise.all(abandoned.map(([req, res]) => answerAbandoned(req, res, shutdownGraceMs)));
      }
      await sessions.closeAll();
      await modern?.close();
      httpServer.closeAllConnections();
      await stopped;
      // A vault that outlives this server (closeVault: false) must not keep handing out its URL.
      releaseConnectBase();
      await closeAlter(firstServer, vault, options.closeVault ?? true, logger);
    })();
    return closing;
  };
  if (options.handleSignals) removeSignals = onTerminationSignals(close, logger);
  return { url: `${baseUrl}${path}`, baseUrl, app, close };
}
