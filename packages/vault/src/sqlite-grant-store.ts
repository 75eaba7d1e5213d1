/**
 * GrantStore on a SQLite file (better-sqlite3): WAL journal, busy_timeout, versioned migrations
 * applied on open inside `BEGIN IMMEDIATE` (safe when several processes open the same file).
 *
 * Several processes on one host may share the file: refresh is single-flight across them through
 * the lease table (`createGrantLock()`, see sqlite-grant-lock.ts).
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { inspect } from 'node:util';
import type Database from 'better-sqlite3';
import { AuditChainConflictError, InvalidArgumentError, StoreError } from './errors.js';
import type {
  AuditFilter,
  AuditInput,
  AuditRecord,
  GrantFilter,
  GrantInput,
  GrantStore,
  GrantTokenRow,
  GrantUpdate,
  KvEntry,
  SealedSecret,
  StoredGrant,
} from './grant-store.js';
import { loadDriver } from './internal/optional-driver.js';
import { createOwnerOnlyDirectory, createOwnerOnlyFileIfMissing } from './internal/owner-only-files.js';
import { requireKnownKeys } from './internal/args.js';
import { mapSqliteDriverErrors, sqliteStoreError } from './internal/sqlite-errors.js';
import { AUDIT_CHAIN_IN_STORE, type AuditChainAppend, type UnlinkedAuditRow } from './internal/audit-chain-in-store.js';
import { sweepLimit } from './internal/sweep-limit.js';
import { nativeModuleErrorOf } from './native-module-error.js';
import {
  AUDIT_FULL_SHAPE,
  type AuditRow as StoreAuditRow,
  auditFilterConditions,
  auditFromRow,
  auditInsertColumnsOf,
  auditShapeOf,
  auditUniformOf,
  auditUniformTupleOf,
  auditUniformValuesOf,
  pushAuditUniformShapedValues,
  type GrantRow as StoreGrantRow,
  grantFilterConditions,
  grantFromRow,
  grantUpdateColumns,
  type KvRow,
  kvEntryFromRow,
  resealGrantTokens,
  toJsonList,
  whereSql,
} from './internal/store-rows.js';
import { auditHashOfPrefix, GENESIS_HASH } from './audit-hash.js';
import type { GrantLock } from './grant-lock.js';
import { SqliteGrantLock } from './sqlite-grant-lock.js';

export interface SqliteGrantStoreOptions {
  /**
   * Database file, or `':memory:'`. Default `./.alter/vault.db`. A missing file is created mode 0600
   * (its -wal and -shm follow), missing directories 0700; an existing file or directory keeps its mode.
   */
  readonly filename?: string | undefined;
  /** busy_timeout in ms (default 5000). */
  readonly busyTimeoutMs?: number | undefined;
}

export const DEFAULT_SQLITE_PATH = path.join('.alter', 'vault.db');

const SQLITE_OPTION_KEYS: readonly string[] = ['filename', 'busyTimeoutMs'];
/** Names users reach for (better-sqlite3's own, other libraries'), and the option each means. */
const SQLITE_OPTION_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  path: 'filename',
  file: 'filename',
  dbPath: 'filename',
  database: 'filename',
  db: 'filename',
  timeout: 'busyTimeoutMs',
});

const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      CREATE TABLE IF NOT EXISTS alter_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS alter_grants (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        provider TEXT NOT NULL,
        account TEXT NOT NULL,
        access_token TEXT NOT NULL,
        refresh_token TEXT,
        expires_at INTEGER,
        scopes TEXT NOT NULL,
        status TEXT NOT NULL,
        version INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (user_id, provider, account)
      );
      CREATE TABLE IF NOT EXISTS alter_audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL,
        at INTEGER NOT NULL,
        caller TEXT NOT NULL,
        user_id TEXT NOT NULL,
        provider TEXT NOT NULL,
        account TEXT NOT NULL,
        method TEXT NOT NULL,
        url TEXT NOT NULL,
        status INTEGER,
        duration_ms REAL NOT NULL,
        tool TEXT,
        parent_tool TEXT,
        chain TEXT NOT NULL,
        call_id TEXT,
        reason TEXT,
        error_code TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS alter_audit_user ON alter_audit (user_id, seq);
      CREATE INDEX IF NOT EXISTS alter_audit_at ON alter_audit (at);
      CREATE TABLE IF NOT EXISTS alter_kv (
        namespace TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        version INTEGER NOT NULL,
        expires_at INTEGER,
        PRIMARY KEY (namespace, key)
      );
    `,
  },
  {
    // The sweeper finds expired kv entries by expiry; without this index every sweep scans the table.
    version: 2,
    sql: 'CREATE INDEX IF NOT EXISTS alter_kv_expires ON alter_kv (expires_at) WHERE expires_at IS NOT NULL;',
  },
  {
    // Refresh leases (sqlite-grant-lock.ts): who may refresh a grant now, across processes.
    version: 3,
    sql: `
      CREATE TABLE IF NOT EXISTS alter_grant_leases (
        grant_id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
    `,
  },
  {
    // The egress policy's decision and rule in every audit row (docs/policies.md).
    version: 4,
    sql: `
      ALTER TABLE alter_audit ADD COLUMN decision TEXT;
      ALTER TABLE alter_audit ADD COLUMN policy_rule TEXT;
    `,
  },
  {
    // Human approval of a request: outcome, who, how, when (docs/approvals.md).
    version: 5,
    sql: `
      ALTER TABLE alter_audit ADD COLUMN approval TEXT;
      ALTER TABLE alter_audit ADD COLUMN approval_by TEXT;
      ALTER TABLE alter_audit ADD COLUMN approval_via TEXT;
      ALTER TABLE alter_audit ADD COLUMN approval_at INTEGER;
    `,
  },
];

/** Latest schema version this code writes. */
export const SQLITE_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

// SQLite keeps times as milliseconds since the epoch (INTEGER columns).
type GrantRow = StoreGrantRow<number>;
type AuditRow = StoreAuditRow<number>;
const toDate = (ms: number): Date => new Date(ms);
const fromDate = (d: Date): number => d.getTime();
const toGrant = (r: GrantRow): StoredGrant => grantFromRow(r, toDate);
const toAudit = (r: AuditRow): AuditRecord => auditFromRow(r, toDate);

/** The entry, unless missing or expired (SQLite checks expiry here, not in SQL). */
function liveKvEntry(row: KvRow<number> | undefined): KvEntry | undefined {
  if (!row || (row.expires_at !== null && row.expires_at <= Date.now())) return undefined;
  return kvEntryFromRow(row, toDate);
}

/** Rows per INSERT statement (32 × 24 columns stays far below SQLite's variable limit). */
const MULTI_ROW_INSERT = 32;

/**
 * Most audit INSERT statements kept per connection (one per row count, shape and uniform set). Real traffic has
 * a handful of shapes; past this the cache starts over rather than grow without bound.
 */
const MAX_AUDIT_STATEMENTS = 128;

/** The fewest rows of a chunk whose shared values are bound once (see #auditAppender). */
const MIN_UNIFORM_ROWS = 3;

/** How many uniform sets a chunk may have (bit k for AUDIT_UNIFORM_COLUMNS[k], 10 columns). */
const AUDIT_UNIFORM_SETS = 1 << 10;

/** The audit append of one connection: transaction functions (better-sqlite3) over its prepared statements. */
interface AuditAppender {
  readonly db: Database.Database;
  /** Rows the writer linked (appendAudit): checks they continue the stored tail. */
  readonly append: Database.Transaction<(batch: readonly AuditInput[]) => void>;
  /** Rows linked here onto the tail read in the transaction (the in-store chain); returns the newest hash. */
  readonly appendChained: Database.Transaction<(rows: readonly UnlinkedAuditRow[], prefixes: readonly string[]) => string>;
}

export class SqliteGrantStore implements GrantStore {
  readonly kind = 'sqlite';
  readonly filename: string;
  readonly #busyTimeoutMs: number;
  readonly #driver: typeof Database;
  #db: Database.Database | undefined;
  #opening: Promise<void> | undefined;

  /**
   * @throws InvalidArgumentError naming a bad option; DependencyMissingError when better-sqlite3
   * (an optional peer dependency) is not installed.
   */
  constructor(options: SqliteGrantStoreOptions = {}) {
    // An unknown key is refused: `{ path }` would otherwise open the default ./.alter/vault.db.
    requireKnownKeys(options, SQLITE_OPTION_KEYS, 'options', SQLITE_OPTION_ALIASES);
    if (options.filename !== undefined && (typeof options.filename !== 'string' || options.filename === '')) {
      throw new InvalidArgumentError('options.filename', 'expected a file path or ":memory:"');
    }
    if (options.busyTimeoutMs !== undefined && (typeof options.busyTimeoutMs !== 'number' || !(options.busyTimeoutMs >= 0))) {
      throw new InvalidArgumentError('options.busyTimeoutMs', 'expected a number of milliseconds ≥ 0');
    }
    this.filename = options.filename ?? DEFAULT_SQLITE_PATH;
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    this.#driver = loadDriver<typeof Database>(
      'better-sqlite3',
      'A SQLite vault store (the default store, or a file path / sqlite: store)',
    );
  }

  open(): Promise<void> {
    if (this.#db) return Promise.resolve();
    this.#opening ??= Promise.resolve().then(() => this.#openSync());
    return this.#opening;
  }

  #openSync(): void {
    try {
      if (this.filename !== ':memory:') {
        const file = path.resolve(this.filename);
        createOwnerOnlyDirectory(path.dirname(file));
        // SQLite would create the file 0644 (less the umask); created here 0600 first, it is opened
        // as it is, and SQLite gives the -wal and -shm files the mode of the database file.
        createOwnerOnlyFileIfMissing(file);
      }
      const db = new this.#driver(this.filename);
      db.pragma(`busy_timeout = ${Math.floor(this.#busyTimeoutMs)}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.exec('CREATE TABLE IF NOT EXISTS alter_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
      const migrate = db.transaction(() => {
        const applied = new Set(
          (db.prepare('SELECT version FROM alter_migrations').all() as Array<{ version: number }>).map((r) => r.version),
        );
        for (const m of MIGRATIONS) {
          if (applied.has(m.version)) continue;
          db.exec(m.sql);
          db.prepare('INSERT INTO alter_migrations (version, applied_at) VALUES (?, ?)').run(m.version, Date.now());
        }
      });
      migrate.immediate();
      this.#db = db;
    } catch (cause) {
      this.#opening = undefined;
      // A better-sqlite3 built for another Node (or never built) gets its own error naming the fix.
      throw (
        nativeModuleErrorOf(cause, 'better-sqlite3') ??
        new StoreError(`Cannot open the SQLite vault at ${this.filename}: ${(cause as Error).message}`, { cause })
      );
    }
  }

  #conn(): Database.Database {
    if (!this.#db) throw new StoreError('The SQLite store is not open (call open() first, or it was closed).');
    return this.#db;
  }

  async close(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    this.#opening = undefined;
    db?.close();
  }

  // ---- grants ----

  async putGrant(input: GrantInput): Promise<StoredGrant> {
    const db = this.#conn();
    const now = Date.now();
    const row = db
      .prepare(
        `INSERT INTO alter_grants (id, user_id, provider, account, access_token, refresh_token, expires_at, scopes, status, version, created_at, updated_at)
         VALUES (@id, @user, @provider, @account, @access, @refresh, @expires, @scopes, 'active', 1, @now, @now)
         ON CONFLICT (user_id, provider, account) DO UPDATE SET
           access_token = excluded.access_token, refresh_token = excluded.refresh_token, expires_at = excluded.expires_at,
           scopes = excluded.scopes, status = 'active', version = alter_grants.version + 1, updated_at = excluded.updated_at
         RETURNING *`,
      )
      .get({
        id: randomUUID(),
        user: input.user,
        provider: input.provider,
        account: input.account,
        access: input.accessToken,
        refresh: input.refreshToken,
        expires: input.expiresAt ? fromDate(input.expiresAt) : null,
        scopes: toJsonList(input.scopes),
        now,
      }) as GrantRow;
    return toGrant(row);
  }

  async getGrant(id: string): Promise<StoredGrant | undefined> {
    const row = this.#conn().prepare('SELECT * FROM alter_grants WHERE id = ?').get(id) as GrantRow | undefined;
    return row ? toGrant(row) : undefined;
  }

  async listGrants(filter: GrantFilter = {}): Promise<StoredGrant[]> {
    const { equals, activeOnly } = grantFilterConditions(filter);
    const where = equals.map(([column]) => `${column} = ?`);
    if (activeOnly) where.push("status = 'active'");
    const sql = `SELECT * FROM alter_grants${whereSql(where)} ORDER BY user_id, provider, account`;
    return (
      this.#conn()
        .prepare(sql)
        .all(...equals.map(([, value]) => value)) as GrantRow[]
    ).map(toGrant);
  }

  async updateGrant(id: string, update: GrantUpdate): Promise<StoredGrant | undefined> {
    return this.#updateSync(id, update);
  }

  #updateSync(id: string, update: GrantUpdate): StoredGrant | undefined {
    const columns = grantUpdateColumns(update, fromDate);
    const sets = ['version = version + 1', 'updated_at = ?', ...columns.map(([column]) => `${column} = ?`)];
    const params = [Date.now(), ...columns.map(([, value]) => value), id];
    const row = this.#conn()
      .prepare(`UPDATE alter_grants SET ${sets.join(', ')} WHERE id = ? RETURNING *`)
      .get(...params) as GrantRow | undefined;
    return row ? toGrant(row) : undefined;
  }

  async deleteGrant(id: string): Promise<boolean> {
    return this.#conn().prepare('DELETE FROM alter_grants WHERE id = ?').run(id).changes > 0;
  }

  /**
   * The refresh lease of this file (table `alter_grant_leases`), safe across processes on this
   * host. Uses this store's connection: open the store before using the lock.
   */
  createGrantLock(): GrantLock {
    return new SqliteGrantLock(() => this.#conn(), this.filename);
  }

  // ---- audit ----

  /**
   * The audit writer appends at most this many rows at a time. better-sqlite3 writes on the event
   * loop, so one append stalls every request in flight: on a quiet 2-core machine 100 rows take a
   * median 0.85 ms (p90 1.6 ms), 200 rows 1.6 ms (p90 3.4 ms); on a loaded one 200 rows took a
   * median 6 ms (up to 25 ms). Fewer, larger appends cost the process less CPU per row than the
   * 32-row appends of before — measured across processes, not in a loop, where the cost per row is
   * the same; likely each append leaves the request path's code and data colder in the caches. 100
   * is the size a default-window write starts at (docs/performance.md, round 9).
   */
  readonly auditAppendLimit = 100;
  /** The append's statements and transaction, built once per connection (see {@link #auditAppender}). */
  #auditAppend: AuditAppender | undefined;

  async appendAudit(rows: readonly AuditInput[]): Promise<void> {
    if (rows.length === 0) return;
    this.#auditAppender().append.immediate(rows);
  }

  /**
   * @internal The audit writer's in-store chain (internal/audit-chain-in-store.ts): one `IMMEDIATE`
   * transaction reads the tail, hashes each row onto it ({@link auditHashOfPrefix} over the prefix
   * the writer built) and inserts the rows. The write lock makes the tail it links onto the true
   * one, so no other process can move it in between (no AuditChainConflictError, no re-hash), and
   * the writer builds no linked row objects. better-sqlite3 runs the transaction synchronously: it
   * either commits and returns, or rolls back and throws — an attempt never commits unseen, so a
   * retry never meets its own rows. Undefined before open() and in a subclass that overrides
   * appendAudit (its override is what the writer must call).
   */
  [AUDIT_CHAIN_IN_STORE](): AuditChainAppend | undefined {
    if (this.#db === undefined || this.appendAudit !== SqliteGrantStore.prototype.appendAudit) return undefined;
    return this.#appendChained;
  }

  readonly #appendChained: AuditChainAppend = async (rows, prefixes) => {
    if (rows.length === 0) return undefined;
    try {
      return this.#auditAppender().appendChained.immediate(rows, prefixes);
    } catch (err) {
      // The same StoreError (naming appendAudit) as the writer's other append path.
      throw sqliteStoreError(err, 'appendAudit', this.filename);
    }
  };

  /**
   * The append transactions on the current connection: the tail, then multi-row INSERTs (one
   * statement run per up to 32 rows, not per row), in seq order. Each INSERT names only the nullable
   * columns some of its rows have a value for (see {@link auditShapeOf}): the others are stored as
   * their default, NULL, without binding a NULL per row (a row of a tool call has 7 such columns);
   * the values all its rows share are bound once (see {@link auditUniformOf}).
   * Statements are prepared and the transaction functions built once per connection: preparing
   * them again on every append cost more than the INSERT of a small batch.
   */
  #auditAppender(): AuditAppender {
    const db = this.#conn();
    if (this.#auditAppend?.db === db) return this.#auditAppend;
    const last = db.prepare('SELECT hash FROM alter_audit ORDER BY seq DESC LIMIT 1');
    const statements = new Map<number, Database.Statement>();
    const insert = (count: number, shape: number, uniform: number): Database.Statement => {
      const key = (count * (AUDIT_FULL_SHAPE + 1) + shape) * AUDIT_UNIFORM_SETS + uniform;
      let stmt = statements.get(key);
      if (stmt === undefined) {
        const one = auditUniformTupleOf(shape, uniform);
        stmt = db.prepare(`INSERT INTO alter_audit (${auditInsertColumnsOf(shape)}) VALUES ${Array(count).fill(one).join(', ')}`);
        if (statements.size >= MAX_AUDIT_STATEMENTS) statements.clear();
        statements.set(key, stmt);
      }
      return stmt;
    };
    // The values every row of a chunk shares are bound once, by name, from an object passed after
    // the per-row values (better-sqlite3 takes the anonymous `?` from the arguments and the named
    // ones from a trailing object). Chunks under 3 rows bind as before: callgrind, 2 rows sharing 6
    // values, named cost ~4 k instructions more per chunk than positional (3 rows: 2.5 k less).
    const run = (
      rows: readonly Omit<AuditInput, 'prevHash' | 'hash'>[],
      start: number,
      end: number,
      shape: number,
      values: unknown[],
      uniform: number,
    ): void => {
      if (uniform === 0) insert(end - start, shape, 0).run(...values);
      else insert(end - start, shape, uniform).run(...values, auditUniformValuesOf(rows[start]!, uniform));
    };
    const tailHash = (): string => (last.get() as { hash: string } | undefined)?.hash ?? GENESIS_HASH;
    // Every value of up to 32 rows in one array, without an array per row. Spread into the call,
    // not passed as an array: better-sqlite3 reads call arguments directly but an array element by
    // element through the V8 API (callgrind: ~5 k more instructions per row).
    const append = db.transaction((batch: readonly AuditInput[]) => {
      if (batch[0]!.prevHash !== tailHash()) throw new AuditChainConflictError();
      for (let i = 0; i < batch.length; i += MULTI_ROW_INSERT) {
        const end = Math.min(batch.length, i + MULTI_ROW_INSERT);
        let shape = 0;
        for (let j = i; j < end; j++) shape |= auditShapeOf(batch[j]!);
        const uniform = end - i >= MIN_UNIFORM_ROWS ? auditUniformOf(batch, i, end, shape) : 0;
        const values: unknown[] = [];
        for (let j = i; j < end; j++) {
          const row = batch[j]!;
          pushAuditUniformShapedValues(values, row, shape, uniform, fromDate);
          values.push(row.prevHash, row.hash);
        }
        run(batch, i, end, shape, values, uniform);
      }
    });
    const appendChained = db.transaction((rows: readonly UnlinkedAuditRow[], prefixes: readonly string[]): string => {
      let prev = tailHash();
      for (let i = 0; i < rows.length; i += MULTI_ROW_INSERT) {
        const end = Math.min(rows.length, i + MULTI_ROW_INSERT);
        let shape = 0;
        for (let j = i; j < end; j++) shape |= auditShapeOf(rows[j]!);
        const uniform = end - i >= MIN_UNIFORM_ROWS ? auditUniformOf(rows, i, end, shape) : 0;
        const values: unknown[] = [];
        for (let j = i; j < end; j++) {
          const hash = auditHashOfPrefix(prefixes[j]!, prev);
          pushAuditUniformShapedValues(values, rows[j]!, shape, uniform, fromDate);
          values.push(prev, hash);
          prev = hash;
        }
        run(rows, i, end, shape, values, uniform);
      }
      return prev;
    });
    this.#auditAppend = { db, append, appendChained };
    return this.#auditAppend;
  }

  async lastAudit(): Promise<AuditRecord | undefined> {
    const row = this.#conn().prepare('SELECT * FROM alter_audit ORDER BY seq DESC LIMIT 1').get() as AuditRow | undefined;
    return row ? toAudit(row) : undefined;
  }

  async queryAudit(filter: AuditFilter = {}): Promise<AuditRecord[]> {
    const { conditions, order, limit } = auditFilterConditions(filter, fromDate);
    const sql = `SELECT * FROM alter_audit${whereSql(conditions.map(([condition]) => condition))} ORDER BY seq ${order} LIMIT ?`;
    return (
      this.#conn()
        .prepare(sql)
        .all(...conditions.map(([, value]) => value), limit) as AuditRow[]
    ).map(toAudit);
  }

  // ---- kv ----

  async kvGet(namespace: string, key: string): Promise<KvEntry | undefined> {
    const row = this.#conn()
      .prepare('SELECT value, version, expires_at FROM alter_kv WHERE namespace = ? AND key = ?')
      .get(namespace, key) as KvRow<number> | undefined;
    return liveKvEntry(row);
  }

  async kvPut(namespace: string, key: string, value: string, expiresAt: Date | null = null): Promise<void> {
    this.#conn()
      .prepare(
        `INSERT INTO alter_kv (namespace, key, value, version, expires_at) VALUES (?, ?, ?, 1, ?)
         ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, version = alter_kv.version + 1, expires_at = excluded.expires_at`,
      )
      .run(namespace, key, value, expiresAt ? fromDate(expiresAt) : null);
  }

  async kvCompareAndSet(
    namespace: string,
    key: string,
    expectedVersion: number,
    value: string,
    expiresAt: Date | null = null,
  ): Promise<boolean> {
    const db = this.#conn();
    const exp = expiresAt ? fromDate(expiresAt) : null;
    const tx = db.transaction((): boolean => {
      const row = db.prepare('SELECT version, expires_at FROM alter_kv WHERE namespace = ? AND key = ?').get(namespace, key) as
        | { version: number; expires_at: number | null }
        | undefined;
      const live = row && (row.expires_at === null || row.expires_at > Date.now());
      if (expectedVersion === 0) {
        if (live) return false;
        // An expired leftover counts as absent: replace it, continuing its version numbers.
        if (row) {
          db.prepare('UPDATE alter_kv SET value = ?, version = version + 1, expires_at = ? WHERE namespace = ? AND key = ?').run(
            value,
            exp,
            namespace,
            key,
          );
        } else {
          db.prepare('INSERT INTO alter_kv (namespace, key, value, version, expires_at) VALUES (?, ?, ?, 1, ?)').run(
            namespace,
            key,
            value,
            exp,
          );
        }
        return true;
      }
      if (!live || row.version !== expectedVersion) return false;
      db.prepare('UPDATE alter_kv SET value = ?, version = version + 1, expires_at = ? WHERE namespace = ? AND key = ?').run(
        value,
        exp,
        namespace,
        key,
      );
      return true;
    });
    return tx.immediate();
  }

  async kvTake(namespace: string, key: string): Promise<KvEntry | undefined> {
    const row = this.#conn()
      .prepare('DELETE FROM alter_kv WHERE namespace = ? AND key = ? RETURNING value, version, expires_at')
      .get(namespace, key) as KvRow<number> | undefined;
    return liveKvEntry(row);
  }

  async kvDelete(namespace: string, key: string): Promise<boolean> {
    return this.#conn().prepare('DELETE FROM alter_kv WHERE namespace = ? AND key = ?').run(namespace, key).changes > 0;
  }

  async kvList(namespace: string, options: { prefix?: string; limit?: number } = {}): Promise<Array<KvEntry & { key: string }>> {
    const params: unknown[] = [namespace, Date.now()];
    let sql = 'SELECT key, value, version, expires_at FROM alter_kv WHERE namespace = ? AND (expires_at IS NULL OR expires_at > ?)';
    if (options.prefix) {
      sql += ' AND substr(key, 1, ?) = ?';
      params.push(options.prefix.length, options.prefix);
    }
    sql += ' ORDER BY key LIMIT ?';
    params.push(Math.max(1, Math.floor(options.limit ?? 1000)));
    const rows = this.#conn()
      .prepare(sql)
      .all(...params) as Array<KvRow<number> & { key: string }>;
    return rows.map((r) => ({ key: r.key, ...kvEntryFromRow(r, toDate) }));
  }

  // ---- sweep ----

  async kvSweep(limit: number): Promise<number> {
    const n = sweepLimit(limit);
    // By rowid, through the expiry index: one short write transaction per batch.
    return this.#conn()
      .prepare('DELETE FROM alter_kv WHERE rowid IN (SELECT rowid FROM alter_kv WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ?)')
      .run(Date.now(), n).changes;
  }

  // ---- meta ----

  async getMeta(key: string): Promise<string | undefined> {
    const row = this.#conn().prepare('SELECT value FROM alter_meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.#conn()
      .prepare('INSERT INTO alter_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      .run(key, value);
  }

  async resealAll(reseal: (sealed: SealedSecret, row?: GrantTokenRow) => SealedSecret): Promise<number> {
    const db = this.#conn();
    const tx = db.transaction((): number => {
      let count = 0;
      const grants = db.prepare('SELECT id, user_id, provider, account, access_token, refresh_token FROM alter_grants').all() as Array<{
        id: string;
        user_id: string;
        provider: string;
        account: string;
        access_token: string;
        refresh_token: string | null;
      }>;
      const upd = db.prepare('UPDATE alter_grants SET access_token = ?, refresh_token = ? WHERE id = ?');
      for (const g of grants) {
        const resealed = resealGrantTokens(g, reseal);
        upd.run(resealed.access, resealed.refresh, g.id);
        count += resealed.count;
      }
      const kvs = db.prepare("SELECT namespace, key, value FROM alter_kv WHERE value LIKE 'v1.%'").all() as Array<{
        namespace: string;
        key: string;
        value: string;
      }>;
      const updKv = db.prepare('UPDATE alter_kv SET value = ? WHERE namespace = ? AND key = ?');
      for (const kv of kvs) {
        updKv.run(reseal(kv.value), kv.namespace, kv.key);
        count += 1;
      }
      return count;
    });
    return tx.immediate();
  }

  toJSON(): { kind: string; filename: string } {
    return { kind: this.kind, filename: this.filename };
  }

  [inspect.custom](): string {
    return `SqliteGrantStore { filename: '${this.filename}', open: ${this.#db !== undefined} }`;
  }
}

// Driver errors after open (SQLITE_BUSY, SQLITE_FULL, SQLITE_IOERR…) leave every method as a
// StoreError that says what to do, including methods added to the class later.
mapSqliteDriverErrors(SqliteGrantStore, (store) => store.filename);
