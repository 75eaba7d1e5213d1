/** Shared shutdown steps of serveHttp/serveStdio: stop background waits, then flush and close the vault. */
import type { AlterVault, Logger } from '@alter/vault';
import { alterMcpFor } from '../alter-mcp.js';

export async function closeAlter(server: object, vault: AlterVault | undefined, closeVault: boolean, logger: Logger): Promise<void> {
  try {
    await alterMcpFor(server)?.close();
  } catch (err) {
    logger.warn('closing AlterMCP failed', { error: (err as Error)?.name });
  }
  if (vault && closeVault) {
    // vault.close() flushes the batched audit rows before it resolves.
    await vault.close();
  }
}

/** Runs `shutdown` once on SIGINT/SIGTERM, then exits. Returns a function removing the handlers. */
export function onTerminationSignals(shutdown: () => Promise<void>, logger: Logger): () => void {
  let started = false;
  const handler = (signal: NodeJS.Signals) => {
    if (started) return;
    started = true;
    logger.info('shutting down', { signal });
    shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('shutdown failed', { error: (err as Error)?.name, message: (err as Error)?.message });
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
