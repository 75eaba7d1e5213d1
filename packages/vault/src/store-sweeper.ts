/**
 * The background sweeper: deletes expired kv entries (Connect sessions, auth-server codes,
 * requests and tokens, cached client documents — everything written with an expiry) so the store
 * stays bounded. Reads already treat expired entries as absent; without a sweep they would pile up
 * forever (one row per Connect link ever created).
 *
 * It runs on an unref'd timer (it never keeps a process alive), in batches of `batchSize` rows with
 * a yield to the event loop between batches, so a large backlog neither holds a long database lock
 * nor stalls tool calls. `alter store prune` and `vault.pruneExpired()` run the same sweep on demand.
 */
import { InvalidArgumentError, VaultConfigError } from './errors.js';
import type { GrantStore } from './grant-store.js';
import { MAX_SWEEP_BATCH } from './internal/sweep-limit.js';
import type { Logger } from './logger.js';

/** Options of the background sweep (`new AlterVault({ sweep })`). */
export interface SweepOptions {
  /** Time between background sweeps, in ms (default 10 minutes). `0` turns the background sweep off. */
  readonly intervalMs?: number | undefined;
  /** Rows deleted per batch (default 1000, at most 10 000). */
  readonly batchSize?: number | undefined;
}

/** What one sweep removed. */
export interface SweepResult {
  /** Expired kv entries deleted. */
  readonly removed: number;
  /** Delete statements run (each removes at most `batchSize` rows). */
  readonly batches: number;
}

/** Options of one on-demand sweep ({@link StoreSweeper.sweep}). */
export interface SweepRunOptions {
  /** Rows per batch for this run (default: the vault's `sweep.batchSize`; at most 10 000). */
  readonly batchSize?: number | undefined;
  /** Called after every batch with the running total. */
  readonly onProgress?: ((removed: number) => void) | undefined;
}

export const DEFAULT_SWEEP_INTERVAL_MS = 10 * 60 * 1000;
export const DEFAULT_SWEEP_BATCH_SIZE = 1000;
/** The first background sweep runs this soon after the store opens (short-lived stdio servers sweep too). */
const FIRST_SWEEP_DELAY_MS = 60 * 1000;
/** A background run stops after this many batches and continues at the next tick (bounded work per tick). */
const MAX_BATCHES_PER_TICK = 1000;

/** Checks the options of `vault.pruneExpired()`. @throws InvalidArgumentError naming the bad field. */
export function sweepRunOptionsOf(value: unknown): SweepRunOptions {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new InvalidArgumentError('options', 'expected an object: { batchSize?, onProgress? }');
  const { batchSize, onProgress } = value as SweepRunOptions;
  if (
    batchSize !== undefined &&
    (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_SWEEP_BATCH)
  ) {
    throw new InvalidArgumentError('options.batchSize', `expected an integer between 1 and ${MAX_SWEEP_BATCH}`);
  }
  if (onProgress !== undefined && typeof onProgress !== 'function')
    throw new InvalidArgumentError('options.onProgress', 'expected a function');
  return { ...(batchSize !== undefined ? { batchSize } : {}), ...(onProgress !== undefined ? { onProgress } : {}) };
}

/** Checks `options.sweep` of AlterVault. @throws InvalidArgumentError naming the bad field. */
export function sweepOptionsOf(value: unknown): Required<SweepOptions> {
  if (value === undefined) return { intervalMs: DEFAULT_SWEEP_INTERVAL_MS, batchSize: DEFAULT_SWEEP_BATCH_SIZE };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgumentError('options.sweep', 'expected an object: { intervalMs?, batchSize? }');
  }
  const { intervalMs = DEFAULT_SWEEP_INTERVAL_MS, batchSize = DEFAULT_SWEEP_BATCH_SIZE } = value as SweepOptions;
  // setTimeout caps delays at 2^31-1 ms; a larger value would fire at once.
  if (typeof intervalMs !== 'number' || !Number.isInteger(intervalMs) || intervalMs < 0 || intervalMs > 2 ** 31 - 1) {
    throw new InvalidArgumentError(
      'options.sweep.intervalMs',
      'expected an integer number of milliseconds (0 turns the background sweep off)',
    );
  }
  if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_SWEEP_BATCH) {
    throw new InvalidArgumentError('options.sweep.batchSize', `expected an integer between 1 and ${MAX_SWEEP_BATCH}`);
  }
  return { intervalMs, batchSize };
}

/** Runs `store.kvSweep` in batches, in the background and on demand. One sweep at a time. */
export class StoreSweeper {
  readonly #store: GrantStore;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #batchSize: number;
  #timer: NodeJS.Timeout | undefined;
  /** The sweep in progress (never rejects; callers get the outcome from `sweep()` itself). */
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(store: GrantStore, logger: Logger, options: Required<SweepOptions>) {
    this.#store = store;
    this.#logger = logger;
    this.#intervalMs = options.intervalMs;
    this.#batchSize = options.batchSize;
  }

  /** Schedules background sweeps (no-op when the interval is 0, already started, or stopped). */
  start(): void {
    if (this.#intervalMs === 0 || this.#timer !== undefined || this.#stopped) return;
    if (typeof this.#store.kvSweep !== 'function') {
      // A store written before kvSweep existed (plain JavaScript, so the compiler did not say).
      this.#logger.warn(
        'the store has no kvSweep(); expired Connect sessions and auth records will pile up. Implement GrantStore.kvSweep.',
        { store: this.#store.kind },
      );
      return;
    }
    this.#schedule(Math.min(this.#intervalMs, FIRST_SWEEP_DELAY_MS));
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.sweep({}, MAX_BATCHES_PER_TICK)
        .then(
          (r) => {
            if (r.removed > 0) this.#logger.debug('swept expired store entries', { removed: r.removed, batches: r.batches });
          },
          (err: unknown) => {
            // The next tick retries; a store that stays down shows up in requests too.
            this.#logger.warn('sweeping expired store entries failed; retrying at the next interval', {
              error: (err as Error)?.name,
              code: (err as { code?: unknown })?.code,
            });
          },
        )
        .finally(() => {
          if (!this.#stopped) this.#schedule(this.#intervalMs);
        });
    }, delayMs);
    // A sweep is housekeeping: it must never keep a process alive.
    this.#timer.unref();
  }

  /**
   * Deletes every expired kv entry, `batchSize` rows at a time, yielding to the event loop between
   * batches. Runs after a sweep already in progress (one at a time per vault). Stops early
   * (between batches) when {@link stop} is called.
   */
  sweep(options: SweepRunOptions = {}, maxBatches = Number.POSITIVE_INFINITY): Promise<SweepResult> {
    const run = (this.#running ?? Promise.resolve()).then(() => this.#run(options, maxBatches));
    const tracked: Promise<void> = run
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        if (this.#running === tracked) this.#running = undefined;
      });
    this.#running = tracked;
    return run;
  }

  async #run(options: SweepRunOptions, maxBatches: number): Promise<SweepResult> {
    if (typeof this.#store.kvSweep !== 'function') {
      throw new VaultConfigError(
        `The ${String(this.#store.kind)} store has no kvSweep(), so expired entries cannot be removed. Implement GrantStore.kvSweep (see grant-store.ts).`,
      );
    }
    const batchSize = options.batchSize ?? this.#batchSize;
    let removed = 0;
    let batches = 0;
    while (!this.#stopped && batches < maxBatches) {
      const n = await this.#store.kvSweep(batchSize);
      batches += 1;
      removed += n;
      options.onProgress?.(removed);
      if (n < batchSize) break;
      // Let requests (and, on SQLite, other statements) run between batches.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return { removed, batches };
  }

  /** Cancels the timer and waits for a running sweep to finish its current batch. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
