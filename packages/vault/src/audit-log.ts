/**
 * The audit writer: rows are queued on the request path, hashed into the chain and appended in
 * batches, one store transaction at a time. An append is atomic (one transaction), so a crash in
 * the middle of one leaves no half-written batch and the chain still verifies.
 *
 * Durability (`options.audit.durability`), with N = `maxBatchRows`:
 *
 *   'batched' (default)  request() returns without waiting for the store while at most N rows are
 *                        unwritten (queued, or in the transaction in flight); a row that would make
 *                        it N + 1 makes its request wait for the commit of its batch (backpressure).
 *                        So a crash (kill -9, OOM kill) loses at most N rows of completed requests.
 *                        A write starts when the oldest waiting row has waited `maxDelayMs`, or as
 *                        soon as N / 2 rows wait, so a row normally reaches the store within
 *                        `maxDelayMs` plus one commit.
 *   'sync'               request() returns only after the transaction holding its row committed.
 *                        Group commit: rows that arrive while a transaction is in flight are
 *                        appended together in the next one (up to N per transaction), and each
 *                        request awaits the commit of the batch holding its row.
 *
 * Rows are numbered by arrival (tickets) and committed strictly in that order, so "row t is
 * durable" is just `committed >= t`; waiting requests and flush() wait for their ticket.
 * `flush()` and `close()` write everything queued; nothing is dropped: a failed append keeps its
 * rows queued, rejects whoever waits for them, and is retried.
 */
import { GENESIS_HASH, recomputeHash } from './audit-hash.js';
import { AuditChainConflictError, InvalidArgumentError, VaultConfigError } from './errors.js';
import type { AuditFilter, AuditInput, AuditRecord, GrantStore } from './grant-store.js';
import { describeType, optionalIdentifier, optionalPositiveInt, requireObject } from './internal/args.js';
import { auditChainInStoreOf } from './internal/audit-chain-in-store.js';
import { hashableAuditBatch } from './internal/hashable-audit-batch.js';
import { linkAuditRows } from './internal/link-audit-rows.js';
import type { Logger } from './logger.js';

/** An audit row before hashing. */
export type PendingAudit = Omit<AuditInput, 'prevHash' | 'hash'>;

/** How an audit row is made durable; see {@link AuditOptions.durability}. */
export type AuditDurability = 'batched' | 'sync';

/** `options.audit` of `new AlterVault(...)`. */
export interface AuditOptions {
  /**
   * `'batched'` (default): request() does not wait for the audit write; a crash loses at most
   * `maxBatchRows` rows of completed requests. `'sync'`: request() returns only after its row is
   * committed (concurrent requests share one transaction — group commit).
   */
  readonly durability?: AuditDurability | undefined;
  /**
   * Most rows in one transaction (default 200, at most 100,000). In `'batched'` mode also the loss
   * bound: at most this many rows of completed requests are ever unwritten; beyond it request()
   * waits for the commit.
   */
  readonly maxBatchRows?: number | undefined;
  /**
   * `'batched'` only: longest time in ms a row waits before its write starts (default 100; 0
   * starts writes at once; at most 60,000). Not allowed with `'sync'`, which writes at once.
   */
  readonly maxDelayMs?: number | undefined;
  /** @deprecated Use `maxBatchRows`. */
  readonly batchSize?: number | undefined;
  /** @deprecated Use `maxDelayMs`. */
  readonly flushIntervalMs?: number | undefined;
}

/** Validated audit settings (see {@link auditSettingsOf}). */
export interface AuditSettings {
  readonly durability: AuditDurability;
  readonly maxBatchRows: number;
  readonly maxDelayMs: number;
}

/** The defaults of {@link AuditOptions}. */
export const AUDIT_DEFAULTS: AuditSettings = Object.freeze({ durability: 'batched', maxBatchRows: 200, maxDelayMs: 100 });

const AUDIT_OPTION_KEYS: ReadonlySet<string> = new Set(['durability', 'maxBatchRows', 'maxDelayMs', 'batchSize', 'flushIntervalMs']);
const MAX_BATCH_ROWS_LIMIT = 100_000;
const MAX_DELAY_MS_LIMIT = 60_000;
/** Pause before retrying after a failed append, so a dead database is not hammered. */
const RETRY_AFTER_FAILURE_MS = 1_000;

function intOption(value: unknown, argument: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const got = typeof value === 'number' ? String(value) : describeType(value);
    throw new InvalidArgumentError(argument, `expected an integer from ${min} to ${max.toLocaleString('en-US')}, got ${got}`);
  }
  return value;
}

/**
 * Validates `options.audit` (every failure names the option, e.g. `options.audit.maxBatchRows`)
 * and fills in {@link AUDIT_DEFAULTS}. Unknown keys are refused, so a typo cannot silently fall
 * back to a weaker guarantee.
 *
 * @throws InvalidArgumentError for a bad or unknown option, a deprecated alias given together
 *   with its new name, or `maxDelayMs` with `durability: 'sync'`.
 */
export function auditSettingsOf(options: unknown): AuditSettings {
  if (options === undefined) return AUDIT_DEFAULTS;
  const o = requireObject(options, 'options.audit');
  for (const key of Object.keys(o)) {
    if (!AUDIT_OPTION_KEYS.has(key)) {
      throw new InvalidArgumentError(`options.audit.${key}`, 'unknown option; expected durability, maxBatchRows or maxDelayMs');
    }
  }
  const durability = o.durability ?? AUDIT_DEFAULTS.durability;
  if (durability !== 'batched' && durability !== 'sync') {
    throw new InvalidArgumentError(
      'options.audit.durability',
      `expected 'batched' or 'sync', got ${typeof durability === 'string' ? `'${durability.slice(0, 40)}'` : describeType(durability)}`,
    );
  }
  const alias = (name: string, old: string): unknown => {
    if (o[name] !== undefined && o[old] !== undefined) {
      throw new InvalidArgumentError(`options.audit.${old}`, `is the deprecated name of ${name}; pass only ${name}`);
    }
    return o[name] !== undefined ? o[name] : o[old];
  };
  const rowsName = o.maxBatchRows === undefined && o.batchSize !== undefined ? 'batchSize' : 'maxBatchRows';
  const delayName = o.maxDelayMs === undefined && o.flushIntervalMs !== undefined ? 'flushIntervalMs' : 'maxDelayMs';
  const maxBatchRows =
    intOption(alias('maxBatchRows', 'batchSize'), `options.audit.${rowsName}`, 1, MAX_BATCH_ROWS_LIMIT) ?? AUDIT_DEFAULTS.maxBatchRows;
  const delay = alias('maxDelayMs', 'flushIntervalMs');
  if (durability === 'sync' && delay !== undefined) {
    throw new InvalidArgumentError(
      `options.audit.${delayName}`,
      "applies only to durability 'batched'; 'sync' writes every row at once (remove it, or use 'batched')",
    );
  }
  const maxDelayMs = intOption(delay, `options.audit.${delayName}`, 0, MAX_DELAY_MS_LIMIT) ?? AUDIT_DEFAULTS.maxDelayMs;
  return Object.freeze({ durability, maxBatchRows, maxDelayMs });
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
  readonly onProgress?: ((checked: number) => void) | undefined;
  /** Rows between two progress calls; a positive integer, default 1,000. */
  readonly progressEvery?: number | undefined;
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
    throw new InvalidArgumentError(
      'options.progressEvery',
      `expected a positive integer, got ${typeof progressEvery === 'number' ? String(progressEvery) : describeType(progressEvery)}`,
    );
  }
  return {
    onProgress: onProgress as ((checked: number) => void) | undefined,
    progressEvery: (progressEvery as number | undefined) ?? DEFAULT_PROGRESS_EVERY,
  };
}

/**
 * The instants both stores compare a row's time with: the years 1 to 9999. PostgreSQL refused a
 * `since` before 4713 BC with a StoreError ("timestamp out of range") where SQLite answered.
 */
const EARLIEST_QUERYABLE_MS = -62_135_596_800_000; // 0001-01-01T00:00:00Z
const END_OF_QUERYABLE_MS = 253_402_300_800_000; // 10000-01-01T00:00:00Z

function isQueryableInstant(ms: number): boolean {
  return ms >= EARLIEST_QUERYABLE_MS && ms < END_OF_QUERYABLE_MS;
}

/** Filter of {@link AuditLog.query}. */
export interface AuditQuery {
  readonly user?: string | undefined;
  readonly tool?: string | undefined;
  readonly provider?: string | undefined;
  readonly since?: Date | undefined;
  /** Newest first; default 100. */
  readonly limit?: number | undefined;
}

/**
 * Re-hash attempts when other processes keep moving the chain's tail. Every conflict means another
 * writer committed (the system progresses), so the bound is generous: with 'sync', running out
 * fails requests. Past a few conflicts a short random pause lets the other writers drain.
 */
const MAX_CONFLICT_RETRIES = 100;
const CONFLICT_PAUSE_AFTER = 3;

interface Waiter {
  /** Resolved once this many rows (in arrival order) are committed. */
  readonly ticket: number;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Queues audit rows and appends them to the store with the durability of {@link AuditSettings}
 * (see the file header for the guarantees).
 *
 * @example
 * const log = new AuditLog(store, logger, { durability: 'sync' });
 * await log.record(row); // sync: resolves once the row is committed
 */
export class AuditLog {
  readonly #store: GrantStore;
  readonly #logger: Logger;
  readonly #sync: boolean;
  readonly #maxBatchRows: number;
  /** Rows per append: maxBatchRows, or less when the store asks for less (GrantStore.auditAppendLimit). */
  readonly #appendLimit: number;
  readonly #maxDelayMs: number;
  /** Queued rows at which a batched write starts without waiting for the timer. */
  readonly #startAt: number;
  /** Rows not yet committed, oldest first; only the write loop removes (from the front). */
  readonly #queue: PendingAudit[] = [];
  /**
   * performance.now() when each row of {@link #queue} was queued (same index), for the maxDelayMs
   * timer. A parallel array of numbers, not a wrapper object per row: the queue holds up to
   * maxBatchRows rows, and an object per row was garbage the request path paid for.
   */
  readonly #queuedAt: number[] = [];
  /** In ticket order (tickets never decrease). */
  #waiters: Waiter[] = [];
  /** Rows ever queued / committed; row number t is durable when #committed >= t. */
  #recorded = 0;
  #committed = 0;
  #lastHash: string | undefined;
  #writing = false;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  /** performance.now() before which no automatic retry starts (after a failed append). */
  #retryAfter = 0;
  /** Set by {@link stop} (the vault closed): nothing is written or retried any more. */
  #stopped = false;

  /** @throws InvalidArgumentError for bad options (see {@link auditSettingsOf}). */
  constructor(store: GrantStore, logger: Logger, options?: AuditOptions) {
    const settings = auditSettingsOf(options);
    this.#store = store;
    this.#logger = logger;
    this.#sync = settings.durability === 'sync';
    this.#maxBatchRows = settings.maxBatchRows;
    const limit = store.auditAppendLimit;
    this.#appendLimit =
      typeof limit === 'number' && Number.isSafeInteger(limit) && limit > 0
        ? Math.min(limit, settings.maxBatchRows)
        : settings.maxBatchRows;
    this.#maxDelayMs = settings.maxDelayMs;
    this.#startAt = Math.max(1, Math.ceil(settings.maxBatchRows / 2));
  }

  /** Rows waiting to be written (queued or in the transaction in flight). */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Queues a row (cheap; called on the request path). Returns undefined when the caller may go on
   * at once, or a promise of the row's commit the caller must await: always with `'sync'`, and
   * with `'batched'` when the row is beyond the `maxBatchRows` window. The promise rejects with
   * the store's error when the append fails (the row stays queued and is retried).
   */
  record(row: PendingAudit): Promise<void> | undefined {
    this.#queue.push(row);
    this.#queuedAt.push(performance.now());
    this.#recorded += 1;
    // Completed-but-unwritten rows never exceed maxBatchRows; a row beyond the window waits.
    const committed = this.#sync || this.#recorded - this.#committed > this.#maxBatchRows ? this.#waitFor(this.#recorded) : undefined;
    this.#schedule();
    return committed;
  }

  /** Writes every queued row. Resolves when they are committed; rejects when the append fails. */
  flush(): Promise<void> {
    if (this.#committed >= this.#recorded) return Promise.resolve();
    if (this.#stopped) return Promise.reject(new VaultConfigError('The vault is closed; its unwritten audit rows were reported at close.'));
    const done = this.#waitFor(this.#recorded);
    // An explicit flush (close(), query(), verify()) does not sit out the retry pause.
    this.#retryAfter = 0;
    this.#schedule();
    return done;
  }

  #waitFor(ticket: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ ticket, resolve, reject });
    });
  }

  /** Starts a write now, arms the timer, or leaves it to the running write loop. */
  #schedule(): void {
    if (this.#stopped || this.#writing || this.#queue.length === 0) return;
    const now = performance.now();
    if (now < this.#retryAfter) {
      this.#arm(this.#retryAfter - now);
    } else if (this.#sync || this.#waiters.length > 0 || this.#queue.length >= this.#startAt) {
      // setImmediate, not at once: rows of requests finishing in the same event-loop turn join
      // the same transaction (group commit).
      if (this.#timer !== undefined) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
      }
      this.#immediate ??= setImmediate(() => {
        this.#immediate = undefined;
        this.#start();
      });
    } else {
      this.#arm(this.#queuedAt[0]! + this.#maxDelayMs - now);
    }
  }

  #arm(delayMs: number): void {
    if (this.#timer !== undefined || this.#immediate !== undefined) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#start();
      },
      Math.max(0, Math.ceil(delayMs)),
    );
    // Rows left unwritten at exit are what close() is for; a timer must not keep the process up.
    this.#timer.unref();
  }

  #start(): void {
    if (this.#stopped || this.#writing || this.#queue.length === 0) return;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#writing = true;
    void this.#loop().finally(() => {
      this.#writing = false;
      this.#schedule();
    });
  }

  /** Appends batches one transaction at a time while anyone waits (or enough rows queue up). */
  async #loop(): Promise<void> {
    let first = true;
    while (this.#queue.length > 0) {
      // Between two appends, let the requests in flight run: a store that writes on the event
      // loop (SQLite) would otherwise drain a long queue in one uninterrupted stall.
      if (!first) await new Promise<void>((resolve) => setImmediate(resolve));
      first = false;
      const count = Math.min(this.#queue.length, this.#appendLimit);
      try {
        await this.#append(this.#queue.slice(0, count));
      } catch (err) {
        this.#failed(err);
        return;
      }
      this.#queue.splice(0, count);
      this.#queuedAt.splice(0, count);
      this.#committed += count;
      let released = 0;
      while (released < this.#waiters.length && this.#waiters[released]!.ticket <= this.#committed) this.#waiters[released++]!.resolve();
      if (released > 0) this.#waiters = this.#waiters.slice(released);
      // 'batched' with nobody waiting and less than half a window queued: let the timer batch up more.
      if (!this.#sync && this.#waiters.length === 0 && this.#queue.length < this.#startAt) return;
    }
  }

  /** One atomic append; re-hashes and retries when another writer moved the chain's tail. */
  async #append(queued: readonly PendingAudit[]): Promise<void> {
    const store = this.#store;
    // Hashed as they will be stored (a lone surrogate becomes U+FFFD first); each row's canonical
    // JSON without prevHash is built before the store's append lock is taken, so only SHA-256
    // runs while other processes wait.
    const { rows: batch, prefixes } = hashableAuditBatch(queued);
    const chainInStore = auditChainInStoreOf(store);
    if (chainInStore !== undefined) {
      // The store links and hashes the batch itself, in one statement (PostgreSQL ≥ 11).
      this.#lastHash = undefined;
      this.#lastHash = await chainInStore(batch, prefixes);
      return;
    }
    if (typeof store.appendAuditLinked === 'function') {
      // The store hashes the batch onto the tail it reads under its append lock: no conflicts.
      let last: string | undefined;
      try {
        await store.appendAuditLinked((tail) => {
          last = undefined;
          const rows = linkAuditRows(batch, prefixes, tail);
          last = rows[rows.length - 1]?.hash;
          return rows;
        });
      } catch (err) {
        this.#lastHash = undefined;
        throw err;
      }
      this.#lastHash = last;
      return;
    }
    let conflicts = 0;
    for (;;) {
      try {
        this.#lastHash ??= (await this.#store.lastAudit())?.hash ?? GENESIS_HASH;
        const rows = linkAuditRows(batch, prefixes, this.#lastHash);
        await this.#store.appendAudit(rows);
        this.#lastHash = rows[rows.length - 1]!.hash;
        return;
      } catch (err) {
        // Whatever failed, the tail we hashed against is no longer trusted.
        this.#lastHash = undefined;
        if (err instanceof AuditChainConflictError && conflicts < MAX_CONFLICT_RETRIES) {
          conflicts += 1;
          if (conflicts > CONFLICT_PAUSE_AFTER)
            await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * conflicts)));
          continue;
        }
        throw err;
      }
    }
  }

  /**
   * Ends the writer once the vault has made its last flush (close()): no timer, no retry against
   * a store that is closing. Rows that last flush could not write are lost with the process's
   * memory; they are reported once, with their count, instead of a failed retry every second.
   */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
    const lost = this.#queue.length;
    if (lost > 0) {
      this.#logger.error('The vault closed with audit rows its store did not take; they were not written.', { lost });
    }
  }

  #failed(err: unknown): void {
    // Everyone waiting learns now (sync requests, flush()); the rows stay queued for the retry.
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(err);
    this.#retryAfter = performance.now() + Math.max(this.#maxDelayMs, RETRY_AFTER_FAILURE_MS);
    this.#logger.error('Writing audit rows failed; they stay queued and are retried.', {
      error: err instanceof Error ? err.message : String(err),
      pending: this.#queue.length,
    });
  }

  /** Flushes, then returns matching rows, newest first. */
  async query(filter: AuditQuery = {}): Promise<AuditRecord[]> {
    if (filter === null || typeof filter !== 'object') throw new InvalidArgumentError('filter', 'expected an object');
    optionalIdentifier(filter.user, 'filter.user');
    optionalIdentifier(filter.tool, 'filter.tool');
    optionalIdentifier(filter.provider, 'filter.provider');
    optionalPositiveInt(filter.limit, 'filter.limit');
    if (filter.since !== undefined && (!(filter.since instanceof Date) || !isQueryableInstant(filter.since.getTime()))) {
      throw new InvalidArgumentError('filter.since', 'expected a valid Date between the years 1 and 9999');
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
          return finish({
            ok: false,
            checked,
            firstBadSeq: row.seq,
            problem: `chain broken before row ${row.seq}: prevHash does not match the previous row${gap} — a row was deleted or reordered`,
            lastHash: expectedPrev,
          });
        }
        if (recomputeHash(row) !== row.hash) {
          return finish({
            ok: false,
            checked,
            firstBadSeq: row.seq,
            problem: `row ${row.seq} was modified: its hash does not match its content`,
            lastHash: expectedPrev,
          });
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
