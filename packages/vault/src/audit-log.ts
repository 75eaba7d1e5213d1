/**
 * The audit writer: rows are queued on the request path (a push), hashed into the chain and written
 * in batches off it. `flush()` and `close()` write everything queued; nothing is dropped.
 */
import { auditHash, GENESIS_HASH, recomputeHash } from './audit-hash.js';
import { AuditChainConflictError, InvalidArgumentError } from './errors.js';
import type { AuditFilter, AuditInput, AuditRecord, GrantStore } from './grant-store.js';
import { describeType, optionalPositiveInt, optionalString } from './internal/args.js';
import type { Logger } from './logger.js';

/** An audit row before hashing. */
export type PendingAudit = Omit<AuditInput, 'prevHash' | 'hash'>;

export interface AuditOptions {
  /** Rows per write (default 500); a full batch is written at once. */
  readonly batchSize?: number;
  /** Longest time a row waits in memory before being written (default 200 ms). */
  readonly flushIntervalMs?: number;
}

/** Result of {@link AuditLog.verify}. */
export interface AuditVerifyResult {
  readonly ok: boolean;
  /** Rows checked. */
  readonly checked: number;
  /** seq of the first row that failed. */
  readonly firstBadSeq?: number;
  /** What is wrong there. */
  readonly problem?: string;
  /** Hash of the newest row (anchor it elsewhere to also detect truncation). */
  readonly lastHash: string;
}

/** Options of {@link AuditLog.verify}. */
export interface AuditVerifyOptions {
  /**
   * Called with the number of rows checked so far: every `progressEvery` rows, and once at the
   * end with the final count (equal to the result's `checked`, also when the chain is broken).
   * Counts strictly increase, so the end call is skipped when the last periodic call already
   * reported that count; an empty log gets one call with 0. Called synchronously between rows —
   * keep it cheap; if it throws, verify() rejects with that error.
   */
  readonly onProgress?: (checked: number) => void;
  /** Rows between two progress calls; a positive integer, default 1,000. */
  readonly progressEvery?: number;
}

const DEFAULT_PROGRESS_EVERY = 1_000;

/**
 * Validates {@link AuditVerifyOptions} (naming the bad argument) and fills in defaults. Exported so
 * `vault.audit.verify()` can reject bad arguments before it opens the store.
 */
export function verifyOptionsOf(options: unknown): { onProgress: ((checked: number) => void) | undefined; progressEvery: number } {
  if (options === undefined) return { onProgress: undefined, progressEvery: DEFAULT_PROGRESS_EVERY };
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgumentError('options', `expected an object, got ${describeType(options)}`);
  }
  const { onProgress, progressEvery } = options as Record<string, unknown>;
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new InvalidArgumentError('options.onProgress', `expected a function, got ${describeType(onProgress)}`);
  }
  if (progressEvery !== undefined && (typeof progressEvery !== 'number' || !Number.isSafeInteger(progressEvery) || progressEvery <= 0)) {
    throw new InvalidArgumentError('options.progressEvery', `expected a positive integer, got ${typeof progressEvery === 'number' ? String(progressEvery) : describeType(progressEvery)}`);
  }
  return {
    onProgress: onProgress as ((checked: number) => void) | undefined,
    progressEvery: (progressEvery as number | undefined) ?? DEFAULT_PROGRESS_EVERY,
  };
}

/** Filter of {@link AuditLog.query}. */
export interface AuditQuery {
  readonly user?: string;
  readonly tool?: string;
  readonly provider?: string;
  readonly since?: Date;
  /** Newest first; default 100. */
  readonly limit?: number;
}

const MAX_CONFLICT_RETRIES = 20;

export class AuditLog {
  readonly #store: GrantStore;
  readonly #logger: Logger;
  readonly #batchSize: number;
  readonly #intervalMs: number;
  #queue: PendingAudit[] = [];
  #lastHash: string | undefined;
  #chain: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #kicked = false;

  constructor(store: GrantStore, logger: Logger, options: AuditOptions = {}) {
    this.#store = store;
    this.#logger = logger;
    this.#batchSize = Math.floor(optionalPositiveInt(options.batchSize, 'options.audit.batchSize') ?? 500);
    this.#intervalMs = optionalPositiveInt(options.flushIntervalMs, 'options.audit.flushIntervalMs') ?? 200;
  }

  /** Rows waiting to be written. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Queues a row (cheap; called on the request path). */
  record(row: PendingAudit): void {
    this.#queue.push(row);
    if (this.#queue.length >= this.#batchSize) {
      if (!this.#kicked) {
        this.#kicked = true;
        setImmediate(() => {
          this.#kicked = false;
          this.#background();
        });
      }
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#background();
      }, this.#intervalMs);
      this.#timer.unref();
    }
  }

  #background(): void {
    this.flush().catch((err: unknown) => {
      this.#logger.error('Writing audit rows failed; they stay queued and are retried on the next flush.', {
        error: err instanceof Error ? err.message : String(err),
        pending: this.#queue.length,
      });
    });
  }

  /** Writes every queued row. Resolves when they are stored. */
  flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const run = this.#chain.then(() => this.#drain());
    // Keep the chain alive after a failure so later flushes still run.
    this.#chain = run.catch(() => {});
    return run;
  }

  async #drain(): Promise<void> {
    let conflicts = 0;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, Math.max(this.#batchSize, 1000));
      try {
        if (this.#lastHash === undefined) this.#lastHash = (await this.#store.lastAudit())?.hash ?? GENESIS_HASH;
        let prev = this.#lastHash;
        const rows: AuditInput[] = batch.map((r) => {
          const withPrev = { ...r, prevHash: prev };
          const hash = auditHash(withPrev);
          prev = hash;
          return { ...withPrev, hash };
        });
        await this.#store.appendAudit(rows);
        this.#lastHash = prev;
      } catch (err) {
        this.#queue.unshift(...batch);
        if (err instanceof AuditChainConflictError && conflicts < MAX_CONFLICT_RETRIES) {
          conflicts += 1;
          this.#lastHash = undefined; // re-read the tail another writer moved
          continue;
        }
        this.#lastHash = undefined;
        throw err;
      }
    }
  }

  /** Flushes, then returns matching rows, newest first. */
  async query(filter: AuditQuery = {}): Promise<AuditRecord[]> {
    if (filter === null || typeof filter !== 'object') throw new InvalidArgumentError('filter', 'expected an object');
    optionalString(filter.user, 'filter.user');
    optionalString(filter.tool, 'filter.tool');
    optionalString(filter.provider, 'filter.provider');
    optionalPositiveInt(filter.limit, 'filter.limit');
    if (filter.since !== undefined && (!(filter.since instanceof Date) || Number.isNaN(filter.since.getTime()))) {
      throw new InvalidArgumentError('filter.since', 'expected a valid Date');
    }
    await this.flush();
    const f: AuditFilter = {
      ...(filter.user !== undefined ? { user: filter.user } : {}),
      ...(filter.tool !== undefined ? { tool: filter.tool } : {}),
      ...(filter.provider !== undefined ? { provider: filter.provider } : {}),
      ...(filter.since !== undefined ? { since: filter.since } : {}),
      limit: filter.limit ?? 100,
    };
    return this.#store.queryAudit(f);
  }

  /**
   * Flushes, then walks the whole chain: every row's hash must match its content, and every
   * row's prevHash the previous row's hash (a deleted or reordered row breaks that).
   * `options.onProgress` reports the running count (see {@link AuditVerifyOptions}).
   *
   * @throws InvalidArgumentError for bad options (named: `options`, `options.onProgress`,
   *   `options.progressEvery`).
   */
  async verify(options?: AuditVerifyOptions): Promise<AuditVerifyResult> {
    const { onProgress, progressEvery } = verifyOptionsOf(options);
    await this.flush();
    let expectedPrev = GENESIS_HASH;
    let afterSeq = 0;
    let checked = 0;
    let reported = -1;
    let lastSeq: number | undefined;
    // The last call always carries the final count, whatever the outcome.
    const finish = (result: AuditVerifyResult): AuditVerifyResult => {
      if (onProgress !== undefined && reported !== checked) onProgress(checked);
      return result;
    };
    for (;;) {
      const page = await this.#store.queryAudit({ afterSeq, limit: 1000 });
      if (page.length === 0) break;
      for (const row of page) {
        if (row.prevHash !== expectedPrev) {
          const gap = lastSeq !== undefined && row.seq !== lastSeq + 1 ? ` (rows ${lastSeq + 1}..${row.seq - 1} are missing)` : '';
          return finish({ ok: false, checked, firstBadSeq: row.seq, problem: `chain broken before row ${row.seq}: prevHash does not match the previous row${gap} — a row was deleted or reordered`, lastHash: expectedPrev });
        }
        if (recomputeHash(row) !== row.hash) {
          return finish({ ok: false, checked, firstBadSeq: row.seq, problem: `row ${row.seq} was modified: its hash does not match its content`, lastHash: expectedPrev });
        }
        expectedPrev = row.hash;
        lastSeq = row.seq;
        checked += 1;
        if (onProgress !== undefined && checked % progressEvery === 0) {
          reported = checked;
          onProgress(checked);
        }
      }
      afterSeq = page[page.length - 1]!.seq;
    }
    return finish({ ok: true, checked, lastHash: expectedPrev });
  }
}
