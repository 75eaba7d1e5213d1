/**
 * The adapter for SDK v2 (`@modelcontextprotocol/server` 2.x). Loaded only when that package is
 * installed (see sdk-adapters.ts).
 *
 * Same arrangement as v1 (our `tools/list` / `tools/call` handlers in front of the SDK's, which we
 * delegate to), but v2 has public APIs for most of what v1 needed internals for: the request
 * context carries `log()` (capability + level filter applied), `send()` / `notify()` related to the
 * request, `getCapabilities()` is public, and `projectCallToolResult()` applies the negotiated
 * wire codec to a `tools/call` result the way the SDK's own handler does.
 *
 * SDK internals used, each checked at registration (`sdkInternal` throws `SdkUnsupportedError`):
 * - `McpServer.setToolRequestHandlers()` (private) — makes the SDK install its tool handlers before
 *   ours; otherwise a later `registerTool()` throws "handler already exists".
 * - `McpServer._registeredTools` (private) — the names of SDK tools, so a clash is a startup error.
 * - `Protocol._getRequestHandler()` (protected) — to keep the SDK's own handlers and delegate to them.
 * - `Protocol._requestHandlers` (private Map) — to route `tools/call` by name to ours or the SDK's
 *   handler, each wrapped once by the SDK's multi-round-trip seam (see installToolTable).
 */
import {
  CLIENT_CAPABILITIES_META_KEY,
  McpServer,
  PROTOCOL_VERSION_META_KEY,
  ProtocolError,
  ProtocolErrorCode,
  Server,
  UrlElicitationRequiredError,
} from '@modelcontextprotocol/server';
import type { CallToolResult, ClientCapabilities, InputRequiredResult, ServerContext } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import type { ToolLogLevel } from '../alter-context.js';
import { ServeError } from '../errors.js';
import { type CallEnv, type CallerAuthInfo, isInputRequired, type ToolTable, type UrlElicitation } from '../internal/call-env.js';
import type { CallChannel } from '../internal/call-state.js';
import type { RequestStateError } from '../errors.js';
import type { RetriedCall } from '../recovery/retried-call.js';
import { declaresFormElicitation } from '../internal/elicitation-capability.js';
import { sdkInternal, sdkPackageInfo } from './sdk-package.js';
import type { McpServerLike, SdkAdapter, SdkPackageInfo, ServerIdentity } from './sdk-seam.js';
import { forkV2Server, v2ServerIdentity } from './sdk-v2-session-fork.js';

type RawHandler = (request: unknown, ctx: ServerContext) => Promise<unknown>;

/** The v2 range @alter/mcp is tested with (its peer dependency range). */
export const SDK_V2_RANGE = '^2.4.0';

const LEVELS: readonly ToolLogLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/** Shape of a v2 low-level `Server` from a second copy of the SDK: `projectCallToolResult` is v2-only public API. */
function looksLikeV2Server(value: unknown): value is Server {
  const s = value as { setRequestHandler?: unknown; projectCallToolResult?: unknown } | null;
  return s !== null && typeof s === 'object' && typeof s.setRequestHandler === 'function' && typeof s.projectCallToolResult === 'function';
}

class SdkV2Adapter implements SdkAdapter {
  readonly generation = 'v2' as const;
  readonly sdk: SdkPackageInfo = sdkPackageInfo('@modelcontextprotocol/server', '@modelcontextprotocol/server', SDK_V2_RANGE);
  readonly #installed = new WeakMap<Server, { tables: ToolTable[] }>();

  accepts(server: object): boolean {
    if (server instanceof McpServer || server instanceof Server) return true;
    const s = server as { server?: unknown; registerTool?: unknown };
    return looksLikeV2Server(server) || (typeof s.registerTool === 'function' && looksLikeV2Server(s.server));
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
    const getRequestHandler = sdkInternal<(method: string) => RawHandler | undefined>(
      this.sdk,
      low,
      'Server',
      '_getRequestHandler',
      'function',
    );
    const handlers = sdkInternal<Map<string, RawHandler>>(this.sdk, low, 'Protocol', '_requestHandlers', 'Map');

    setToolRequestHandlers?.call(high);
    const previousList = getRequestHandler.call(low, 'tools/list');
    const previousCall = getRequestHandler.call(low, 'tools/call');
    if (!low.getCapabilities().tools) {
      try {
        low.registerCapabilities({ tools: { listChanged: true } });
      } catch (err) {
        throw new ServeError(
          'register(server, modules) must be called before server.connect(): the tools capability cannot be added to a connected server.',
          { cause: err },
        );
      }
    }
    const state = { tables: [table] };
    this.#installed.set(low, state);

    low.setRequestHandler('tools/list', async (request, ctx) => {
      const ours = state.tables.length === 1 ? state.tables[0]!.listing : state.tables.flatMap((t) => t.listing);
      // 2026-07-28 results carry caching hints. A list served to an authenticated user is that
      // user's answer: never let a configured `cacheHints` of 'public' make it shareable.
      const privacy = isModernEra(ctx) && ctx.http?.authInfo !== undefined ? { cacheScope: 'private' as const } : {};
      if (!previousList) return { tools: ours as never[], ...privacy };
      const theirs = (await previousList(request, ctx)) as { tools?: unknown[] };
      return { tools: (theirs.tools && theirs.tools.length > 0 ? [...ours, ...theirs.tools] : ours) as never[], ...privacy };
    });

    low.setRequestHandler('tools/call', async (request, ctx) => {
      const name = request.params.name;
      const owner = state.tables.find((t) => t.has(name));
      if (!owner) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Tool ${name} not found`);
      const result = await owner.call(name, request.params.arguments, new V2CallEnv(low, ctx));
      // input_required (2026-07-28 only) goes out as is: the era's codec carries resultType to the wire.
      if (isInputRequired(result)) return result as InputRequiredResult;
      const outputSchema = owner.listing.find((d) => d.name === name)?.outputSchema;
      // What the SDK's own tools/call handler does with a result: the negotiated era's codec.
      return low.projectCallToolResult(result as CallToolResult, outputSchema);
    });
    if (previousCall) {
      // Route by name to ours or the SDK's, each as the SDK stored it (wrapped with its
      // multi-round-trip seam). Calling the SDK's from inside ours would run that seam twice: the
      // second pass sees the requestState the first already verified and decoded, and refuses it.
      const ours = getRequestHandler.call(low, 'tools/call')!;
      handlers.set('tools/call', (request, ctx) => {
        const name = (request as { params?: { name?: unknown } }).params?.name;
        return typeof name === 'string' && state.tables.some((t) => t.has(name)) ? ours(request, ctx) : previousCall(request, ctx);
      });
    }
  }

  sessionForker(template: McpServerLike): () => McpServerLike {
    const high = this.#high(template);
    const low = this.lowLevel(template);
    // Checked now (serveHttp/serveStdio startup), so an SDK without these internals fails before serving.
    return forkV2Server(this.sdk, high ?? low, (fork) => {
      for (const table of this.#installed.get(low)?.tables ?? []) this.installToolTable(fork, table);
    });
  }

  toolTables(server: McpServerLike): readonly ToolTable[] {
    return [...(this.#installed.get(this.lowLevel(server))?.tables ?? [])];
  }

  identity(server: McpServerLike): ServerIdentity {
    const { info, options } = v2ServerIdentity(this.sdk, this.lowLevel(server));
    return { info: info as ServerIdentity['info'], ...(options?.instructions !== undefined ? { instructions: options.instructions } : {}) };
  }

  async connectStdio(server: McpServerLike): Promise<void> {
    await (this.#high(server) ?? this.lowLevel(server)).connect(new StdioServerTransport());
  }

  #high(server: McpServerLike): McpServer | undefined {
    if (server instanceof McpServer) return server;
    if (server instanceof Server) return undefined;
    const s = server as unknown as { server?: unknown; registerTool?: unknown };
    return typeof s.registerTool === 'function' && looksLikeV2Server(s.server) ? (server as unknown as McpServer) : undefined;
  }
}

/** True for a request of the 2026-07-28 era: it carries its protocol version in the per-request envelope. */
function isModernEra(ctx: ServerContext): boolean {
  return ctx.mcpReq.envelope !== undefined && Object.hasOwn(ctx.mcpReq.envelope, PROTOCOL_VERSION_META_KEY);
}

/**
 * The call environment of one v2 `tools/call`, and its channel (the same object). A class, not an
 * object literal of closures: a dozen closures per call were a measurable part of its cost, and
 * nothing here is reachable from tool code (the context holds the call state, never the env).
 */
class V2CallEnv implements CallEnv, CallChannel {
  readonly #low: Server;
  readonly #ctx: ServerContext;
  /** The client's capabilities for this request (see the constructor). */
  readonly #capabilities: ClientCapabilities | undefined;
  readonly authInfo: CallerAuthInfo | undefined;
  readonly signal: AbortSignal;
  readonly requestId: string | number;
  readonly sessionId: string | undefined;
  readonly meta: Readonly<Record<string, unknown>> | undefined;
  readonly era: 'legacy' | 'modern';
  readonly retry: RetriedCall | undefined;

  constructor(low: Server, ctx: ServerContext) {
    this.#low = low;
    this.#ctx = ctx;
    // A 2026-07-28 request carries its protocol version, and the client's capabilities, in the
    // per-request envelope. That revision has no -32042 error and no elicitation/complete
    // notification (the SDK fails the call when a handler throws -32042 there): Connect recovery
    // answers input_required there (recovery/recovery-answer.ts).
    const modernEra = isModernEra(ctx);
    this.era = modernEra ? 'modern' : 'legacy';
    // The SDK types the envelope as `{}` (its keys are reserved names); read it as the record it is.
    this.#capabilities = (
      modernEra ? (ctx.mcpReq.envelope as Record<string, unknown>)[CLIENT_CAPABILITIES_META_KEY] : low.getClientCapabilities()
    ) as ClientCapabilities | undefined;
    // Without a configured `requestState.verify` hook the SDK hands over the raw echoed string; Alter verifies it itself.
    const requestState: unknown = modernEra ? ctx.mcpReq.requestState() : undefined;
    this.retry = requestState !== undefined ? { requestState, inputResponses: ctx.mcpReq.inputResponses } : undefined;
    this.authInfo = ctx.http?.authInfo;
    this.signal = ctx.mcpReq.signal;
    this.requestId = ctx.mcpReq.id;
    this.sessionId = ctx.sessionId;
    this.meta = ctx.mcpReq._meta;
  }

  get channel(): CallChannel {
    return this;
  }

  async progress(done: number, total: number | undefined, message: string | undefined): Promise<void> {
    const progressToken = this.#ctx.mcpReq._meta?.progressToken;
    if (progressToken === undefined) return;
    await this.#ctx.mcpReq.notify({
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
    if (!LEVELS.includes(level)) return;
    await this.#ctx.mcpReq.log(level, data, logger);
  }

  closeSseStream(): boolean {
    // Present only on Streamable HTTP with an event store.
    const close = this.#ctx.http?.closeSSE;
    if (typeof close !== 'function') return false;
    close();
    return true;
  }

  supportsFormElicitation(): boolean {
    // A 2026-07-28 request cannot carry a server→client request mid-call: approvals ask by input_required there.
    return this.era === 'legacy' && declaresFormElicitation(this.#low.getClientCapabilities());
  }

  async request(kind: 'sampling' | 'elicitation', params: Readonly<Record<string, unknown>>): Promise<Readonly<Record<string, unknown>>> {
    if (kind === 'sampling')
      return (await this.#ctx.mcpReq.send({ method: 'sampling/createMessage', params })) as unknown as Record<string, unknown>;
    return (await this.#ctx.mcpReq.send({ method: 'elicitation/create', params })) as unknown as Record<string, unknown>;
  }

  supportsUrlElicitation(): boolean {
    return Boolean(this.#capabilities?.elicitation?.url);
  }

  supportsFormInputRequest(): boolean {
    return this.era === 'modern' && declaresFormElicitation(this.#capabilities);
  }

  invalidRequestStateError(err: RequestStateError): Error {
    return new ProtocolError(ProtocolErrorCode.InvalidParams, err.message, { reason: 'invalid_request_state', detail: err.reason });
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

/** The v2 adapter (one per process: it keeps no per-server state outside a WeakMap). */
export const sdkV2Adapter: SdkAdapter = new SdkV2Adapter();
