/**
 * How every example ends: on SIGINT or SIGTERM (and, for a stdio server, when the client closes
 * stdin) close what it opened, in order and once, then exit.
 */

/** Something to close at exit, e.g. `() => server.close()`. */
export type Closer = () => Promise<void>;

/** Options for {@link runUntilSignal}. */
export interface RunUntilSignalOptions {
  /**
   * Also shut down when stdin ends. A desktop client ends a stdio server by closing its stdin
   * (then SIGTERM).
   */
  readonly stdinEnd?: boolean;
}

/**
 * Waits for SIGINT / SIGTERM, then runs `closers` one after another and exits with 0. A second
 * signal while closing is ignored, so the closers never run twice.
 * @example
 * runUntilSignal([() => server.close(), () => vault.close(), () => setup.close()]);
 */
export function runUntilSignal(closers: readonly Closer[], options: RunUntilSignalOptions = {}): void {
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    // In order: the server first (no new requests), then the vault (flushes the audit log), then the sandbox.
    for (const close of closers) await close();
    process.exit(0);
  };
  if (options.stdinEnd) process.stdin.on('end', shutdown);
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

/**
 * Runs an example's `main`; if it fails (e.g. `MissingCredentialsError`, whose message says
 * which variables to set), prints the message, without a stack, and exits with 1.
 * @example
 * runMain(main);
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
