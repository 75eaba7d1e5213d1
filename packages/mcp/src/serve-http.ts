/**
 * `serveHttp(server, options)`: serve MCP over Streamable HTTP (the SDK's transport) on an express
 * app bound to 127.0.0.1 by default (with the SDK's DNS-rebinding protection), with the vault's
 * Connect handler and an optional auth plug-in on the same server, and a graceful `close()`.
 * When the vault has no Connect base URL, this server adopts its own origin (or `publicUrl`) for
 * Connect links, so they work even on port 0.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlterVault, Logger } from '@alter/vault';
import { createDefaultLogger } from '@alter/vault';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type express from 'express';
import { alterMcpFor } from './alter-mcp.js';
import { ServeError } from './errors.js';
import type { HttpAuthPlugin } from './http-auth-plugin.js';
import { closeAlter, onTerminationSignals } from './internal/graceful-close.js';
import { openVaultAtStartup } from './internal/vault-startup.js';
import type { McpServerLike } from './sdk/sdk-seam.js';

/** Creates one server per HTTP session (register your AlterMCP tools inside it). */
export type McpServerFactory = () => McpServerLike | Promise<McpServerLike>;

export interface ServeHttpOptions {
  /** Port (default 0: any free port; read it from the returned `url`). */
  readonly port?: number;
  /** Interface to bind (default `127.0.0.1`). Binding elsewhere needs `allowedHosts` or an auth plug-in. */
  readonly host?: string;
  /** Path of the MCP endpoint (default `/mcp`). */
  readonly path?: string;
  /** Host header values accepted (default: localhost names when bound to loopback). */
  readonly allowedHosts?: string[];
  /**
   * Public origin when behind a proxy (default `http://<host>:<port>`). Also the base of Connect
   * links when the vault has no `connect.baseUrl` (see `vault.connect.useBaseUrl`).
   */
  readonly publicUrl?: string;
  /** Authorization plug-in (e.g. AlterAuthProvider): mounts its routes and guards the endpoint. */
  readonly auth?: HttpAuthPlugin;
  /** The vault whose Connect handler is mounted and which is flushed on close (default: the server's AlterMCP vault). */
  readonly vault?: AlterVault;
  /** Close the vault on `close()` (default true). */
  readonly closeVault?: boolean;
  /** Shut down gracefully on SIGINT/SIGTERM (default false). */
  readonly handleSignals?: boolean;
  /** Event store for resumable SSE streams (optional). */
  readonly eventStore?: EventStore;
  readonly logger?: Logger;
}

export interface HttpServerHandle {
  /** The MCP endpoint, e.g. `http://127.0.0.1:43121/mcp`. */
  readonly url: string;
  /** The origin, e.g. `http://127.0.0.1:43121`. */
  readonly baseUrl: string;
  /** The express app (mount more routes if you like). */
  readonly app: express.Express;
  /** Closes every session and the HTTP server, stops background work, flushes the audit log and closes the vault. Idempotent. */
  close(): Promise<void>;
}

interface Session {
  readonly transport: StreamableHTTPServerTransport;
  readonly server: McpServerLike;
}

/**
 * Serves `server` over Streamable HTTP. Pass a factory to serve many clients at once (the SDK binds
 * one server object to one session); a single server serves one session at a time.
 *
 * @throws ServeError when the port cannot be bound.
 * @throws VaultStartupError when the vault cannot be opened (store unreachable or broken, wrong
 *   key, SQLite driver built for another Node); nothing listens then.
 * @example
 * const handle = await serveHttp(() => {
 *   const server = new McpServer({ name: 'calendar', version: '1.0.0' });
 *   alter.register(server, [CalendarTools]);
 *   return server;
 * }, { port: 8080 });
 * console.error(`MCP endpoint: ${handle.url}`);
 */
export async function serveHttp(server: McpServerLike | McpServerFactory, options: ServeHttpOptions = {}): Promise<HttpServerHandle> {
  const logger = options.logger ?? createDefaultLogger();
  const host = options.host ?? '127.0.0.1';
  const path = options.path ?? '/mcp';
  const factory = typeof server === 'function' ? (server as McpServerFactory) : undefined;
  // With a factory, build the first server now: registration errors surface at startup.
  const firstServer: McpServerLike = factory ? await factory() : (server as McpServerLike);
  let spare: McpServerLike | undefined = firstServer;
  const vault = options.vault ?? alterMcpFor(firstServer)?.vault;
  // Before listening: a broken store fails the start, not every tool call later.
  if (vault) await openVaultAtStartup(vault, 'serveHttp');

  const app = createMcpExpressApp({ host, ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}) });
  const httpServer = createServer(app);
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', (err) => reject(new ServeError(`serveHttp: cannot listen on ${host}:${options.port ?? 0}: ${err.message}`, { cause: err })));
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
        logger.info(`Connect links are served by this server (${baseUrl}/connect/…); the providers must accept ${baseUrl}/connect/callback as a redirect URI.`);
      }
    }
  }
  const guard = options.auth?.install(app, { mcpPath: path, baseUrl });

  const sessions = new Map<string, Session>();
  const handle = async (req: express.Request, res: express.Response): Promise<void> => {
    const sid = req.headers['mcp-session-id'];
    if (typeof sid === 'string') {
      const session = sessions.get(sid);
      if (!session) {
        res.status(404).json({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found; initialize a new session.' }, id: null });
        return;
      }
      await session.transport.handleRequest(req, res, req.body);
      return;
    }
    if (req.method !== 'POST' || !isInitializeRequest(req.body)) {
      res.status(400).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Bad Request: send an initialize request first (no valid mcp-session-id).' }, id: null });
      return;
    }
    const srv = spare ?? (factory ? await factory() : undefined);
    if (!srv) {
      res.status(409).json({
        jsonrpc: '2.0',
        error: { code: -32000, message: 'This server serves one session at a time. Pass a server factory to serveHttp to serve several clients.' },
        id: null,
      });
      return;
    }
    spare = undefined;
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server: srv });
      },
      ...(options.eventStore ? { eventStore: options.eventStore } : {}),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
      // A single server becomes free again for the next session.
      if (!factory) spare = srv;
      else srv.close().catch(() => {});
    };
    await srv.connect(transport);
    await transport.handleRequest(req, res, req.body);
  };
  const endpoint = (req: express.Request, res: express.Response) => {
    handle(req, res).catch((err: unknown) => {
      logger.error('MCP HTTP request failed', { error: (err as Error)?.name, message: (err as Error)?.message });
      if (!res.headersSent) res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
    });
  };
  if (guard) app.all(path, guard, endpoint);
  else app.all(path, endpoint);

  let closing: Promise<void> | undefined;
  let removeSignals = () => {};
  const close = (): Promise<void> => {
    closing ??= (async () => {
      removeSignals();
      for (const { transport, server: s } of [...sessions.values()]) {
        await transport.close().catch(() => {});
        if (factory) await s.close().catch(() => {});
      }
      sessions.clear();
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      });
      // A vault that outlives this server (closeVault: false) must not keep handing out its URL.
      releaseConnectBase();
      await closeAlter(firstServer, vault, options.closeVault ?? true, logger);
    })();
    return closing;
  };
  if (options.handleSignals) removeSignals = onTerminationSignals(close, logger);
  return { url: `${baseUrl}${path}`, baseUrl, app, close };
}
