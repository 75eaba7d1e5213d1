/**
 * How PostgresGrantStore uses a `pg` pool without ever crashing the process or waiting forever.
 *
 * - A checked-out pg client emits `'error'` when its connection drops; the pool listens only on
 *   IDLE clients, so an unlistened `'error'` on a checked-out one is an uncaught exception. Every
 *   checkout here ({@link withPgSession}) listens for its whole use, and every client is listened
 *   to from the moment the pool creates it ({@link listenFromConnect}), which covers the turn
 *   between pg-pool handing a NEW client over and the checkout's own listener.
 * - A client whose connection failed, or whose statement did not answer in time, is released WITH
 *   the error: the pool then destroys its socket (a hung query makes `client.end()` destroy the
 *   stream) instead of handing a broken or blackholed connection to the next caller.
 * - Every wait is bounded: connecting (`connectionTimeoutMillis`, which also bounds the wait for a
 *   free pool slot), each statement (a client-side timer, and `statement_timeout` on the server),
 *   a transaction left open by a vanished client (`idle_in_transaction_session_timeout`), and a
 *   dead peer on an idle socket (TCP keepalive).
 * - Failures become {@link StoreUnavailableError} (connect / connection-lost / timeout) or, for SQL
 *   errors, are rethrown as they are for the caller to wrap.
 */
import type pg from 'pg';
import { StoreError, StoreUnavailableError } from '../errors.js';

/** Resolved connection settings (see PostgresGrantStoreOptions for the public names and defaults). */
export interface PgConnectionSettings {
  readonly connectionString: string;
  /** The connection string with any password replaced by `***`, for messages. */
  readonly describedUrl: string;
  readonly max: number;
  readonly applicationName: string;
  readonly connectTimeoutMs: number;
  readonly queryTimeoutMs: number;
  readonly statementTimeoutMs: number;
  readonly idleInTransactionTimeoutMs: number;
  /** 0 turns TCP keepalive off. */
  readonly keepAliveDelayMs: number;
}

/** The pool configuration for `settings`. */
export function pgPoolConfig(settings: PgConnectionSettings): pg.PoolConfig {
  return {
    connectionString: settings.connectionString,
    max: settings.max,
    // A `?application_name=` in the URL wins over this (pg reads the URL last).
    application_name: settings.applicationName,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    statement_timeout: settings.statementTimeoutMs,
    idle_in_transaction_session_timeout: settings.idleInTransactionTimeoutMs,
    keepAlive: settings.keepAliveDelayMs > 0,
    ...(settings.keepAliveDelayMs > 0 ? { keepAliveInitialDelayMillis: settings.keepAliveDelayMs } : {}),
  };
}

/** SQLSTATE classes and codes that mean "the connection is gone", not "the SQL was wrong". */
const CONNECTION_SQLSTATES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '08007']);
const CONNECTION_NODE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** pg reports some connection failures only in the message. */
const CONNECTION_MESSAGES =
  /Connection terminated|not queryable|timeout expired|timeout exceeded when trying to connect|Client was closed/i;

/** True when `err` says the connection failed (as opposed to a SQL error on a live connection). */
export function isConnectionFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_SQLSTATES.has(code) || CONNECTION_NODE_CODES.has(code))) return true;
  return CONNECTION_MESSAGES.test(err.message);
}

/** A driver message without the password (pg never puts it there; this makes sure). */
export function safeDetail(err: unknown, settings: Pick<PgConnectionSettings, 'connectionString'>): string {
  const raw = err instanceof Error ? err.message : String(err);
  let password = '';
  try {
    password = decodeURIComponent(new URL(settings.connectionString).password);
  } catch {
    // An unparseable URL was refused by the constructor already.
  }
  const text = raw.slice(0, 300);
  return password.length > 0 ? text.split(password).join('***') : text;
}

const TIMED_OUT = Symbol('timed out');

/** The first error a pooled client emitted, kept for {@link withPgSession} (see {@link listenFromConnect}). */
const clientErrors = new WeakMap<pg.ClientBase, Error>();

/**
 * Listens to every client of `pool` from the moment pg-pool creates it, for the client's whole
 * life. pg-pool removes its own error listener from a NEW client before it hands the client to the
 * caller of `pool.connect()`, and {@link withPgSession} listens only when that `await` resumes — a
 * later microtask. When the server's error arrives in the same read as the connection's
 * ReadyForQuery (a backend terminated as it was made: pg_terminate_backend, a restart, a failover),
 * pg emits it in between, and with no listener that is an uncaught exception: the process crashed
 * (reproduced by pg-new-connection-terminated.test.ts). The error is kept, so the checkout fails
 * as connection-lost and the client is destroyed, never reused.
 */
export function listenFromConnect(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    client.on('error', (err: Error) => {
      if (!clientErrors.has(client)) clientErrors.set(client, err);
    });
  });
}

/**
 * One checked-out client: queries with a per-statement timeout, and remembers whether the
 * connection broke (then it must not go back to the pool).
 */
export class PgSession {
  readonly #client: pg.PoolClient;
  readonly #settings: PgConnectionSettings;
  readonly #what: string;
  /** Set once the connection is unusable; the client is then released with it (destroyed). */
  broken: StoreUnavailableError | undefined;

  constructor(client: pg.PoolClient, settings: PgConnectionSettings, what: string) {
    this.#client = client;
    this.#settings = settings;
    this.#what = what;
  }

  /** Called by the client's `'error'` listener: the connection dropped while checked out. */
  lost(err: Error): void {
    this.broken ??= this.#lostError(err);
  }

  /**
   * Runs one statement, bounded by `queryTimeoutMs`.
   * @throws StoreUnavailableError when the connection is (or becomes) unusable or the statement
   *   times out; the driver's error for SQL errors.
   */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: readonly unknown[] = []): Promise<pg.QueryResult<R>> {
    if (this.broken) throw this.broken;
    const pending = this.#client.query<R>(sql, params as unknown[]);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), this.#settings.queryTimeoutMs);
    });
    try {
      const result = await Promise.race([pending, timeout]);
      if (result === TIMED_OUT) {
        // The statement is still on the wire; its eventual failure (socket destroyed) is expected.
        pending.catch(() => {});
        this.broken ??= new StoreUnavailableError({
          reason: 'timeout',
          message: `PostgreSQL at ${this.#settings.describedUrl} did not answer within ${this.#settings.queryTimeoutMs} ms (${this.#what}); the connection was closed. Check that the database is reachable and not overloaded, then retry (raise queryTimeoutMs for slow statements).`,
        });
        throw this.broken;
      }
      return result;
    } catch (err) {
      if (err === this.broken) throw err;
      if (this.broken || isConnectionFailure(err)) {
        this.broken ??= this.#lostError(err);
        throw this.broken;
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  #lostError(cause: unknown): StoreUnavailableError {
    return new StoreUnavailableError({
      reason: 'connection-lost',
      message: `The connection to PostgreSQL at ${this.#settings.describedUrl} was lost during ${this.#what} (${safeDetail(cause, this.#settings)}); the operation did not complete. Retry: the pool opens a new connection by itself.`,
      cause,
    });
  }
}

/** BEGIN / COMMIT, with a SQL failure (a serialization failure at COMMIT) as a StoreError too. */
async function control(session: PgSession, statement: 'BEGIN' | 'COMMIT', what: string, settings: PgConnectionSettings): Promise<void> {
  try {
    await session.query(statement);
  } catch (cause) {
    if (cause instanceof StoreError) throw cause;
    throw new StoreError(
      `PostgreSQL refused ${statement} of ${what} at ${settings.describedUrl} (${safeDetail(cause, settings)}); nothing was written. Retry.`,
      { cause },
    );
  }
}

/**
 * Checks a client out, runs `fn` with it (inside BEGIN/COMMIT when `transaction`), and releases it:
 * back to the pool when healthy, destroyed when its connection failed or timed out.
 * @throws StoreUnavailableError (connect, connection-lost, timeout); `fn`'s own errors otherwise.
 */
export async function withPgSession<T>(
  pool: pg.Pool,
  settings: PgConnectionSettings,
  what: string,
  transaction: boolean,
  fn: (session: PgSession) => Promise<T>,
): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (cause) {
    throw new StoreUnavailableError({
      reason: 'connect',
      message: `Cannot connect to PostgreSQL at ${settings.describedUrl} for ${what} (${safeDetail(cause, settings)}) within ${settings.connectTimeoutMs} ms. Check that the server is running and reachable; the call can be retried.`,
      cause,
    });
  }
  const session = new PgSession(client, settings, what);
  const onError = (err: Error) => session.lost(err);
  client.on('error', onError);
  // An error emitted before this checkout listened (see listenFromConnect): the connection is gone.
  const early = clientErrors.get(client);
  if (early !== undefined) session.lost(early);
  try {
    if (!transaction) return await fn(session);
    await control(session, 'BEGIN', what, settings);
    let result: T;
    try {
      result = await fn(session);
    } catch (err) {
      // A broken connection needs no ROLLBACK: the server rolls back when the session ends.
      if (!session.broken) await session.query('ROLLBACK').catch(() => {});
      throw err;
    }
    await control(session, 'COMMIT', what, settings);
    return result;
  } finally {
    // With an error the pool discards the client (and destroys a socket stuck on a hung query).
    client.release(session.broken);
    client.removeListener('error', onError);
  }
}
