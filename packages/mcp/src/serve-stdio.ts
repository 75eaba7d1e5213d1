/** `serveStdio(server)`: serve an MCP server over stdio with graceful shutdown. */
import type { AlterVault, Logger } from '@alter/vault';
import { createDefaultLogger } from '@alter/vault';
import { alterMcpFor } from './alter-mcp.js';
import { closeAlter, onTerminationSignals } from './internal/graceful-close.js';
import { exitWithStartupFailure, openVaultAtStartup } from './internal/vault-startup.js';
import { VaultStartupError } from './errors.js';
import { modernEra, sdkAdapterFor } from './sdk/sdk-adapters.js';
import type { McpServerLike } from './sdk/sdk-seam.js';

export interface ServeStdioOptions {
  /** The vault to flush and close on shutdown (default: the one the server's AlterMCP uses). */
  readonly vault?: AlterVault | undefined;
  /** Close the vault on shutdown (default true). */
  readonly closeVault?: boolean | undefined;
  /** Shut down on SIGINT/SIGTERM and when stdin ends (default true). */
  readonly handleSignals?: boolean | undefined;
  /**
   * When the vault cannot be opened at startup (store unreachable or broken, wrong key, SQLite
   * driver built for another Node): print one line on stderr and exit with status 1 (default
   * true), before any tool is listed. `false`: reject with VaultStartupError instead.
   */
  readonly exitOnStartupFailure?: boolean | undefined;
  readonly logger?: Logger | undefined;
}

export interface StdioServerHandle {
  /** Closes the transport, stops background work, flushes the audit log and closes the vault. Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens the vault (store and key check), then connects `server` to stdin/stdout. Tools run as
 * `defaultUser` (there is no auth on stdio). A vault that cannot open ends the process with one
 * line on stderr and status 1 (see `exitOnStartupFailure`), so the MCP client shows the reason
 * instead of a server whose every tool call fails.
 * Never write to stdout yourself in a stdio server: it carries the protocol.
 * @example
 * const alter = new AlterMCP(vault, { defaultUser: 'alice' });
 * alter.register(server, [CalendarTools]);
 * await serveStdio(server);
 * @throws VaultStartupError when the vault cannot be opened and `exitOnStartupFailure` is false.
 */
export async function serveStdio(server: McpServerLike, options: ServeStdioOptions = {}): Promise<StdioServerHandle> {
  const logger = options.logger ?? createDefaultLogger();
  const adapter = sdkAdapterFor(server);
  // Built (and the SDK internals it needs checked) before any I/O: an unsupported SDK fails the start.
  const modernServer = modernEra?.modernServerFor(server, adapter);
  const vault = options.vault ?? alterMcpFor(server)?.vault;
  if (vault) {
    try {
      await openVaultAtStartup(vault, 'serveStdio');
    } catch (err) {
      if (err instanceof VaultStartupError && (options.exitOnStartupFailure ?? true)) exitWithStartupFailure(err);
      throw err;
    }
  }
  let closeTransport: () => Promise<void>;
  if (adapter.generation === 'v2' && modernEra && modernServer) {
    // Both eras on one connection: the SDK's stdio entry reads the client's opening exchange
    // (`server/discover` with a 2026-07-28 envelope, or a 2025 `initialize`) and pins a fork of
    // `server` to that era for the connection's lifetime.
    const served = modernEra.serveStdioBothEras(modernServer, (error) =>
      logger.debug('stdio: message refused or failed', { error: error.name, message: error.message }),
    );
    closeTransport = () => served.close();
  } else if (modernEra && modernServer) {
    // SDK v1 speaks the 2025 era only. The opening message decides: `initialize` → the v1 server
    // itself, as before; a 2026-07-28 opening → SDK v2's stdio entry with a v2 bridge serving the
    // same Alter tools (what was registered with v1's own API is 2025-only).
    const served = await modernEra.serveStdioV1BothEras(
      (transport) => server.connect(transport as never),
      modernServer,
      (error) => logger.debug('stdio: message refused or failed', { error: error.name, message: error.message }),
    );
    closeTransport = async () => {
      await served.close();
      await server.close();
    };
  } else {
    // Only SDK v1 installed: the 2025 era, with v1's own stdio transport.
    await adapter.connectStdio(server);
    closeTransport = () => server.close();
  }
  let closing: Promise<void> | undefined;
  let removeSignals = () => {};
  const close = (): Promise<void> => {
    closing ??= (async () => {
      removeSignals();
      await closeTransport();
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
