/**
 * This pack's binding of the shared tool-pack e2e harness (`test-support/tool-pack-stack.ts`) to
 * the MCP SDK the pack declares: the root folder cannot resolve `@modelcontextprotocol/sdk` itself.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RegisterOptions, ToolModule } from '@alter/mcp';
import {
  type PackProviderId,
  type PackStack as SharedPackStack,
  type PackStackOptions,
  startToolPackStack,
} from '../../../../../test-support/tool-pack-stack.js';

export { CONNECT_URL, fuzzEveryTool, textOf, USER } from '../../../../../test-support/tool-pack-stack.js';

export type PackStack = SharedPackStack<Client>;

/** Starts the real stack with `modules` registered once per entry of `registrations` (default: once, whole). */
export function startPackStack(
  providerIds: readonly PackProviderId[],
  modules: readonly ToolModule[],
  registrations?: readonly RegisterOptions[],
  options?: PackStackOptions,
): Promise<PackStack> {
  return startToolPackStack({ Client, InMemoryTransport, McpServer }, providerIds, modules, registrations, options);
}
