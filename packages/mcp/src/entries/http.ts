// @alter/mcp/http — every export here is public API. Serving MCP over Streamable HTTP (express).
// Kept out of the `@alter/mcp` entry's import graph so a stdio server never loads express;
// `serveHttp` from `@alter/mcp` is the same function, loaded on its first call.
export { serveHttp } from '../serve-http.js';
export type { CorsOptions, EventStore, EventStoreMessage, HttpServerHandle, McpServerFactory, ServeHttpOptions } from '../serve-http.js';
export type { HttpAuthPlugin, HttpAuthPluginInstallOptions } from '../http-auth-plugin.js';
