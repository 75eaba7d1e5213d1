import { AlterMCP, serveHttp } from '@alter/mcp';
import { GitHubTools, githubManifest } from '@alter/tools-github';
import { GoogleTools, googleManifest } from '@alter/tools-google';
import { SlackTools, slackManifest } from '@alter/tools-slack';
import type { AlterVault } from '@alter/vault';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

export interface MultiProviderServerOptions {
  readonly vault: AlterVault;
  /** Default 3000; 0 picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Who the tools act for (no auth server in this example): default `alice`. */
  readonly user?: string;
}

export interface RunningServer {
  /** The MCP endpoint (`http://127.0.0.1:3000/mcp`). */
  readonly url: string;
  close(): Promise<void>;
}

/** Every scope the registered packs need, per provider — one Connect session can ask for all. */
export const ALL_SCOPES = Object.freeze({
  google: googleManifest.allScopes,
  github: githubManifest.allScopes,
  slack: slackManifest.allScopes,
});

/**
 * One MCP server over Streamable HTTP with the Google, GitHub and Slack tool packs (14 tools).
 * @example
 * const server = await startMultiProviderServer({ vault, port: 3000 });
 */
export async function startMultiProviderServer(options: MultiProviderServerOptions): Promise<RunningServer> {
  const alter = new AlterMCP(options.vault, { defaultUser: options.user ?? 'alice' });
  const http = await serveHttp(
    () => {
      const server = new McpServer({ name: 'alter-multi-provider', version: '1.0.0' });
      alter.register(server, [...GoogleTools, ...GitHubTools, ...SlackTools]);
      return server;
    },
    // The caller owns the vault and closes it after the server.
    { port: options.port ?? 3000, host: options.host ?? '127.0.0.1', closeVault: false },
  );
  return { url: http.url, close: () => http.close() };
}
