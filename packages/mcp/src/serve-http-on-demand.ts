/**
 * `serveHttp` as exported by `@alter/mcp`: the same function as `@alter/mcp/http`'s, whose module
 * (and express, the SDK's HTTP transport) is imported on the first call rather than when
 * `@alter/mcp` is imported — a stdio server never pays for the HTTP stack. The specifier is a
 * literal, so bundlers include it.
 */
import type { serveHttp as serveHttpNow } from './serve-http.js';

/**
 * Serve MCP over Streamable HTTP; see `serveHttp` in `@alter/mcp/http` (same function and options).
 * @example
 * const handle = await serveHttp(server, { port: 8080 });
 */
export const serveHttp: typeof serveHttpNow = async (...args) => (await import('./serve-http.js')).serveHttp(...args);
