/**
 * The only file in @alter/mcp that talks to the MCP SDK's registration API (SDK 1.x). A future
 * SDK v2 plugs in here.
 *
 * How Alter tools live beside tools registered with `McpServer.registerTool`: the SDK installs
 * its `tools/list` and `tools/call` handlers once (on the first `registerTool`); we make it do that
 * now, keep references to the two handlers, and install ours on the low-level `Server` in their
 * place. Ours answer for Alter tools (from the list precomputed at startup — the SDK's own handler
 * converts every zod schema on every `tools/list`) and delegate everything else to the SDK's.
 * Tools registered with `registerTool` later still work: the SDK adds them to its registry, which
 * its (now delegated-to) handlers read. Reading the SDK's handler map (`_requestHandlers`) is the
 * one private access; it is confined to this file.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  CreateMessageResultSchema,
  ElicitResultSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  UrlElicitationRequiredError,
} from '@modelcontextprotocol/sdk/types.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ToolLogLevel } from './alter-context.js';
import type { CallEnv, CallToolResultShape, ToolTable, UrlElicitation } from './internal/call-env.js';
import { ServeError } from './errors.js';

/** A server `AlterMCP.register` accepts: the SDK's `McpServer` or its low-level `Server`. */
export type McpServerLike = McpServer | Server;

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
type RawHandler = (request: unknown, extra: Extra) => Promise<unknown>;

interface ServerInternals {
  _requestHandlers?: Map<string, RawHandler>;
  _capabilities?: { logging?: unknown; tools?: unknown };
  isMessageIgnored?(level: string, sessionId?: string): boolean;
}

interface McpServerInternals {
  setToolRequestHandlers?(): void;
  _registeredTools?: Record<string, unknown>;
}

interface InstalledTools {
  readonly tables: ToolTable[];
  /** The SDK's own handlers ours delegate to (kept so a session fork can install ours over them again). */
  readonly previousList: RawHandler | undefined;
  readonly previousCall: RawHandler | undefined;
}

const installed = new WeakMap<Server, InstalledTools>();

/** The low-level `Server` behind either kind of server. @throws ServeError for anything else. */
export function lowLevelServer(server: McpServerLike): Server {
  if (server instanceof McpServer) return server.server;
  if (server instanceof Server) return server;
  // A second copy of the SDK: duck-type.
  const s = server as unknown as { server?: unknown; setRequestHandler?: unknown };
  if (s.server && typeof (s.server as { setRequestHandler?: unknown }).setRequestHandler === 'function') return s.server as Server;
  if (typeof s.setRequestHandler === 'function') return server as Server;
  throw new ServeError('register(server, modules): server must be an McpServer or a Server from @modelcontextprotocol/sdk.');
}

function highLevel(server: McpServerLike): McpServer | undefined {
  if (server instanceof McpServer) return server;
  const s = server as unknown as { server?: unknown; registerTool?: unknown };
  return typeof s.registerTool === "function" && s.server ? (server as unknown as McpServer) : undefined;
}

/** Names of tools registered directly with `McpServer.registerTool` (for duplicate checks). */
export function sdkToolNames(server: McpServerLike): string[] {
  const high = highLevel(server);
  return high ? Object.keys((high as unknown as McpServerInternals)._registeredTools ?? {}) : [];
}

/**
 * Installs our tools/list and tools/call handlers on `server` (once per server) and adds `table`
 * to the tables they dispatch to.
 * @throws ServeError when the server is already connected and has no tools capability yet.
 */
export function installToolTable(server: McpServerLike, table: ToolTable): void {
  const low = lowLevelServer(server);
  const existing = installed.get(low);
  if (existing) {
    existing.tables.push(table);
    return;
  }
  const high = highLevel(server);
  // Make the SDK install its own tool handlers now (idempotent), so a later registerTool() does not
  // try to install them over ours.
  (high as unknown as McpServerInternals | undefined)?.setToolRequestHandlers?.call(high);
  const internals = low as unknown as ServerInternals;
  const handlers = internals._requestHandlers;
  const previousList = handlers?.get('tools/list');
  const previousCall = handlers?.get('tools/call');
  if (!internals._capabilities?.tools) {
    try {
      low.registerCapabilities({ tools: { listChanged: true } });
    } catch (err) {
      throw new ServeError('register(server, modules) must be called before server.connect(): the tools capability cannot be added to a connected server.', { cause: err });
    }
  }
  const state: InstalledTools = { tables: [table], previousList, previousCall };
  installed.set(low, state);

  low.setRequestHandler(ListToolsRequestSchema, async (request, extra) => {
    const ours = state.tables.length === 1 ? state.tables[0]!.listing : state.tables.flatMap((t) => t.listing);
    if (!previousList) return { tools: ours as never[] };
    const theirs = (await previousList(request, extra)) as { tools?: unknown[] };
    return { tools: (theirs.tools && theirs.tools.length > 0 ? [...ours, ...theirs.tools] : ours) as never[] };
  });

  low.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const name = request.params.name;
    const owner = state.tables.find((t) => t.has(name));
    if (!owner) {
      if (previousCall) return (await previousCall(request, extra)) as never;
      throw new McpError(ErrorCode.InvalidParams, `Tool ${name} not found`);
    }
    const result: CallToolResultShape = await owner.call(name, request.params.arguments, callEnv(low, extra));
    return result as never;
  });
}

/**
 * Installs the Alter tool tables of `template` on `target` (a fresh per-session `Server` whose other
 * handlers were copied from `template`): ours must be installed anew because they read per-session
 * state (client capabilities, logging level, elicitation) from the server they are installed on.
 * The SDK's own tools handlers of `template` stay the fallback.
 * @throws ServeError when `target` exposes no request-handler map (another SDK major).
 */
export function copyAlterToolTables(template: McpServerLike, target: Server): void {
  const state = installed.get(lowLevelServer(template));
  if (!state) return;
  const handlers = (target as unknown as ServerInternals)._requestHandlers;
  if (!(handlers instanceof Map)) throw new ServeError('serveHttp: this MCP SDK version has no request-handler map; pass a server factory to serveHttp instead.');
  for (const [method, previous] of [['tools/list', state.previousList], ['tools/call', state.previousCall]] as const) {
    if (previous) handlers.set(method, previous);
    else handlers.delete(method);
  }
  for (const table of state.tables) installToolTable(target, table);
}

const LEVELS: readonly ToolLogLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

function callEnv(low: Server, extra: Extra): CallEnv {
  const progressToken = extra._meta?.progressToken;
  const internals = low as unknown as ServerInternals;
  return {
    authInfo: extra.authInfo,
    signal: extra.signal,
    requestId: extra.requestId,
    sessionId: extra.sessionId,
    channel: {
      async progress(done, total, message) {
        if (progressToken === undefined) return;
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken, progress: done, ...(total !== undefined ? { total } : {}), ...(message !== undefined ? { message } : {}) },
        });
      },
      async log(level, logger, data) {
        if (!internals._capabilities?.logging || !LEVELS.includes(level)) return;
        if (internals.isMessageIgnored?.(level, extra.sessionId)) return;
        await extra.sendNotification({ method: 'notifications/message', params: { level, logger, data } });
      },
      closeSseStream() {
        // Present only on Streamable HTTP with an event store (the SDK leaves it undefined otherwise).
        if (typeof extra.closeSSEStream !== 'function') return false;
        extra.closeSSEStream();
        return true;
      },
      async request(kind, params) {
        if (kind === 'sampling') {
          return (await extra.sendRequest({ method: 'sampling/createMessage', params } as ServerRequest, CreateMessageResultSchema)) as Record<string, unknown>;
        }
        return (await extra.sendRequest({ method: 'elicitation/create', params } as ServerRequest, ElicitResultSchema)) as Record<string, unknown>;
      },
    },
    supportsUrlElicitation: () => Boolean(low.getClientCapabilities()?.elicitation?.url),
    urlElicitationError: (elicitations: readonly UrlElicitation[]) =>
      new UrlElicitationRequiredError(elicitations.map((e) => ({ mode: 'url' as const, elicitationId: e.elicitationId, url: e.url, message: e.message }))),
    notifyElicitationComplete: (elicitationId: string) => low.createElicitationCompletionNotifier(elicitationId)(),
  };
}
