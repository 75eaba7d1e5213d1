/**
 * Package-internal seam: short signals between the processes that share one store, so a process
 * waiting for something another process finishes (a Connect session completing, for a tool call
 * that is waiting to send its URL-elicitation completion) learns of it at once instead of by
 * polling. The PostgreSQL store brings one (LISTEN/NOTIFY, postgres-store-signals.ts); a store
 * without signals is polled (ConnectManager.waitFor states the bound).
 *
 * Signals are hints, never the truth: a consumer re-reads the store when one arrives, keeps a slow
 * safety poll for a signal lost in a connection blip, and re-reads everything on `onResync`.
 * Signals are visible to anyone who can LISTEN on the database: never put a secret (a Connect
 * session id is a bearer link) in one — send a digest.
 */

/** What a subscriber hears. */
export interface StoreSignalListener {
  /** A signal published by any process sharing the store (this one included). */
  onSignal(signal: string): void;
  /**
   * Signals may have been missed (the feed just became live, or came back after a blip): re-read
   * whatever is being waited for.
   */
  onResync(): void;
}

export interface StoreSignals {
  /** For logs: `'postgres'`. */
  readonly kind: string;
  /** True while published signals reach this process. While false, consumers poll. */
  readonly live: boolean;
  /**
   * Delivers `signal` to every subscriber of every process sharing the store. Best effort: never
   * rejects (a failure is logged, and consumers' safety polls cover it).
   */
  publish(signal: string): Promise<void>;
  /** Subscribes `listener` until the returned function is called. Starts the feed on first use. */
  subscribe(listener: StoreSignalListener): () => void;
  /** Stops the feed (idempotent). */
  close(): Promise<void>;
}

/** Method key of a built-in store that offers signals (PostgreSQL). Not part of GrantStore. */
export const CREATE_STORE_SIGNALS = Symbol('alter.vault.internal.create-store-signals');

/** The signals of `store` when it offers them (each call makes a new feed the store closes with itself). */
export function signalsOf(store: object): StoreSignals | undefined {
  const create = (store as { [CREATE_STORE_SIGNALS]?: unknown })[CREATE_STORE_SIGNALS];
  return typeof create === 'function' ? (create.call(store) as StoreSignals) : undefined;
}
