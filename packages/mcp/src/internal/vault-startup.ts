/**
 * Opening the vault when a server starts, so a broken store fails the start instead of every tool
 * call later. Before this, a stdio server whose store could not open (better-sqlite3 built for
 * another Node, PostgreSQL down, wrong key) listed its tools and then failed each call.
 */
import type { AlterVault } from '@alter/vault';
import { VaultStartupError } from '../errors.js';

/**
 * Opens the store (migrations) and checks the encryption key against it.
 * @throws VaultStartupError wrapping the vault's error (its code in `causeCode`).
 */
export async function openVaultAtStartup(vault: AlterVault, where: string): Promise<void> {
  try {
    await vault.ready();
  } catch (err) {
    throw new VaultStartupError(where, err);
  }
}

/**
 * For stdio servers: one line on stderr (MCP clients show a server's stderr in their logs, where a
 * stack trace is noise) and exit status 1. stderr is a pipe there, and pipe writes are synchronous
 * on POSIX, so the line is out before the process exits.
 */
export function exitWithStartupFailure(err: VaultStartupError): never {
  process.stderr.write(`[alter] error: ${err.message}\n`);
  process.exit(1);
}
