import { AlterMCP, serveHttp } from '@alter/mcp';
import type { AlterVault } from '@alter/vault';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CalendarTools } from './calendar-tools.js';

export interface CalendarServerOptions {
  readonly vault: AlterVault;
  /** Default 8000 (as in the Python example); 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Who the tools act for. Default `alice`. */
  readonly user?: string;
}

/**
 * The "calendar-server" of the Python seed: an MCP server with `list_events` and `create_event`
 * over Streamable HTTP at `http://127.0.0.1:8000/mcp`.
 */
export async function startCalendarServer(options: CalendarServerOptions): Promise<{ url: string; close(): Promise<void> }> {
  const alter = new AlterMCP(options.vault, { defaultUser: options.user ?? 'alice' });
  const http = await serveHttp(
    () => {
      const server = new McpServer({ name: 'calendar-server', version: '1.0.0' });
      alter.register(server, [CalendarTools]);
      return server;
    },
    { port: options.port ?? 8000, host: options.host ?? '127.0.0.1' },
  );
  return { url: http.url, close: () => http.close() };
}
