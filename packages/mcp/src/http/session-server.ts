/**
 * One protocol server per HTTP session, forked from the single server the user built.
 *
 * Why fork: the SDK (1.x) binds one `Server` (a `Protocol`) to one transport, and that object holds
 * per-client state — the client's declared capabilities (sampling, elicitation, URL elicitation),
 * its protocol version, its logging level, in-flight request ids and their abort controllers.
 * Multiplexing several clients through one `Server` would mix that state between users (user B's
 * logging level or missing elicitation support applied to user A; request ids colliding across
 * clients, so B could cancel A's call). A fresh `Server` per session keeps all of it apart.
 *
 * What the fork shares with the template: the server info, capabilities and instructions, and the
 * request handlers registered on it (McpServer's tools/resources/prompts/completion handlers read
 * the McpServer's registries, so `registerTool` tools — even ones registered after `serveHttp`
 * started — work in every session). What it does not share: the handlers the SDK installs per
 * server (initialize, ping, logging/setLevel, tasks), which the fresh server installs for itself,
 * and Alter's tool handlers, which are installed anew because they read per-session state.
 *
 * Limits (documented in docs/serving.md): code that calls methods on the template object itself
 * (`server.server.elicitInput()`, `server.sendToolListChanged()`, `server.server.oninitialized`)
 * reaches no session — inside handlers use the request's `extra`, or pass a factory to `serveHttp`.
 *
 * This reads the SDK's private members `_serverInfo`, `_options`, `_capabilities`, `_instructions`,
 * `_requestHandlers` and `_notificationHandlers`; it checks each one and throws when absent (a
 * renamed member must fail loudly, never silently serve a server without tools). It belongs to the
 * SDK 1.x seam; an SDK with per-request servers replaces it.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { ServerOptions } from '@modelcontextprotocol/sdk/server/index.js';
import type { Implementation, ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { ServeError } from '../errors.js';
import { copyAlterToolTables, lowLevelServer, type McpServerLike } from '../sdk-adapter.js';

type Handler = (...args: never[]) => unknown;

interface ServerInternals {
  _serverInfo?: Implementation;
  _options?: ServerOptions;
  _capabilities?: ServerCapabilities;
  _instructions?: string;
  _requestHandlers?: Map<string, Handler>;
  _notificationHandlers?: Map<string, Handler>;
}

function unsupported(member: string): ServeError {
  return new ServeError(
    `serveHttp(server): cannot serve one server to many sessions with this MCP SDK version (Server.${member} not found). Pass a factory instead: serveHttp(() => { const server = new McpServer(…); alter.register(server, […]); return server; }).`,
  );
}

/**
 * Checks that `template` can be forked (call once at startup, so a mismatch fails there).
 * @throws ServeError naming the missing SDK member and the factory alternative.
 */
export function assertForkable(template: McpServerLike): void {
  const low = lowLevelServer(template) as unknown as ServerInternals;
  if (typeof low._serverInfo !== 'object' || low._serverInfo === null) throw unsupported('_serverInfo');
  if (typeof low._capabilities !== 'object' || low._capabilities === null) throw unsupported('_capabilities');
  if (!(low._requestHandlers instanceof Map)) throw unsupported('_requestHandlers');
  if (!(low._notificationHandlers instanceof Map)) throw unsupported('_notificationHandlers');
}

/**
 * A fresh `Server` for one session, answering like `template` (see the file header for what is
 * shared and what is per session). The template itself is never connected.
 * @throws ServeError when the SDK's internals are not the ones this was written for.
 */
export function forkSessionServer(template: McpServerLike): Server {
  assertForkable(template);
  const source = lowLevelServer(template);
  const low = source as unknown as ServerInternals;
  const session = new Server(low._serverInfo!, {
    ...low._options,
    // Capabilities registered after construction (registerTool, AlterMCP.register) live here.
    capabilities: low._capabilities!,
    ...(low._instructions !== undefined ? { instructions: low._instructions } : {}),
  });
  const target = session as unknown as ServerInternals;
  if (!(target._requestHandlers instanceof Map) || !(target._notificationHandlers instanceof Map)) throw unsupported('_requestHandlers');
  // The handlers the fresh server installed itself bind to it (initialize, ping, setLevel, tasks,
  // cancelled, progress, initialized): keep those, copy everything else.
  for (const [method, handler] of low._requestHandlers!) {
    if (!target._requestHandlers.has(method)) target._requestHandlers.set(method, handler);
  }
  for (const [method, handler] of low._notificationHandlers!) {
    if (!target._notificationHandlers.has(method)) target._notificationHandlers.set(method, handler);
  }
  if (source.fallbackRequestHandler) session.fallbackRequestHandler = source.fallbackRequestHandler;
  if (source.fallbackNotificationHandler) session.fallbackNotificationHandler = source.fallbackNotificationHandler;
  copyAlterToolTables(template, session);
  return session;
}
