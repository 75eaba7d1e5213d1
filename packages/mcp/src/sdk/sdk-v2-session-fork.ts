/**
 * One protocol server per HTTP session or stateless request, forked from the single SDK v2 server
 * the user built (`serveHttp(server)`, `serveStdio(server)`).
 *
 * Why fork: a v2 `Server` binds to one transport and holds per-client state (the negotiated era,
 * client capabilities, logging level, in-flight requests); the 2026-07-28 serving entries
 * (`createMcpHandler`, the SDK's `serveStdio`) also bind a fresh instance per request or
 * connection. So every session or request gets a fresh server that answers like the template.
 *
 * How (v2 differs from v1 here): v2's `McpServer` handlers call `this.server.projectCallToolResult`,
 * which applies the wire codec of the era THAT server negotiated — copying the template's handlers
 * onto a fresh low-level `Server` (what the v1 fork does) would encode results in the template's
 * (never negotiated) era. The fork is therefore a fresh `McpServer` that SHARES the template's
 * registries (`_registeredTools`, `_registeredResources`, `_registeredResourceTemplates`,
 * `_registeredPrompts` — the same objects, so `registerTool()` on the template after serving
 * started reaches every fork) and installs the SDK's own handlers over them; handlers set directly
 * on the template's low-level server (e.g. `resources/subscribe`) are copied. Alter's tool handlers
 * are installed anew by the adapter (they read per-server state).
 *
 * SDK internals read (checked with `sdkInternal`: a renamed member fails at startup with
 * `SdkUnsupportedError`, never silently serves a server without tools): `Server._serverInfo`,
 * `Protocol._options`, `Protocol._requestHandlers`, `Protocol._notificationHandlers`, McpServer's
 * four registries and `set{Tool,Resource,Prompt}RequestHandlers` / `setCompletionRequestHandler`.
 */
import { McpServer, Server } from '@modelcontextprotocol/server';
import type { Implementation, ServerCapabilities, ServerOptions } from '@modelcontextprotocol/server';
import { sdkInternal } from './sdk-package.js';
import type { SdkPackageInfo } from './sdk-seam.js';

type Handler = (...args: never[]) => unknown;

const REGISTRIES = ['_registeredTools', '_registeredResources', '_registeredResourceTemplates', '_registeredPrompts'] as const;
/** Which SDK handler installer to run on the fork, keyed by the template's "installed" flag. */
const INSTALLERS = [
  ['_toolHandlersInitialized', 'setToolRequestHandlers'],
  ['_resourceHandlersInitialized', 'setResourceRequestHandlers'],
  ['_promptHandlersInitialized', 'setPromptRequestHandlers'],
  ['_completionHandlerInitialized', 'setCompletionRequestHandler'],
] as const;

/** The template's identity, for a server built for it elsewhere (see modern-era bridge). */
export function v2ServerIdentity(sdk: SdkPackageInfo, low: Server): { info: Implementation; options: ServerOptions | undefined } {
  const info = sdkInternal<Implementation>(sdk, low, 'Server', '_serverInfo', 'object');
  return { info, options: (low as unknown as { _options?: ServerOptions })._options };
}

/**
 * Checks the internals now and returns a function building a fresh server per session/request
 * that answers like `template`. `reinstall(fork)` installs Alter's tool tables on the fork.
 * @throws SdkUnsupportedError naming the missing SDK member.
 */
export function forkV2Server(
  sdk: SdkPackageInfo,
  template: McpServer | Server,
  reinstall: (fork: McpServer | Server) => void,
): () => McpServer | Server {
  const templateLow = template instanceof McpServer ? template.server : template;
  const { info } = v2ServerIdentity(sdk, templateLow);
  const templateRequests = sdkInternal<Map<string, Handler>>(sdk, templateLow, 'Protocol', '_requestHandlers', 'Map');
  const templateNotifications = sdkInternal<Map<string, Handler>>(sdk, templateLow, 'Protocol', '_notificationHandlers', 'Map');
  if (template instanceof McpServer) {
    for (const registry of REGISTRIES) sdkInternal(sdk, template, 'McpServer', registry, 'object');
    for (const [, installer] of INSTALLERS) sdkInternal(sdk, template, 'McpServer', installer, 'function');
  }
  return () => {
    // Read at fork time: capabilities and handlers added to the template after serving started count.
    const options = (templateLow as unknown as { _options?: ServerOptions })._options;
    const capabilities: ServerCapabilities = templateLow.getCapabilities();
    const serverOptions: ServerOptions = { ...options, capabilities: { ...capabilities } };
    let fork: McpServer | Server;
    if (template instanceof McpServer) {
      const high = new McpServer(info, serverOptions);
      const shared = high as unknown as Record<string, unknown>;
      const source = template as unknown as Record<string, unknown>;
      for (const registry of REGISTRIES) shared[registry] = source[registry];
      for (const [flag, installer] of INSTALLERS) {
        if (source[flag] === true) (shared[installer] as () => void).call(high);
      }
      fork = high;
    } else {
      fork = new Server(info, serverOptions);
    }
    reinstall(fork);
    const low = fork instanceof McpServer ? fork.server : fork;
    const ownRequests = sdkInternal<Map<string, Handler>>(sdk, low, 'Protocol', '_requestHandlers', 'Map');
    const ownNotifications = sdkInternal<Map<string, Handler>>(sdk, low, 'Protocol', '_notificationHandlers', 'Map');
    // The fork's own handlers (initialize, discover, setLevel, the SDK's and Alter's tool handlers,
    // resources, prompts) bind to the fork: keep those, copy what the user set on the template.
    for (const [method, handler] of templateRequests) if (!ownRequests.has(method)) ownRequests.set(method, handler);
    for (const [method, handler] of templateNotifications) if (!ownNotifications.has(method)) ownNotifications.set(method, handler);
    if (templateLow.fallbackRequestHandler) low.fallbackRequestHandler = templateLow.fallbackRequestHandler;
    if (templateLow.fallbackNotificationHandler) low.fallbackNotificationHandler = templateLow.fallbackNotificationHandler;
    return fork;
  };
}
