/**
 * 2025-11-25 sessions of serveHttp with SDK v2 (`@modelcontextprotocol/server`): its
 * `WebStandardStreamableHTTPServerTransport`, fed through the Node ⇄ web bridge (SDK v2 has no
 * Node transport of its own). Loaded only to serve an SDK v2 server (load-http-session-kit.ts), so
 * an app with only SDK v2 installed serves HTTP without SDK v1.
 */
import { isInitializeRequest, SUPPORTED_PROTOCOL_VERSIONS, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import type { EventStore as SdkEventStore } from '@modelcontextprotocol/server';
import { type HttpSessionKit, sdkSessionTransportOptions } from '../http/http-session-kit.js';
import { toWebRequest, writeWebResponse } from '../http/web-exchange.js';

export const httpSessionsV2: HttpSessionKit = Object.freeze({
  sdkPackage: '@modelcontextprotocol/server',
  supportedProtocolVersions: Object.freeze([...SUPPORTED_PROTOCOL_VERSIONS]),
  isInitializeRequest: (body: unknown) => isInitializeRequest(body),
  open(options) {
    const transport = new WebStandardStreamableHTTPServerTransport(sdkSessionTransportOptions<SdkEventStore>(options));
    transport.onclose = () => options.onClosed();
    return {
      transport,
      async handle(req, res, body, auth) {
        const abort = new AbortController();
        // The client went away before the answer was complete: the transport drops the exchange.
        res.once('close', () => {
          if (!res.writableFinished) abort.abort();
        });
        const request = toWebRequest(req, options.origin, abort.signal);
        const response = await transport.handleRequest(request, {
          ...(body !== undefined ? { parsedBody: body } : {}),
          ...(auth !== undefined ? { authInfo: auth } : {}),
        });
        await writeWebResponse(response, res);
      },
      close: () => transport.close(),
    };
  },
} satisfies HttpSessionKit);
