/** `serveStdio(server)`: serve an MCP server over stdio with graceful shutdown. */
import type { AlterVault, Logger } from '@alter/vault';
import { createDefaultLogger } from '@alter/vault';
import { alterMcpFor } from './alter-mcp.js';
import { closeAlter, onTerminationSignals } from './internal/graceful-close.js';
import { sdkAdapterFor } from './sdk/sdk-adapters.js';
import type { McpServerLike } from './sdk/sdk-seam.js';

export interface ServeStdioOptions {
  /** The vault to flush and close on shutdown (default: the one the server's AlterMCP uses). */
  readonly vault?: AlterVault;
  /** Close the vault on shutdown (default true). */
  readonly closeVault?: boolean;
  /** Shut down on SIGINT/SIGTERM and when stdin ends (default true). */
  readonly handleSignals?: boolean;
  readonly logger?: Logger;
}

export interface StdioServerHandle {
  /** Closes the transport, stops background work, flushes the audit log and closes the vault. Idempotent. */
  close(): Promise<void>;
}

/**
 * Connects `server` to stdin/stdout. Tools run as `defaultUser` (there is no auth on stdio).
 * Never write to stdout yourself in a stdio server: it carries the protocol.
 * @example
 * const alter = new AlterMCP(vault, { defaultUser: 'alice' });
 * alter.register(server, [CalendarTools]);
 * await serveStdio(server);
 */
export async function serveStdio(server: McpServerLike, options: ServeStdioOptions = {}): Promise<StdioServerHandle> {
  const logger = options.logger ?? createDefaultLogger();
  const vault = options.vault ?? alterMcpFor(server)?.vault;
  // A transport of the server's own SDK generation (v1 and v2 transports are different classes).
  await sdkAdapterFor(server).connectStdio(server);
  let closing: Promise<void> | undefined;
  let removeSignals = () => {};
  const close = (): Promise<void> => {
    closing ??= (async () => {
      removeSignals();
      await server.close();
      await closeAlter(server, vault, options.closeVault ?? true, logger);
    })();
    return closing;
  };
  if (options.handleSignals ?? true) {
    removeSignals = onTerminationSignals(close, logger);
    process.stdin.once('end', () => {
      close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
  return { close };
}
