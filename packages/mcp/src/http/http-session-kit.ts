/**
 * What serveHttp needs from an SDK generation to serve 2025-11-25 sessions: its Streamable HTTP
 * server transport, and its own reading of which requests open a session. One kit per generation
 * (sdk/http-sessions-v1.ts, sdk/http-sessions-v2.ts), each importing only its own SDK, loaded
 * only for a server of that generation (sdk/load-http-session-kit.ts): an app with only SDK v2
 * never loads SDK v1, and the other way round.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '../auth/oauth-types.js';
import type { EventStore } from './event-store.js';

/** How a session's transport is set up. */
export interface HttpSessionOptions {
  /** The server's origin, e.g. `http://127.0.0.1:43121` (the base of request URLs). */
  readonly origin: string;
  /** The session id the transport hands out on `initialize` (serveHttp generates it). */
  readonly sessionId: string;
  /** Called once the `initialize` was accepted and the session exists. */
  readonly onInitialized: () => void;
  /** Called once the transport closed (DELETE, `close()`, a closed server). */
  readonly onClosed: () => void;
  /** Where SSE events are kept for `Last-Event-ID` resumption; `undefined`: no resumption. */
  readonly eventStore: EventStore | undefined;
  /** The `retry` (ms) of the first event of every resumable SSE stream. */
  readonly retryIntervalMs: number;
}

/** One session's transport, connected to that session's server. */
export interface HttpSession {
  /** The SDK transport, for `server.connect(transport)`. */
  readonly transport: object;
  /**
   * Answers one HTTP request of this session. `body`: the parsed JSON body (express parsed it);
   * `auth`: the verified caller set by the auth plug-in, handed to the tools.
   */
  handle(req: IncomingMessage, res: ServerResponse, body: unknown, auth: AuthInfo | undefined): Promise<void>;
  close(): Promise<void>;
}

/** One SDK generation's session serving. */
export interface HttpSessionKit {
  /** The SDK package that serves the sessions, e.g. `@modelcontextprotocol/server`. */
  readonly sdkPackage: string;
  /** The session-era protocol versions this SDK speaks, newest first. */
  readonly supportedProtocolVersions: readonly string[];
  /** True when `body` is an `initialize` request (the SDK's own check, so routing agrees with the transport). */
  isInitializeRequest(body: unknown): boolean;
  /** A transport for one new session. */
  open(options: HttpSessionOptions): HttpSession;
}

/** What both SDK generations' Streamable HTTP server transports take to serve one session. */
export interface SdkSessionTransportOptions<TEventStore> {
  readonly sessionIdGenerator: () => string;
  readonly onsessioninitialized: () => void;
  readonly eventStore: TEventStore | undefined;
  readonly retryInterval: number;
}

/**
 * The transport options of one session, the same for either SDK generation (their constructors
 * agree on them). `TEventStore` is that SDK's EventStore: ours is its contract member for member,
 * with messages typed loosely.
 */
export function sdkSessionTransportOptions<TEventStore>(options: HttpSessionOptions): SdkSessionTransportOptions<TEventStore> {
  return {
    sessionIdGenerator: () => options.sessionId,
    onsessioninitialized: () => options.onInitialized(),
    eventStore: options.eventStore as TEventStore | undefined,
    retryInterval: options.retryIntervalMs,
  };
}
