import { AlterMCP, serveHttp } from '@alter/mcp';
import { AlterAuthProvider } from '@alter/mcp/auth';
import { GitHubTools, githubManifest } from '@alter/tools-github';
import { GoogleTools, googleManifest } from '@alter/tools-google';
import type { AlterVault } from '@alter/vault';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

export interface MultiUserServerOptions {
  readonly vault: AlterVault;
  /** Port to listen on (default 8000; 0 picks a free one). */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Public origin clients use (default `http://127.0.0.1:<port>`); behind a proxy, its https URL. */
  readonly publicUrl?: string;
  /** Passed through to AlterAuthProvider (tests turn the SDK's rate limits off). */
  readonly rateLimit?: false;
}

export interface RunningServer {
  /** The MCP endpoint (`http://127.0.0.1:8000/mcp`). */
  readonly url: string;
  readonly auth: AlterAuthProvider;
  close(): Promise<void>;
}

/**
 * Every scope the registered packs need, per provider. Google comes first: its login identifies
 * the user; GitHub is connected in the same sign-in.
 */
export const SIGN_IN_SCOPES = Object.freeze({
  google: [...googleManifest.allScopes],
  github: [...githubManifest.allScopes],
});

/**
 * A multi-user MCP server over Streamable HTTP: `AlterAuthProvider` signs each user in (and
 * connects Google and GitHub in the same trip); the Google and GitHub tool packs then run as the
 * signed-in user.
 * @example
 * const server = await startMultiUserServer({ vault, port: 8000 });
 */
export async function startMultiUserServer(options: MultiUserServerOptions): Promise<RunningServer> {
  // No baseUrl: serveHttp tells the provider its public URL (and the MCP path) when it installs it.
  const auth = new AlterAuthProvider(options.vault, {
    providers: SIGN_IN_SCOPES,
    serverName: 'Alter multi-user example',
    ...(options.rateLimit === false ? { rateLimit: false } : {}),
  });
  const alter = new AlterMCP(options.vault);
  const http = await serveHttp(
    () => {
      const server = new McpServer({ name: 'alter-multi-user', version: '1.0.0' });
      alter.register(server, [...GoogleTools, ...GitHubTools]);
      return server;
    },
    {
      port: options.port ?? 8000,
      host: options.host ?? '127.0.0.1',
      auth,
      ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
    },
  );
  return { url: http.url, auth, close: () => http.close() };
}
