/**
 * {@link StoreSignals} on PostgreSQL: `NOTIFY` through the store's pool, `LISTEN` on ONE dedicated
 * connection per store (opened on the first subscriber, outside the pool, so it never holds a pool
 * slot). Package-internal: built by the store (`CREATE_STORE_SIGNALS`, store-signals.ts), closed with it.
 *
 * - The channel is per schema (`alter_signals_<digest of the schema>`), so vaults in other schemas
 *   of the same database never hear each other.
 * - The feed is `live` only once a probe NOTIFY sent through the pool has come back on the LISTEN
 *   connection: behind a transaction-mode pooler (PgBouncer) LISTEN "succeeds" but nothing ever
 *   arrives, and consumers must keep polling.
 * - A dropped or failed listening connection (server restart, `pg_terminate_backend`, network
 *   blip) is destroyed and reopened with backoff (250 ms doubling to 10 s); subscribers get
 *   `onResync` when the feed is live again, because signals sent meanwhile were lost. Every wait is
 *   bounded by the store's `connectTimeoutMs` / `queryTimeoutMs`, and TCP keepalive notices a dead
 *   peer, as for the pool (internal/pg-connection.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { loadDriver } from './internal/optional-driver.js';
import type { Logger } from './logger.js';
import { type PgConnectionSettings, safeDetail } from './internal/pg-connection.js';
import type { StoreSignalListener, StoreSignals } from './store-signals.js';

const PROBE_PREFIX = 'alter-probe:';
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 10_000;
/** NOTIFY payloads must stay under 8000 bytes; ours are digests, far below. */
const MAX_SIGNAL_LENGTH = 1_000;

/** The LISTEN channel of `schema`: a plain lower-case identifier well under PostgreSQL's 63 bytes. */
export function signalChannel(schema: string): string {
  return `alter_signals_${createHash('sha256').update(schema).digest('hex').slice(0, 24)}`;
}

export interface PostgresSignalsDeps {
  readonly settings: PgConnectionSettings;
  readonly schema: string;
  /** Runs `SELECT pg_notify($1, $2)` on the store's pool. */
  notify(channel: string, payload: string): Promise<void>;
  logger(): Logger;
}

export class PostgresStoreSignals implements StoreSignals {
  readonly kind = 'postgres';
  readonly #deps: PostgresSignalsDeps;
  readonly #channel: string;
  readonly #listeners = new Set<StoreSignalListener>();
  #client: pg.Client | undefined;
  #live = false;
  #started = false;
  #closed = false;
  #failures = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  /** The probe of the connection being set up, and who to tell when it comes back. */
  #probe: { readonly payload: string; readonly arrived: () => void } | undefined;

  constructor(deps: PostgresSignalsDeps) {
    this.#deps = deps;
    this.#channel = signalChannel(deps.schema);
  }

  get live(): boolean {
    return this.#live;
  }

  async publish(signal: string): Promise<void> {
    if (typeof signal !== 'string' || signal === '' || signal.length > MAX_SIGNAL_LENGTH || signal.startsWith(PROBE_PREFIX)) {
      this.#deps
        .logger()
        .error('PostgreSQL signals: refused to publish a malformed signal (a bug in the caller)', { length: String(signal).length });
      return;
    }
    try {
      await this.#deps.notify(this.#channel, signal);
    } catch (err) {
      // Best effort by contract: waiters in other processes fall back to their safety poll.
      this.#deps.logger().warn('PostgreSQL signals: NOTIFY failed; processes waiting for it notice by polling instead.', {
        schema: this.#deps.schema,
        error: safeDetail(err, this.#deps.settings),
      });
    }
  }

  subscribe(listener: StoreSignalListener): () => void {
    this.#listeners.add(listener);
    if (!this.#started && !this.#closed) {
      this.#started = true;
      void this.#connect();
    }
    return () => {
      this.#listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#live = false;
    clearTimeout(this.#retryTimer);
    this.#listeners.clear();
    const client = this.#client;
    this.#client = undefined;
    if (client) await endClient(client, this.#deps.settings.connectTimeoutMs);
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const { settings } = this.#deps;
    let client: pg.Client | undefined;
    try {
      // The driver is an optional peer, loaded on use (the PostgreSQL store already loaded it).
      const driver = loadDriver<typeof pg>('pg', 'A PostgreSQL vault store');
      client = new driver.Client({
        connectionString: settings.connectionString,
        application_name: settings.applicationName,
        connectionTimeoutMillis: settings.connectTimeoutMs,
        keepAlive: settings.keepAliveDelayMs > 0,
        ...(settings.keepAliveDelayMs > 0 ? { keepAliveInitialDelayMillis: settings.keepAliveDelayMs } : {}),
      });
      const current = client;
      this.#client = current;
      // An unlistened 'error' on a pg.Client crashes the process; here it means "reconnect".
      current.on('error', (err) => this.#lost(current, err));
      current.on('end', () => this.#lost(current, new Error('Connection terminated')));
      current.on('notification', (msg) => {
        if (msg.channel === this.#channel && typeof msg.payload === 'string') this.#dispatch(msg.payload);
      });
      await withTimeout(current.connect(), settings.connectTimeoutMs, 'connecting');
      await withTimeout(current.query(`LISTEN "${this.#channel}"`), settings.queryTimeoutMs, 'LISTEN');
      await this.#probeRoundTrip();
    } catch (err) {
      if (client) this.#lost(client, err);
      else this.#retryAfter(err); // the client could not even be built (a bad setting): keep polling, say why
      return;
    }
    if (this.#client !== client || this.#closed) return;
    const recovered = this.#failures > 0;
    this.#failures = 0;
    this.#live = true;
    if (recovered)
      this.#deps
        .logger()
        .info('PostgreSQL signals: listening again; waiting processes re-check what they wait for.', { schema: this.#deps.schema });
    else this.#deps.logger().debug('PostgreSQL signals: listening', { schema: this.#deps.schema });
    for (const listener of [...this.#listeners]) safely(() => listener.onResync(), this.#deps.logger());
  }

  /** Resolves once a NOTIFY sent through the pool arrives here; rejects after `queryTimeoutMs`. */
  async #probeRoundTrip(): Promise<void> {
    const payload = `${PROBE_PREFIX}${randomUUID()}`;
    const arrived = new Promise<void>((resolve) => {
      this.#probe = { payload, arrived: resolve };
    });
    try {
      await this.#deps.notify(this.#channel, payload);
      await withTimeout(
        arrived,
        this.#deps.settings.queryTimeoutMs,
        'the probe NOTIFY (is a transaction-mode pooler between this process and PostgreSQL? LISTEN needs a session)',
      );
    } finally {
      this.#probe = undefined;
    }
  }

  #dispatch(payload: string): void {
    if (payload.startsWith(PROBE_PREFIX)) {
      // Every process probes on the same channel; only our own probe means anything to us.
      if (this.#probe?.payload === payload) this.#probe.arrived();
      return;
    }
    for (const listener of [...this.#listeners]) safely(() => listener.onSignal(payload), this.#deps.logger());
  }

  #lost(client: pg.Client, err: unknown): void {
    if (this.#client !== client) return; // an old connection saying goodbye
    this.#client = undefined;
    void endClient(client, this.#deps.settings.connectTimeoutMs);
    this.#retryAfter(err);
  }

  /** Not live until a new connection is up; tries again with backoff. */
  #retryAfter(err: unknown): void {
    this.#live = false;
    if (this.#closed) return;
    this.#failures += 1;
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** (this.#failures - 1));
    // Once per outage at warn level, then quietly: a long outage must not flood the log.
    const logger = this.#deps.logger();
    const fields = {
      schema: this.#deps.schema,
      store: this.#deps.settings.describedUrl,
      error: safeDetail(err, this.#deps.settings),
      retryInMs: delay,
    };
    const message = 'PostgreSQL signals: the LISTEN connection failed; Connect waits poll the store until it is back.';
    if (this.#failures === 1) logger.warn(message, fields);
    else logger.debug(message, fields);
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => void this.#connect(), delay);
    // Reconnecting must never keep a process alive that has nothing else to do.
    this.#retryTimer.unref();
  }
}

function safely(fn: () => void, logger: Logger): void {
  try {
    fn();
  } catch (err) {
    logger.error('PostgreSQL signals: a subscriber threw', { error: err instanceof Error ? err.name : typeof err });
  }
}

async function withTimeout<T>(pending: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout expired after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([pending, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Ends a client without waiting longer than `ms` for a server that does not answer the goodbye. */
async function endClient(client: pg.Client, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([client.end().catch(() => {}), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
