/**
 * Serving the 2026-07-28 (stateless) protocol revision beside 2025-11-25, for a server of either
 * SDK generation. Loaded only when SDK v2 (`@modelcontextprotocol/server`) is installed — it is the
 * only SDK that implements that revision (see sdk-adapters.ts, `loadModernEra`).
 *
 * Design: the SDK's own serving entries do the protocol work — `createMcpHandler` (HTTP, with
 * `legacy: 'reject'`: the 2025 era stays on serveHttp's sessionful transport) and the SDK's
 * `serveStdio` (which decides the era from the connection's opening exchange). They call a factory
 * for a fresh server per request (HTTP) or connection (stdio); ours returns:
 * - for a v2 server: a fork of it (sdk-v2-session-fork.ts) — everything registered on it, Alter
 *   tools and the SDK's own tools, resources and prompts, answers both eras;
 * - for a v1 server, which cannot speak 2026-07-28: a v2 `McpServer` with the same name, version
 *   and instructions, answering with the SAME Alter tool tables (the registry's compiled tools,
 *   the same vault, the same per-user grants). What was registered with v1's own API
 *   (`registerTool`, resources, prompts) is not served to 2026 clients; `sdkOnlyRegistrations`
 *   lets serveHttp say so at startup.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createMcpHandler, isLegacyRequest, McpServer, PROTOCOL_VERSION_META_KEY, type Server } from '@modelcontextprotocol/server';
import type { AuthInfo, JSONRPCMessage, Transport } from '@modelcontextprotocol/server';
import { serveStdio as sdkServeStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { toWebRequest, writeWebResponse } from '../http/web-exchange.js';
import type { McpServerLike, SdkAdapter } from './sdk-seam.js';
import { sdkV2Adapter } from './sdk-v2-adapter.js';

type V2Server = McpServer | Server;

/** The protocol revisions this module adds (what SDK v2 implements after 2025-11-25). */
export const MODERN_PROTOCOL_VERSIONS: readonly string[] = Object.freeze(['2026-07-28']);

/**
 * A function building the server that answers one 2026-07-28 request (HTTP) or connection (stdio)
 * for `server`, whose SDK adapter is `adapter`.
 * @throws SdkUnsupportedError (now, not per request) when an SDK internal it needs is missing.
 */
export function modernServerFor(server: McpServerLike, adapter: SdkAdapter): () => V2Server {
  if (adapter.generation === 'v2') return sdkV2Adapter.sessionForker!(server) as () => V2Server;
  const identity = adapter.identity(server);
  const tables = adapter.toolTables(server);
  return () => {
    const bridge = new McpServer(identity.info, identity.instructions !== undefined ? { instructions: identity.instructions } : {});
    for (const table of tables) sdkV2Adapter.installToolTable(bridge, table);
    return bridge;
  };
}

/** The 2026-07-28 leg of serveHttp: which requests are its, and serving them. */
export interface ModernHttpLeg {
  /**
   * True when `req` (no `Mcp-Session-Id`) is a 2026-07-28 request: it carries the per-request
   * `_meta` envelope claim, or a modern `MCP-Protocol-Version` header (the SDK's own predicate,
   * so the routing can never disagree with the entry that answers).
   */
  owns(req: IncomingMessage & { body?: unknown }, origin: string): Promise<boolean>;
  /** Answers a request `owns()` accepted. `authInfo`: the verified caller, passed to the tools. */
  serve(req: IncomingMessage & { body?: unknown }, res: ServerResponse, origin: string, authInfo: AuthInfo | undefined): Promise<void>;
  close(): Promise<void>;
}

/** Builds the HTTP leg from a (possibly async) per-request server builder. */
export function modernHttpLeg(serverForRequest: () => Promise<V2Server>, onerror: (error: Error) => void): ModernHttpLeg {
  const handler = createMcpHandler(() => serverForRequest(), { legacy: 'reject', onerror });
  return {
    async owns(req, origin) {
      // A POST whose body the JSON parser did not take (wrong Content-Type) stays on the 2025 leg,
      // whose transport answers it (415).
      if (req.method === 'POST' && req.body === undefined) return false;
      return !(await isLegacyRequest(toWebRequest(req, origin), req.method === 'POST' ? req.body : undefined));
    },
    async serve(req, res, origin, authInfo) {
      const abort = new AbortController();
      // The client went away before the answer was complete: cancel the exchange.
      res.once('close', () => {
        if (!res.writableFinished) abort.abort();
      });
      const response = await handler.fetch(toWebRequest(req, origin, abort.signal), {
        parsedBody: req.body,
        ...(authInfo !== undefined ? { authInfo } : {}),
      });
      await writeWebResponse(response, res);
    },
    close: () => handler.close(),
  };
}

/** Serves both eras on stdin/stdout: the opening exchange picks the era of the connection. */
export function serveStdioBothEras(serverForConnection: () => V2Server, onerror: (error: Error) => void): { close(): Promise<void> } {
  return sdkServeStdio(() => serverForConnection(), { onerror });
}

/** True when a connection's first message carries the 2026-07-28 per-request `_meta` protocol claim. */
function opensModernEra(message: JSONRPCMessage): boolean {
  const meta = (message as { params?: { _meta?: Record<string, unknown> } }).params?._meta;
  return meta !== undefined && meta !== null && typeof meta === 'object' && Object.hasOwn(meta, PROTOCOL_VERSION_META_KEY);
}

/**
 * One stdio connection handed to whichever side the opening message picked: a `Transport` that
 * writes to the shared wire and receives the messages the router gives it (queued until its
 * consumer has started it, so nothing sent before `connect()` finished is lost).
 */
class RelayTransport implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: () => void;
  onerror?: (error: Error) => void;
  readonly #wire: StdioServerTransport;
  #queue: JSONRPCMessage[] | undefined = [];

  constructor(wire: StdioServerTransport) {
    this.#wire = wire;
  }

  async start(): Promise<void> {
    const queued = this.#queue ?? [];
    this.#queue = undefined;
    // After the caller's `await start()` resumes: its handlers are all in place by then.
    queueMicrotask(() => {
      for (const message of queued) this.onmessage?.(message);
    });
  }

  deliver(message: JSONRPCMessage): void {
    if (this.#queue) this.#queue.push(message);
    else this.onmessage?.(message);
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.#wire.send(message);
  }

  close(): Promise<void> {
    return this.#wire.close();
  }
}

/**
 * Serves an SDK v1 server over stdio to both eras. The connection's opening message decides: a
 * 2026-07-28 opening (a `server/discover` or request carrying the `_meta` protocol claim) is served
 * by SDK v2's stdio entry with `modernServer` (the v2 bridge of the v1 server's Alter tools); any
 * other opening (`initialize`) goes to the v1 server itself, exactly as before — its own tools,
 * resources and prompts included. Both sides speak through one v2 stdio transport (the framing is
 * the same newline-delimited JSON-RPC).
 */
export async function serveStdioV1BothEras(
  connectV1: (transport: Transport) => Promise<void>,
  modernServer: () => V2Server,
  onerror: (error: Error) => void,
): Promise<{ close(): Promise<void> }> {
  const wire = new StdioServerTransport();
  let relay: RelayTransport | undefined;
  let closeSide: () => Promise<void> = () => wire.close();
  wire.onmessage = (message) => {
    if (relay) {
      relay.deliver(message);
      return;
    }
    relay = new RelayTransport(wire);
    const side = relay;
    side.deliver(message);
    if (opensModernEra(message)) {
      const served = sdkServeStdio(() => modernServer(), { transport: side, onerror });
      closeSide = () => served.close();
    } else {
      connectV1(side).catch((error: unknown) => onerror(error instanceof Error ? error : new Error(String(error))));
    }
  };
  wire.onclose = () => relay?.onclose?.();
  wire.onerror = (error) => (relay?.onerror ? relay.onerror(error) : onerror(error));
  await wire.start();
  return { close: () => closeSide() };
}
