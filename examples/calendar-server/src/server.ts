import { AlterMCP, serveHttp } from '@alter/mcp';
import { AlterAuthProvider } from '@alter/mcp/auth';
import type { AlterVault } from '@alter/vault';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CALENDAR_EVENTS_SCOPE, CalendarTools } from './calendar-tools.js';

export interface CalendarServerOptions {
  readonly vault: AlterVault;
  /** Default 8000 (as in the Python example); 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /**
   * `true` (default, as in the Python example): MCP clients sign users in through
   * `AlterAuthProvider`, which connects Google in the same trip; each call runs as its user.
   * `false`: no sign-in; every call runs as `user` (a local, single-user server).
   */
  readonly auth?: boolean;
  /** The user of an unauthenticated server. Default `alice`. */
  readonly user?: string;
  /** Passed to AlterAuthProvider (tests turn the SDK's rate limits off). */
  readonly rateLimit?: false;
}

export interface RunningCalendarServer {
  /** The MCP endpoint (`http://127.0.0.1:8000/mcp`). */
  readonly url: string;
  /** The authorization server, when `auth` is on. */
  readonly auth: AlterAuthProvider | undefined;
  close(): Promise<void>;
}

/**
 * The "calendar-server" of the Python seed: `list_events` and `create_event` over Streamable HTTP
 * at `http://127.0.0.1:8000/mcp`, behind `AlterAuthProvider` asking Google for `calendar.events`.
 * @example
 * const server = await startCalendarServer({ vault, port: 8000 });
 */
export async function startCalendarServer(options: CalendarServerOptions): Promise<RunningCalendarServer> {
  const useAuth = options.auth ?? true;
  const auth = useAuth
    ? new AlterAuthProvider(options.vault, {
        providers: { google: [CALENDAR_EVENTS_SCOPE] },
        serverName: 'calendar-server',
        ...(options.rateLimit === false ? { rateLimit: false } : {}),
      })
    : undefined;
  // With auth, the user comes from each request's token; without, one fixed user.
  const alter = new AlterMCP(options.vault, useAuth ? {} : { defaultUser: options.user ?? 'alice' });
  const http = await serveHttp(
    () => {
      const server = new McpServer({ name: 'calendar-server', version: '1.0.0' });
      alter.register(server, [CalendarTools]);
      return server;
    },
    // The caller owns the vault and closes it after the server.
    { port: options.port ?? 8000, host: options.host ?? '127.0.0.1', closeVault: false, ...(auth ? { auth } : {}) },
  );
  return { url: http.url, auth, close: () => http.close() };
}
