/**
 * 2025-11-25 sessions of serveHttp with SDK v1 (`@modelcontextprotocol/sdk`): its Node
 * `StreamableHTTPServerTransport`. Loaded only to serve an SDK v1 server
 * (load-http-session-kit.ts).
 */
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { EventStore as SdkEventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { type HttpSessionKit, sdkSessionTransportOptions } from '../http/http-session-kit.js';

export const httpSessionsV1: HttpSessionKit = Object.freeze({
  sdkPackage: '@modelcontextprotocol/sdk',
  supportedProtocolVersions: Object.freeze([...SUPPORTED_PROTOCOL_VERSIONS]),
  isInitializeRequest: (body: unknown) => isInitializeRequest(body),
  open(options) {
    const transport = new StreamableHTTPServerTransport(sdkSessionTransportOptions<SdkEventStore>(options));
    transport.onclose = () => options.onClosed();
    return {
      transport,
      // v1's transport reads the caller from `req.auth` itself (where the auth plug-in put it).
      handle: (req, res, body) => transport.handleRequest(req, res, body),
      close: () => transport.close(),
    };
  },
} satisfies HttpSessionKit);
