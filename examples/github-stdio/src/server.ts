import { AlterMCP } from '@alter/mcp';
import { GitHubTools } from '@alter/tools-github';
import type { AlterVault } from '@alter/vault';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

/**
 * An MCP server with the GitHub tool pack. Over stdio there is one user — the person running the
 * desktop client — so every call acts for `user`.
 * @example
 * const server = createGitHubServer(vault, 'me');
 * await serveStdio(server);
 */
export function createGitHubServer(vault: AlterVault, user: string): McpServer {
  const server = new McpServer({ name: 'alter-github', version: '1.0.0' });
  new AlterMCP(vault, { defaultUser: user }).register(server, [...GitHubTools]);
  return server;
}
