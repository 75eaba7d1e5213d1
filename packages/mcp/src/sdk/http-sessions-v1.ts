/**
 * 2025-11-25 sessions of serveHttp with SDK v1 (`@modelcontextprotocol/sdk`): its Node
 * `StreamableHTTPServerTransport`. Loaded only to serve an SDK v1 server (http-session-kits.ts).
 */
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { EventStore as SdkEventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import type { HttpSessionKit } from '../http/http-session-kit.js';

export const httpSessionsV1: HttpSessionKit = Object.freeze({
  sdkPackage: '@modelcontextprotocol/sdk',
  supportedProtocolVersions: Object.freeze([...SUPPORTED_PROTOCOL_VERSIONS]),
  isInitializeRequest: (body: unknown) => isInitializeRequest(body),
  open(options) {
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => options.sessionId,
      onsessioninitialized: () => options.onInitialized(),
      // Our EventStore is the SDK's contract member for member, with messages typed loosely.
      eventStore: options.eventStore as SdkEventStore | undefined,
      retryInterval: options.retryIntervalMs,
    });
    transport.onclose = () => options.onClosed();
    return {
      transport,
      // v1's transport reads the caller from `req.auth` itself (where the auth plug-in put it).
      handle: (req, res, body) => transport.handleRequest(req, res, body),
      close: () => transport.close(),
    };
  },
} satisfies HttpSessionKit);
