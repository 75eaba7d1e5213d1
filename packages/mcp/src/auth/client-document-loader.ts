/**
 * The gate in front of every Client ID Metadata Document fetch. A client id URL is attacker
 * input, and each fetch is an outbound request the attacker makes us send, so before fetching:
 * a remembered failure answers at once (negative cache, bounded, per client id); concurrent
 * lookups of one client id share one fetch; and fetches are rate-limited per client id, per host
 * and in all. Successful documents are cached by the caller (in the store, shared by processes).
 */
import { TooManyRequestsError } from './internal/oauth-errors.js';
import type { ClientDocumentLimits } from './auth-server-limits.js';
import { RateLimiter } from './rate-limiter.js';

/** A document fetch limit was reached (a 429 at `/authorize`); never remembered as a failure. */
export class ClientDocumentFetchLimitError extends TooManyRequestsError {
  /** Seconds until the limit's window ends. */
  readonly retryAfterSec: number;

  constructor(what: string, retryAfterSec: number) {
    super(`Too many fetches of ${what}; retry in ${retryAfterSec} s.`);
    this.retryAfterSec = retryAfterSec;
  }
}

/** A failure remembered by the negative cache. */
interface RememberedFailure {
  readonly until: number;
  readonly error: Error;
}

/** Loads documents through the gate; `fetchAndStore` does the real work (and its errors are cached). */
export class ClientDocumentLoader<T> {
  readonly #limits: ClientDocumentLimits;
  readonly #fetchAndStore: (clientId: string) => Promise<T>;
  readonly #isDocumentFailure: (err: unknown) => err is Error;
  readonly #perClient: RateLimiter;
  readonly #perHost: RateLimiter;
  readonly #global: RateLimiter;
  readonly #failures = new Map<string, RememberedFailure>();
  readonly #inFlight = new Map<string, Promise<T>>();

  /**
   * @param isDocumentFailure which errors mean "this document is bad" (remembered); anything else
   *   (the store being down) is not cached and propagates.
   */
  constructor(
    limits: ClientDocumentLimits,
    fetchAndStore: (clientId: string) => Promise<T>,
    isDocumentFailure: (err: unknown) => err is Error,
  ) {
    this.#limits = limits;
    this.#fetchAndStore = fetchAndStore;
    this.#isDocumentFailure = isDocumentFailure;
    const maxKeys = Math.max(limits.maxCachedFailures, 1000);
    this.#perClient = new RateLimiter(limits.perClient, { maxKeys });
    this.#perHost = new RateLimiter(limits.perHost, { maxKeys });
    this.#global = new RateLimiter(limits.global, { maxKeys: 1 });
  }

  /**
   * The document of `clientId`.
   * @throws the remembered or new document failure; ClientDocumentFetchLimitError when a fetch limit is reached
   *   (not remembered: the client may retry later).
   */
  load(clientId: string): Promise<T> {
    const failure = this.#failures.get(clientId);
    if (failure) {
      if (failure.until > Date.now()) return Promise.reject(failure.error);
      this.#failures.delete(clientId);
    }
    const pending = this.#inFlight.get(clientId);
    if (pending) return pending;
    for (const [limiter, key, what] of [
      [this.#perClient, clientId, 'this client id'],
      [this.#perHost, hostOf(clientId), 'this host'],
      [this.#global, 'all', 'client metadata documents'],
    ] as const) {
      const decision = limiter.take(key);
      if (!decision.allowed) {
        return Promise.reject(new ClientDocumentFetchLimitError(what, decision.retryAfterSec));
      }
    }
    const fetching = this.#fetchAndStore(clientId)
      .catch((err: unknown) => {
        if (this.#isDocumentFailure(err)) this.#remember(clientId, err);
        throw err;
      })
      .finally(() => this.#inFlight.delete(clientId));
    this.#inFlight.set(clientId, fetching);
    return fetching;
  }

  #remember(clientId: string, error: Error): void {
    this.#failures.delete(clientId);
    // Map keeps insertion order: the first key is the oldest failure.
    while (this.#failures.size >= this.#limits.maxCachedFailures) {
      const oldest = this.#failures.keys().next();
      if (oldest.done) break;
      this.#failures.delete(oldest.value);
    }
    this.#failures.set(clientId, { until: Date.now() + this.#limits.failureCacheSec * 1000, error });
  }
}

function hostOf(clientId: string): string {
  return URL.canParse(clientId) ? new URL(clientId).host.toLowerCase() : clientId;
}
