import { AlterMCP, serveHttp } from '@alter/mcp';
import { AlterAuthProvider } from '@alter/mcp/auth';
import type { AlterVault } from '@alter/vault';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CalendarTools } from './calendar-tools.js';

export interface CompleteExampleOptions {
  readonly vault: AlterVault;
  /** Default 8000, as in Python; 0 picks a free port. */
  readonly port?: number;
  /** Tests turn the SDK's rate limits off. */
  readonly rateLimit?: false;
}

export interface RunningCompleteExample {
  /** `http://127.0.0.1:8000/mcp`. */
  readonly url: string;
  readonly auth: AlterAuthProvider;
  close(): Promise<void>;
}

/**
 * `FastMCP("calendar-server", auth=AlterAuthProvider(vault, base_url=…, providers={"google":
 * ["calendar.events"]}))` with the two tools, served over Streamable HTTP. The short scope name
 * is Python's; the vault sends Google `https://www.googleapis.com/auth/calendar.events`.
 * @example
 * const server = await startCompleteExample({ vault, port: 8000 });
 */
export async function startCompleteExample(options: CompleteExampleOptions): Promise<RunningCompleteExample> {
  const auth = new AlterAuthProvider(options.vault, {
    providers: { google: ['calendar.events'] },
    serverName: 'calendar-server',
    ...(options.rateLimit === false ? { rateLimit: false } : {}),
  });
  const alter = new AlterMCP(options.vault);
  const http = await serveHttp(
    () => {
      const mcp = new McpServer({ name: 'calendar-server', version: '1.0.0' });
      alter.register(mcp, [CalendarTools]);
      return mcp;
    },
    // The caller owns the vault and closes it after the server.
    { port: options.port ?? 8000, host: '127.0.0.1', closeVault: false, auth },
  );
  return { url: http.url, auth, close: () => http.close() };
}
