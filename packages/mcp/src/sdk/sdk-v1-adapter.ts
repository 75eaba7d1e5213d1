/**
 * The adapter for SDK v1 (`@modelcontextprotocol/sdk` 1.x). Loaded only when that package is
 * installed (see sdk-adapters.ts).
 *
 * How Alter tools live beside tools registered with `McpServer.registerTool`: the SDK installs its
 * `tools/list` and `tools/call` handlers once (on the first `registerTool`); we make it do that now,
 * keep references to the two handlers, and install ours on the low-level `Server` in their place.
 * Ours answer for Alter tools (from the list precomputed at startup) and delegate everything else to
 * the SDK's, so tools registered with `registerTool` later still work.
 *
 * SDK internals used, each checked at registration (`sdkInternal` throws `SdkUnsupportedError`):
 * - `McpServer.setToolRequestHandlers()` — makes the SDK install its tool handlers before ours;
 *   otherwise a later `registerTool()` throws "handler already exists" (v1 has no public way).
 * - `McpServer._registeredTools` — the names of SDK tools, so a clash is a startup error.
 * - `Server._requestHandlers` — to keep the SDK's own handlers and delegate to them (no getter).
 * - `Server._capabilities` — whether tools/logging are declared (`getCapabilities()` is private in v1).
 * - `Server.isMessageIgnored()` — the client's `logging/setLevel` filter; the public
 *   `sendLoggingMessage()` would send the log unrelated to the request (on Streamable HTTP it
 *   would go to the standalone stream, not the call's).
 * - For `serveHttp(server)` with one server: `Server._serverInfo`, `_options`, `_instructions`,
 *   `_notificationHandlers` (see sdk-v1-session-fork.ts).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
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
import type { ToolLogLevel } from '../alter-context.js';
import { ServeError } from '../errors.js';
import type { CallEnv, CallerAuthInfo, ToolTable, UrlElicitation } from '../internal/call-env.js';
import type { CallChannel } from '../internal/call-state.js';
import type { RequestStateError } from '../errors.js';
import { declaresFormElicitation } from '../internal/elicitation-capability.js';
import { sdkInternal, sdkPackageInfo } from './sdk-package.js';
import type { McpServerLike, SdkAdapter, SdkPackageInfo, ServerIdentity } from './sdk-seam.js';
import { forkV1Server } from './sdk-v1-session-fork.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
type RawHandler = (request: unknown, extra: Extra) => Promise<unknown>;
type Capabilities = { logging?: unknown; tools?: unknown };

/** The v1 range @alter/mcp is tested with (its peer dependency range). */
export const SDK_V1_RANGE = '^1.32.2';

const LEVELS: readonly ToolLogLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/** Shape of a v1 low-level `Server` from a second copy of the SDK: v1's `setRequestHandler` takes a schema, and v1 has no `projectCallToolResult` (v2's marker). */
function looksLikeV1Server(value: unknown): value is Server {
  const s = value as { setRequestHandler?: unknown; registerCapabilities?: unknown; projectCallToolResult?: unknown } | null;
  return (
    s !== null &&
    typeof s === 'object' &&
    typeof s.setRequestHandler === 'function' &&
    typeof s.registerCapabilities === 'function' &&
    s.projectCallToolResult === undefined
  );
}

interface InstalledTools {
  readonly tables: ToolTable[];
  /** The SDK's own handlers ours delegate to (kept so a session fork can install ours over them again). */
  readonly previousList: RawHandler | undefined;
  readonly previousCall: RawHandler | undefined;
}

class SdkV1Adapter implements SdkAdapter {
  readonly generation = 'v1' as const;
  readonly sdk: SdkPackageInfo = sdkPackageInfo('@modelcontextprotocol/sdk', '@modelcontextprotocol/sdk/server', SDK_V1_RANGE);
  readonly #installed = new WeakMap<Server, InstalledTools>();

  accepts(server: object): boolean {
    if (server instanceof McpServer || server instanceof Server) return true;
    const s = server as { server?: unknown; registerTool?: unknown };
    return looksLikeV1Server(server) || (typeof s.registerTool === 'function' && looksLikeV1Server(s.server));
  }

  lowLevel(server: McpServerLike): Server {
    const high = this.#high(server);
    return high ? high.server : (server as Server);
  }

  sdkToolNames(server: McpServerLike): readonly string[] {
    const high = this.#high(server);
    return high ? Object.keys(sdkInternal<Record<string, unknown>>(this.sdk, high, 'McpServer', '_registeredTools', 'object')) : [];
  }

  installToolTable(server: McpServerLike, table: ToolTable): void {
    const low = this.lowLevel(server);
    const existing = this.#installed.get(low);
    if (existing) {
      existing.tables.push(table);
      return;
    }
    // Check every internal before changing anything, so a missing one leaves the server untouched.
    const high = this.#high(server);
    const setToolRequestHandlers = high
      ? sdkInternal<() => void>(this.sdk, high, 'McpServer', 'setToolRequestHandlers', 'function')
      : undefined;
    if (high) sdkInternal(this.sdk, high, 'McpServer', '_registeredTools', 'object');
    const handlers = sdkInternal<Map<string, RawHandler>>(this.sdk, low, 'Server', '_requestHandlers', 'Map');
    const capabilities = () => sdkInternal<Capabilities>(this.sdk, low, 'Server', '_capabilities', 'object');
    capabilities();
    const isMessageIgnored = sdkInternal<(level: string, sessionId?: string) => boolean>(
      this.sdk,
      low,
      'Server',
      'isMessageIgnored',
      'function',
    );

    // Make the SDK install its own tool handlers now (idempotent), so a later registerTool() does
    // not try to install them over ours.
    setToolRequestHandlers?.call(high);
    const previousList = handlers.get('tools/list');
    const previousCall = handlers.get('tools/call');
    if (!capabilities().tools) {
      try {
        low.registerCapabilities({ tools: { listChanged: true } });
      } catch (err) {
        throw new ServeError(
          'register(server, modules) must be called before server.connect(): the tools capability cannot be added to a connected server.',
          { cause: err },
        );
      }
    }
    const state: InstalledTools = { tables: [table], previousList, previousCall };
    this.#installed.set(low, state);

    low.setRequestHandler(ListToolsRequestSchema, async (request, extra) => {
      const ours = state.tables.length === 1 ? state.tables[0]!.listing : state.tables.flatMap((t) => t.listing);
      if (!previousList) return { tools: ours as never[] };
      const theirs = (await previousList(request, extra)) as { tools?: unknown[] };
      return { tools: (theirs.tools && theirs.tools.length > 0 ? [...ours, ...theirs.tools] : ours) as never[] };
    });

    // Read per log line (capabilities and level can change during the session); built once per server.
    const log = (level: string, sessionId: string | undefined) =>
      Boolean(capabilities().logging) && !isMessageIgnored.call(low, level, sessionId);
    low.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
      const name = request.params.name;
      const owner = state.tables.find((t) => t.has(name));
      if (!owner) {
        if (previousCall) return (await previousCall(request, extra)) as never;
        throw new McpError(ErrorCode.InvalidParams, `Tool ${name} not found`);
      }
      // Always a result here: v1 speaks only the legacy era, which has no input_required.
      const result = await owner.call(name, request.params.arguments, new V1CallEnv(low, extra, log));
      return result as never;
    });
  }

  sessionForker(template: McpServerLike): () => McpServerLike {
    const low = this.lowLevel(template);
    // Checked now (serveHttp startup), so an SDK without these internals fails before listening.
    const fork = forkV1Server(this.sdk, low);
    return () => {
      const session = fork();
      // Alter's handlers read per-session state (client capabilities, logging level) from the
      // server they are installed on: install them anew over the SDK's own tool handlers.
      const state = this.#installed.get(low);
      if (state) {
        const handlers = sdkInternal<Map<string, RawHandler>>(this.sdk, session, 'Server', '_requestHandlers', 'Map');
        for (const [method, previous] of [
          ['tools/list', state.previousList],
          ['tools/call', state.previousCall],
        ] as const) {
          if (previous) handlers.set(method, previous);
          else handlers.delete(method);
        }
        for (const table of state.tables) this.installToolTable(session, table);
      }
      return session;
    };
  }

  toolTables(server: McpServerLike): readonly ToolTable[] {
    return [...(this.#installed.get(this.lowLevel(server))?.tables ?? [])];
  }

  identity(server: McpServerLike): ServerIdentity {
    const low = this.lowLevel(server);
    const info = sdkInternal<ServerIdentity['info']>(this.sdk, low, 'Server', '_serverInfo', 'object');
    const instructions = (low as unknown as { _instructions?: string })._instructions;
    return { info, ...(instructions !== undefined ? { instructions } : {}) };
  }

  async connectStdio(server: McpServerLike): Promise<void> {
    await (this.#high(server) ?? this.lowLevel(server)).connect(new StdioServerTransport());
  }

  #high(server: McpServerLike): McpServer | undefined {
    if (server instanceof McpServer) return server;
    if (server instanceof Server) return undefined;
    const s = server as unknown as { server?: unknown; registerTool?: unknown };
    return typeof s.registerTool === 'function' && looksLikeV1Server(s.server) ? (server as unknown as McpServer) : undefined;
  }
}

/**
 * The call environment of one v1 `tools/call`, and its channel (the same object). A class, not an
 * object literal of closures: a dozen closures per call were a measurable part of its cost, and
 * nothing here is reachable from tool code (the context holds the call state, never the env).
 */
class V1CallEnv implements CallEnv, CallChannel {
  readonly #low: Server;
  readonly #extra: Extra;
  readonly #logEnabled: (level: string, sessionId: string | undefined) => boolean;
  readonly authInfo: CallerAuthInfo | undefined;
  readonly signal: AbortSignal;
  readonly requestId: string | number;
  readonly sessionId: string | undefined;
  readonly meta: Readonly<Record<string, unknown>> | undefined;
  // SDK v1 implements protocol revisions up to 2025-11-25 only.
  readonly era = 'legacy' as const;

  constructor(low: Server, extra: Extra, logEnabled: (level: string, sessionId: string | undefined) => boolean) {
    this.#low = low;
    this.#extra = extra;
    this.#logEnabled = logEnabled;
    this.authInfo = extra.authInfo;
    this.signal = extra.signal;
    this.requestId = extra.requestId;
    this.sessionId = extra.sessionId;
    this.meta = extra._meta;
  }

  get channel(): CallChannel {
    return this;
  }

  async progress(done: number, total: number | undefined, message: string | undefined): Promise<void> {
    const progressToken = this.#extra._meta?.progressToken;
    if (progressToken === undefined) return;
    await this.#extra.sendNotification({
      method: 'notifications/progress',
      params: {
        progressToken,
        progress: done,
        ...(total !== undefined ? { total } : {}),
        ...(message !== undefined ? { message } : {}),
      },
    });
  }

  async log(level: ToolLogLevel, logger: string, data: unknown): Promise<void> {
    if (!LEVELS.includes(level) || !this.#logEnabled(level, this.#extra.sessionId)) return;
    await this.#extra.sendNotification({ method: 'notifications/message', params: { level, logger, data } });
  }

  closeSseStream(): boolean {
    // Present only on Streamable HTTP with an event store and a 2025-11-25+ client.
    const close = this.#extra.closeSSEStream;
    if (typeof close !== 'function') return false;
    close();
    return true;
  }

  supportsFormElicitation(): boolean {
    return declaresFormElicitation(this.#low.getClientCapabilities());
  }

  async request(kind: 'sampling' | 'elicitation', params: Readonly<Record<string, unknown>>): Promise<Readonly<Record<string, unknown>>> {
    if (kind === 'sampling') {
      return (await this.#extra.sendRequest(
        { method: 'sampling/createMessage', params } as ServerRequest,
        CreateMessageResultSchema,
      )) as Record<string, unknown>;
    }
    return (await this.#extra.sendRequest({ method: 'elicitation/create', params } as ServerRequest, ElicitResultSchema)) as Record<
      string,
      unknown
    >;
  }

  supportsUrlElicitation(): boolean {
    return Boolean(this.#low.getClientCapabilities()?.elicitation?.url);
  }

  invalidRequestStateError(err: RequestStateError): Error {
    return new McpError(ErrorCode.InvalidParams, err.message, { reason: 'invalid_request_state', detail: err.reason });
  }

  urlElicitationError(elicitations: readonly UrlElicitation[]): Error {
    return new UrlElicitationRequiredError(
      elicitations.map((e) => ({ mode: 'url' as const, elicitationId: e.elicitationId, url: e.url, message: e.message })),
    );
  }

  notifyElicitationComplete(elicitationId: string): Promise<void> {
    return this.#low.createElicitationCompletionNotifier(elicitationId)();
  }
}

/** The v1 adapter (one per process: it keeps no per-server state outside a WeakMap). */
export const sdkV1Adapter: SdkAdapter = new SdkV1Adapter();
