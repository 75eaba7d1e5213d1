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
 * This reads the SDK's private members `_serverInfo`, `_capabilities`, `_requestHandlers` and
 * `_notificationHandlers` (checked with `sdkInternal`: a renamed member fails loudly at startup,
 * never silently serves a server without tools), and `_options`/`_instructions` (optional in the
 * SDK too). Part of the SDK 1.x adapter (only sdk/ files import SDK server classes).
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { ServerOptions } from '@modelcontextprotocol/sdk/server/index.js';
import type { Implementation, ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { sdkInternal } from './sdk-package.js';
import type { SdkPackageInfo } from './sdk-seam.js';

type Handler = (...args: never[]) => unknown;

/**
 * Checks `template`'s internals now and returns a function building a fresh `Server` per session
 * that answers like `template` (see the file header for what is shared and what is per session).
 * Alter's tool handlers are re-installed by the adapter afterwards.
 * @throws SdkUnsupportedError naming the missing SDK member.
 */
export function forkV1Server(sdk: SdkPackageInfo, template: Server): () => Server {
  const serverInfo = sdkInternal<Implementation>(sdk, template, 'Server', '_serverInfo', 'object');
  const requestHandlers = sdkInternal<Map<string, Handler>>(sdk, template, 'Server', '_requestHandlers', 'Map');
  const notificationHandlers = sdkInternal<Map<string, Handler>>(sdk, template, 'Server', '_notificationHandlers', 'Map');
  sdkInternal<ServerCapabilities>(sdk, template, 'Server', '_capabilities', 'object');
  const internals = template as unknown as { _options?: ServerOptions; _instructions?: string };
  return () => {
    const session = new Server(serverInfo, {
      ...internals._options,
      // Capabilities registered after construction (registerTool, AlterMCP.register) live here.
      capabilities: sdkInternal<ServerCapabilities>(sdk, template, 'Server', '_capabilities', 'object'),
      ...(internals._instructions !== undefined ? { instructions: internals._instructions } : {}),
    });
    const ownRequests = sdkInternal<Map<string, Handler>>(sdk, session, 'Server', '_requestHandlers', 'Map');
    const ownNotifications = sdkInternal<Map<string, Handler>>(sdk, session, 'Server', '_notificationHandlers', 'Map');
    // The handlers the fresh server installed itself bind to it (initialize, ping, setLevel, tasks,
    // cancelled, progress, initialized): keep those, copy everything else — read at fork time, so
    // handlers registered on the template after serveHttp started are served too.
    for (const [method, handler] of requestHandlers) if (!ownRequests.has(method)) ownRequests.set(method, handler);
    for (const [method, handler] of notificationHandlers) if (!ownNotifications.has(method)) ownNotifications.set(method, handler);
    if (template.fallbackRequestHandler) session.fallbackRequestHandler = template.fallbackRequestHandler;
    if (template.fallbackNotificationHandler) session.fallbackNotificationHandler = template.fallbackNotificationHandler;
    return session;
  };
}
