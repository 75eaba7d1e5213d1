/**
 * This pack's binding of the tool-pack harness of `@alter/testing` to the MCP SDK and the
 * `AlterMCP` the pack declares (the harness takes them as arguments: `@alter/testing` depends on
 * the vault only, and the root folder cannot resolve `@modelcontextprotocol/sdk` itself).
 */
import { AlterMCP, type RegisterOptions, type ToolModule } from '@alter/mcp';
import { type EmulatedProviderId, startToolPackHarness, type ToolPackHarness } from '@alter/testing';
import type { PolicyOptions } from '@alter/vault';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

export { textOf, TOOL_PACK_USER as USER } from '@alter/testing';
export { CONNECT_URL } from '../../../../../test-support/connect-url.js';
export { fuzzEveryTool } from '../../../../../test-support/fuzz-every-tool.js';

export type PackStack = ToolPackHarness<Client>;

/** Starts the real stack with `modules` registered once per entry of `registrations` (default: once, whole). */
export function startPackStack(
  providers: readonly EmulatedProviderId[],
  modules: readonly ToolModule[],
  registrations?: readonly RegisterOptions[],
  options: { readonly policy?: PolicyOptions } = {},
): Promise<PackStack> {
  return startToolPackHarness({
    sdk: { Client, InMemoryTransport, McpServer },
    AlterMCP,
    tools: modules,
    providers,
    registrations,
    policy: options.policy,
  });
}
