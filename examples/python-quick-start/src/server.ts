import { AlterMCP } from '@alter/mcp';
import type { AlterVault } from '@alter/vault';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { QuickStartTools } from './quick-start-tools.js';

/**
 * `mcp = FastMCP("my-server")` + `alter = AlterMCP(vault)` + the stacked decorators: an MCP
 * server whose tools call Google as `user`.
 * @example
 * const server = createQuickStartServer(vault, 'alice');
 */
export function createQuickStartServer(vault: AlterVault, user: string): McpServer {
  const alter = new AlterMCP(vault, { defaultUser: user });
  const mcp = new McpServer({ name: 'my-server', version: '1.0.0' });
  alter.register(mcp, [QuickStartTools]);
  return mcp;
}
