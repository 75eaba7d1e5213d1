/**
 * Connect completions across processes: the process that moves a session to complete / failed /
 * expired announces it on the store's signals (PostgreSQL LISTEN/NOTIFY), and every process wakes
 * its waiters for that session, which then re-read the record from the store (the truth; a signal
 * is only a hint). Without signals — SQLite, a custom store, or while the LISTEN connection is down
 * — waiters poll; see ConnectManager.waitFor for the bounds.
 *
 * The signal carries a digest of the session id, never the id: the id is the bearer part of the
 * Connect link, and NOTIFY payloads reach every database session that LISTENs on the channel.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { StoreSignals } from '../store-signals.js';

const SIGNAL_PREFIX = 'connect.settled:';

/** The signal announcing that session `id` settled. */
function settledSignal(id: string): string {
  return `${SIGNAL_PREFIX}${createHash('sha256').update(`alter-connect-session:${id}`).digest('base64url').slice(0, 32)}`;
}

export class ConnectCompletionFeed {
  readonly #signals: StoreSignals | undefined;
  readonly #logger: Logger;
  /** Waiters of this process by signal; each wake re-reads its session. */
  readonly #waiters = new Map<string, Set<() => void>>();
  #subscribed = false;

  constructor(signals: StoreSignals | undefined, logger: Logger) {
    this.#signals = signals;
    this.#logger = logger;
  }

  /** True while announcements from other processes reach this one (waiters may then poll slowly). */
  get live(): boolean {
    return this.#signals?.live ?? false;
  }

  /** Tells every process that session `id` settled. Fire and forget: never throws. */
  announce(id: string): void {
    if (!this.#signals) return;
    this.#signals.publish(settledSignal(id)).catch((err: unknown) => {
      // publish() is best effort by contract; a rejection here is a bug in a StoreSignals.
      this.#logger.warn('connect: announcing a settled session failed', { error: err instanceof Error ? err.name : typeof err });
    });
  }

  /**
   * Calls `wake` whenever session `id` may have settled in any process (its announcement arrived,
   * or the feed resynchronized after a gap), until the returned function is called.
   */
  watch(id: string, wake: () => void): () => void {
    if (!this.#signals) return () => {};
    const signal = settledSignal(id);
    const set = this.#waiters.get(signal) ?? new Set<() => void>();
    this.#waiters.set(signal, set);
    set.add(wake);
    if (!this.#subscribed) {
      // One subscription per process for all waiters; it lives as long as the store.
      this.#subscribed = true;
      this.#signals.subscribe({
        onSignal: (s) => this.#wake(this.#waiters.get(s)),
        onResync: () => {
          for (const waiters of [...this.#waiters.values()]) this.#wake(waiters);
        },
      });
    }
    return () => {
      set.delete(wake);
      if (set.size === 0 && this.#waiters.get(signal) === set) this.#waiters.delete(signal);
    };
  }

  #wake(waiters: Set<() => void> | undefined): void {
    if (!waiters) return;
    for (const wake of [...waiters]) wake();
  }
}
