/**
 * The seam between `serveHttp` and an OAuth authorization server (e.g. `AlterAuthProvider`).
 * `serveHttp` knows nothing about OAuth: it hands the plug-in its express app once, before the
 * MCP endpoint is mounted, and guards the endpoint with the middleware the plug-in returns.
 */
import type express from 'express';

/** What `serveHttp` tells the plug-in about where it is mounted. */
export interface HttpAuthPluginInstallOptions {
  /** Path of the MCP endpoint on the app, e.g. `/mcp`. */
  readonly mcpPath: string;
  /** Public origin of the server without a trailing slash, e.g. `http://127.0.0.1:8080`. */
  readonly baseUrl: string;
}

/**
 * An authorization plug-in for {@link serveHttp}.
 *
 * `install` mounts the plug-in's own routes (RFC 8414 / RFC 9728 metadata, authorize, token,
 * register, revoke, …) on `app` and returns the bearer middleware that guards the MCP endpoint.
 * The middleware must set `req.auth` to the SDK's `AuthInfo` with `extra.user` (a string: the
 * Alter user id tool calls run as), or answer 401 itself.
 *
 * @example
 * const plugin: HttpAuthPlugin = {
 *   install(app, { mcpPath }) {
 *     app.get('/.well-known/oauth-protected-resource' + mcpPath, (_req, res) => { res.json({}); });
 *     return (req, _res, next) => {
 *       (req as { auth?: unknown }).auth = { token: 'opaque', clientId: 'c', scopes: [], extra: { user: 'alice' } };
 *       next();
 *     };
 *   },
 * };
 */
export interface HttpAuthPlugin {
  install(app: express.Express, options: HttpAuthPluginInstallOptions): express.RequestHandler;
}
