/**
 * GrantStore on PostgreSQL (pg pool). Several server processes can share it: migrations run under
 * an advisory lock, refresh is single-flight through a lease row (`createGrantLock()`, see
 * postgres-grant-lock.ts; no transaction spans the provider's HTTP call), and audit appends
 * serialize on an advisory lock to keep one hash chain. Its signals tell the processes
 * about each other's Connect completions through LISTEN/NOTIFY (postgres-store-signals.ts).
 */
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import type pg from 'pg';
import { GENESIS_HASH } from './audit-hash.js';
import { createDefaultLogger, type Logger } from './logger.js';
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
import { optionalDurationMs, optionalPositiveInt, requireKnownKeys } from './internal/args.js';
import { AUDIT_CHAIN_IN_STORE, type AuditChainAppend } from './internal/audit-chain-in-store.js';
import { loadDriver } from './internal/optional-driver.js';
import { auditBatchText } from './internal/pg-audit-batch.js';
import {
  listenFromConnect,
  type PgConnectionSettings,
  type PgSession,
  pgPoolConfig,
  safeDetail,
  withPgSession,
} from './internal/pg-connection.js';
import { STORE_LOGGER } from './internal/store-logger.js';
import {
  AUDIT_INSERT_COLUMN_COUNT,
  AUDIT_INSERT_COLUMNS,
  type AuditRow as StoreAuditRow,
  auditFilterConditions,
  auditFromRow,
  pushAuditUnlinkedValues,
  pushAuditValues,
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
import type { GrantLock } from './grant-lock.js';
import { sweepLimit } from './internal/sweep-limit.js';
import { PostgresGrantLock } from './postgres-grant-lock.js';
import { PostgresStoreSignals } from './postgres-store-signals.js';
import { CREATE_STORE_SIGNALS, type StoreSignals } from './store-signals.js';

export interface PostgresGrantStoreOptions {
  /** `postgres://user@host:5432/db`. A `?schema=name` parameter is honoured (and stripped). */
  readonly connectionString: string;
  /** Schema for every table (created when missing). Default `public`, or the URL's `schema` parameter. */
  readonly schema?: string | undefined;
  /** Pool size (default 10). */
  readonly max?: number | undefined;
  /**
   * `application_name` of every connection (default `alter-vault`; an `application_name` in the
   * URL wins). Lets operators find (and tests terminate) this process's sessions in `pg_stat_activity`.
   */
  readonly applicationName?: string | undefined;
  /** Longest wait for a connection, new or from a full pool (default 5 000 ms). */
  readonly connectTimeoutMs?: number | undefined;
  /**
   * Longest wait for one statement (default 15 000 ms). Past it the connection is destroyed (not
   * returned to the pool) and the call fails with StoreUnavailableError (`reason: 'timeout'`).
   */
  readonly queryTimeoutMs?: number | undefined;
  /** Server-side `statement_timeout` (default: `queryTimeoutMs`). */
  readonly statementTimeoutMs?: number | undefined;
  /**
   * Server-side `idle_in_transaction_session_timeout` (default 60 000 ms): the server ends a session
   * whose client vanished mid-transaction, releasing its locks. Keep it above the HTTP timeout:
   * a token refresh holds the grant lock while it calls the provider.
   */
  readonly idleInTransactionTimeoutMs?: number | undefined;
  /** TCP keepalive initial delay (default 10 000 ms); `0` turns keepalive off. */
  readonly keepAliveInitialDelayMs?: number | undefined;
  /**
   * Where connection problems on idle connections are logged (default: the vault's logger when
   * the vault opens this store, else warnings on stderr). Never given the password.
   */
  readonly logger?: Logger | undefined;
}

type Queryable = PgSession;

const MIGRATIONS: ReadonlyArray<{ version: number; sql: (s: string) => string }> = [
  {
    version: 1,
    sql: (s) => `
      CREATE TABLE IF NOT EXISTS ${s}.alter_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS ${s}.alter_grants (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        provider TEXT NOT NULL,
        account TEXT NOT NULL,
        access_token TEXT NOT NULL,
        refresh_token TEXT,
        expires_at TIMESTAMPTZ,
        scopes TEXT NOT NULL,
        status TEXT NOT NULL,
        version INTEGER NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        UNIQUE (user_id, provider, account)
      );
      CREATE TABLE IF NOT EXISTS ${s}.alter_audit (
        seq BIGSERIAL PRIMARY KEY,
        id TEXT NOT NULL,
        at TIMESTAMPTZ NOT NULL,
        caller TEXT NOT NULL,
        user_id TEXT NOT NULL,
        provider TEXT NOT NULL,
        account TEXT NOT NULL,
        method TEXT NOT NULL,
        url TEXT NOT NULL,
        status INTEGER,
        duration_ms DOUBLE PRECISION NOT NULL,
        tool TEXT,
        parent_tool TEXT,
        chain TEXT NOT NULL,
        call_id TEXT,
        reason TEXT,
        error_code TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS alter_audit_user ON ${s}.alter_audit (user_id, seq);
      CREATE INDEX IF NOT EXISTS alter_audit_at ON ${s}.alter_audit (at);
      CREATE TABLE IF NOT EXISTS ${s}.alter_kv (
        namespace TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        version INTEGER NOT NULL,
        expires_at TIMESTAMPTZ,
        PRIMARY KEY (namespace, key)
      );
    `,
  },
  {
    // The sweeper finds expired kv entries by expiry; without this index every sweep scans the table.
    version: 2,
    sql: (s) => `CREATE INDEX IF NOT EXISTS alter_kv_expires ON ${s}.alter_kv (expires_at) WHERE expires_at IS NOT NULL;`,
  },
  {
    // Refresh leases (postgres-grant-lock.ts): who may refresh a grant now, across processes.
    version: 3,
    sql: (s) => `
      CREATE TABLE IF NOT EXISTS ${s}.alter_grant_leases (
        grant_id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL
      );
    `,
  },
  {
    // The egress policy's decision and rule in every audit row (docs/policies.md).
    version: 4,
    sql: (s) => `
      ALTER TABLE ${s}.alter_audit ADD COLUMN IF NOT EXISTS decision TEXT;
      ALTER TABLE ${s}.alter_audit ADD COLUMN IF NOT EXISTS policy_rule TEXT;
    `,
  },
  {
    // Human approval of a request: outcome, who, how, when (docs/approvals.md).
    version: 5,
    sql: (s) => `
      ALTER TABLE ${s}.alter_audit ADD COLUMN IF NOT EXISTS approval TEXT;
      ALTER TABLE ${s}.alter_audit ADD COLUMN IF NOT EXISTS approval_by TEXT;
      ALTER TABLE ${s}.alter_audit ADD COLUMN IF NOT EXISTS approval_via TEXT;
      ALTER TABLE ${s}.alter_audit ADD COLUMN IF NOT EXISTS approval_at TIMESTAMPTZ;
    `,
  },
  {
    // Audit rows chained on the server (issue #15): one statement per append instead of BEGIN, lock,
    // read the tail, INSERT, COMMIT — see AUDIT_LINK_FUNCTION.
    version: 6,
    sql: (s) => AUDIT_LINK_FUNCTION(s),
  },
];

/**
 * `alter_audit_link(lock, ids, ats, prefixes)`: takes the chain's append lock (the same advisory
 * lock every earlier version takes, so processes of both versions can share one chain), reads the
 * tail, and returns one row per row to insert: its position `n` in the batch, its prev_hash and its
 * hash — sha256 over the UTF-8 of `prefix || JSON(prev_hash) || ']'`, the bytes
 * `auditHashOfPrefix()` hashes in the client. The caller inserts in the same statement, so the lock
 * is held until that statement commits.
 *
 * VOLATILE matters: its queries take a fresh snapshot each, so the tail read after the lock sees
 * what the previous holder committed (the calling statement's snapshot is older than the lock).
 *
 * Idempotent retries: when the batch's first row is already stored (an earlier attempt committed
 * but its answer was lost) the stored leading rows are skipped — a retried batch starts with the
 * rows of the lost one (the writer only ever appends to its queue). Found by (at, id) through the
 * `alter_audit_at` index: one probe per batch in the normal case.
 */
const AUDIT_LINK_FUNCTION = (s: string): string => `
  CREATE OR REPLACE FUNCTION ${s}.alter_audit_link(lock_name TEXT, ids TEXT[], ats TIMESTAMPTZ[], prefixes TEXT[])
  RETURNS TABLE (n INTEGER, prev_hash TEXT, hash TEXT)
  LANGUAGE plpgsql VOLATILE AS $fn$
  #variable_conflict use_column
  DECLARE
    rows_in INTEGER := cardinality(prefixes);
    tail TEXT;
    skip INTEGER := 0;
  BEGIN
    IF rows_in IS NULL OR rows_in = 0 OR cardinality(ids) IS DISTINCT FROM rows_in OR cardinality(ats) IS DISTINCT FROM rows_in THEN
      RAISE EXCEPTION 'alter_audit_link: ids, ats and prefixes must be non-empty arrays of one length' USING ERRCODE = '22023';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext(lock_name));
    SELECT a.hash INTO tail FROM ${s}.alter_audit a ORDER BY a.seq DESC LIMIT 1;
    tail := coalesce(tail, repeat('0', 64));
    WHILE skip < rows_in AND EXISTS (SELECT 1 FROM ${s}.alter_audit a WHERE a.at = ats[skip + 1] AND a.id = ids[skip + 1]) LOOP
      skip := skip + 1;
    END LOOP;
    FOR i IN skip + 1 .. rows_in LOOP
      n := i;
      prev_hash := tail;
      hash := encode(sha256(convert_to(prefixes[i] || to_json(tail)::text || ']', 'UTF8')), 'hex');
      tail := hash;
      RETURN NEXT;
    END LOOP;
  END
  $fn$;
`;

/** The columns the chained append takes as arrays, in {@link pushAuditUnlinkedValues} order, with their SQL types. */
const AUDIT_CHAIN_COLUMNS: ReadonlyArray<readonly [column: string, type: string]> = [
  ['id', 'text'],
  ['at', 'timestamptz'],
  ['caller', 'text'],
  ['user_id', 'text'],
  ['provider', 'text'],
  ['account', 'text'],
  ['method', 'text'],
  ['url', 'text'],
  ['status', 'integer'],
  ['duration_ms', 'double precision'],
  ['tool', 'text'],
  ['parent_tool', 'text'],
  ['chain', 'text'],
  ['call_id', 'text'],
  ['reason', 'text'],
  ['error_code', 'text'],
  ['decision', 'text'],
  ['policy_rule', 'text'],
  ['approval', 'text'],
  ['approval_by', 'text'],
  ['approval_via', 'text'],
  ['approval_at', 'timestamptz'],
];

/**
 * The one statement of a chained append on schema `s`: `alter_audit_link` in a CTE, the INSERT of
 * the rows it linked (in batch order, so seq follows the chain), the newest hash. $1 the lock
 * name, $2 the prefixes, $3… one array per column of {@link AUDIT_CHAIN_COLUMNS} (ids and ats also
 * feed the link). One text for every batch size.
 */
function appendChainedSql(s: string): string {
  const names = AUDIT_CHAIN_COLUMNS.map(([column]) => column);
  const arrays = AUDIT_CHAIN_COLUMNS.map(([, type], k) => `$${k + 3}::${type}[]`);
  return `WITH link AS MATERIALIZED (
      SELECT * FROM ${s}.alter_audit_link($1, $3::text[], $4::timestamptz[], $2::text[])
    ), added AS (
      INSERT INTO ${s}.alter_audit (${names.join(', ')}, prev_hash, hash)
      SELECT ${names.map((c) => `r.${c}`).join(', ')}, link.prev_hash, link.hash
      FROM link JOIN unnest(${arrays.join(', ')}) WITH ORDINALITY AS r(${names.join(', ')}, n) ON r.n = link.n
      ORDER BY link.n
      RETURNING seq, hash
    )
    SELECT hash FROM added ORDER BY seq DESC LIMIT 1`;
}

/**
 * How column k of {@link AUDIT_CHAIN_COLUMNS} is read from a row's prefix, which is element k of
 * the row's JSON array (audit-hash.ts): `e` the array as jsonb (parsed once), `j` as json. A missing
 * optional element (decision … approvalAt) reads as NULL, as the column stores it.
 */
function prefixElementSql(column: string, type: string, k: number): string {
  const text = `e->>${k}`;
  // The chain is stored as its JSON text, byte for byte as hashed: json (not jsonb, which
  // re-spaces arrays) keeps the element's own text.
  if (column === 'chain') return `(j->${k})::text`;
  if (type === 'text') return text;
  // ISO 8601 with 'Z' (auditBatchText() lets through four-digit years only): the same instant
  // whatever the session's TimeZone or DateStyle.
  return `(${text})::${type}`;
}

/**
 * The one statement of a chained append with the batch as ONE text parameter ($1, the rows'
 * canonical prefixes joined by `\n`, built by internal/pg-audit-batch.ts): `input` reads each row's
 * columns back from its prefix, `alter_audit_link` links them (its array arguments are subqueries
 * over `input`, evaluated before the function runs, so the rows are parsed BEFORE the append lock
 * is taken), then the INSERT and the newest hash, as in {@link appendChainedSql}. The lock name is
 * a literal (the schema is a validated identifier), so a batch of any size binds one value.
 * Unnamed, like every statement of this store: a named (prepared) statement fails behind a
 * transaction-mode pooler such as PgBouncer, which hands each transaction to whichever server
 * connection is free.
 */
function appendBatchSql(s: string, schema: string): string {
  const names = AUDIT_CHAIN_COLUMNS.map(([column]) => column);
  const columns = AUDIT_CHAIN_COLUMNS.map(([column, type], k) => `${prefixElementSql(column, type, k)} AS ${column}`);
  const ordered = (column: string) => `ARRAY(SELECT i.${column} FROM input i ORDER BY i.n)`;
  return `WITH prefixes AS MATERIALIZED (
      SELECT p.n::integer AS n, p.prefix, (p.prefix || 'null]')::jsonb AS e, (p.prefix || 'null]')::json AS j
      FROM unnest(string_to_array($1::text, E'\\n')) WITH ORDINALITY AS p(prefix, n)
    ), input AS MATERIALIZED (
      SELECT n, prefix, ${columns.join(', ')} FROM prefixes
    ), link AS MATERIALIZED (
      SELECT * FROM ${s}.alter_audit_link('alter-audit:${schema}', ${ordered('id')}, ${ordered('at')}, ${ordered('prefix')})
    ), added AS (
      INSERT INTO ${s}.alter_audit (${names.join(', ')}, prev_hash, hash)
      SELECT ${names.map((c) => `i.${c}`).join(', ')}, link.prev_hash, link.hash
      FROM link JOIN input i ON i.n = link.n
      ORDER BY link.n
      RETURNING seq, hash
    )
    SELECT hash FROM added ORDER BY seq DESC LIMIT 1`;
}

const PG_OPTION_KEYS: readonly string[] = [
  'connectionString',
  'schema',
  'max',
  'applicationName',
  'connectTimeoutMs',
  'queryTimeoutMs',
  'statementTimeoutMs',
  'idleInTransactionTimeoutMs',
  'keepAliveInitialDelayMs',
  'logger',
];
/** Names users reach for (node-postgres' own, other libraries'), and the option each means. */
const PG_OPTION_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  url: 'connectionString',
  uri: 'connectionString',
  connectionUrl: 'connectionString',
  databaseUrl: 'connectionString',
  schemaName: 'schema',
  searchPath: 'schema',
  poolSize: 'max',
  maxConnections: 'max',
  application_name: 'applicationName',
  connectionTimeoutMillis: 'connectTimeoutMs',
  query_timeout: 'queryTimeoutMs',
  statement_timeout: 'statementTimeoutMs',
  idle_in_transaction_session_timeout: 'idleInTransactionTimeoutMs',
  keepAliveInitialDelayMillis: 'keepAliveInitialDelayMs',
});

/** sha256() is built into PostgreSQL from version 11 on; older servers keep the client-side hashing. */
const SHA256_SINCE_SERVER_VERSION = 110_000;

// pg returns TIMESTAMPTZ columns as Dates already.
type GrantRow = StoreGrantRow<Date>;
type AuditRow = StoreAuditRow<Date>;
const sameDate = (d: Date): Date => d;
const toGrant = (r: GrantRow): StoredGrant => grantFromRow(r, sameDate);
const toAudit = (r: AuditRow): AuditRecord => auditFromRow(r, sameDate);

/** Removes any password from a connection string, for messages and inspect output. */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    u.search = '';
    return u.href;
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

export class PostgresGrantStore implements GrantStore {
  readonly kind = 'postgres';
  /** The schema holding the tables. */
  readonly schema: string;
  readonly #connectionString: string;
  readonly #settings: PgConnectionSettings;
  readonly #s: string;
  #logger: Logger | undefined;
  readonly #driver: typeof pg;
  #pool: pg.Pool | undefined;
  #opening: Promise<void> | undefined;
  /** See {@link appendChainedSql}. */
  readonly #appendChainedSql: string;
  /** See {@link appendBatchSql}. */
  readonly #appendBatchSql: string;
  /** Whether the server links audit rows itself (`alter_audit_link`; needs sha256(), PostgreSQL ≥ 11). Set by open(). */
  #chainInServer = false;
  readonly #signals = new Set<PostgresStoreSignals>();

  constructor(options: PostgresGrantStoreOptions) {
    // An unknown key is refused: `{ connectionString, schemaName }` would otherwise use the public schema.
    if (options !== null && typeof options === 'object') requireKnownKeys(options, PG_OPTION_KEYS, 'options', PG_OPTION_ALIASES);
    if (!options || typeof options.connectionString !== 'string' || !/^postgres(ql)?:\/\//.test(options.connectionString)) {
      throw new InvalidArgumentError('connectionString', 'expected a postgres:// or postgresql:// URL');
    }
    let conn = options.connectionString;
    let urlSchema: string | undefined;
    try {
      const u = new URL(conn);
      urlSchema = u.searchParams.get('schema') ?? undefined;
      if (urlSchema !== undefined) {
        u.searchParams.delete('schema');
        conn = u.href;
      }
    } catch {
      throw new InvalidArgumentError('connectionString', 'is not a valid URL');
    }
    const schema = options.schema ?? urlSchema ?? 'public';
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema))
      throw new InvalidArgumentError('schema', 'must be a plain identifier (letters, digits, _)');
    this.schema = schema;
    this.#s = `"${schema}"`;
    this.#appendChainedSql = appendChainedSql(this.#s);
    this.#appendBatchSql = appendBatchSql(this.#s, schema);
    this.#connectionString = conn;
    const queryTimeoutMs = optionalDurationMs(options.queryTimeoutMs, 'options.queryTimeoutMs') ?? 15_000;
    const keepAlive = options.keepAliveInitialDelayMs;
    if (keepAlive !== undefined && (typeof keepAlive !== 'number' || !Number.isFinite(keepAlive) || keepAlive < 0)) {
      throw new InvalidArgumentError('options.keepAliveInitialDelayMs', 'expected a number of milliseconds ≥ 0 (0 turns keepalive off)');
    }
    if (
      options.applicationName !== undefined &&
      (typeof options.applicationName !== 'string' || !/^[\x20-\x7e]{1,63}$/.test(options.applicationName))
    ) {
      throw new InvalidArgumentError('options.applicationName', 'expected 1–63 printable ASCII characters');
    }
    this.#settings = Object.freeze({
      connectionString: conn,
      describedUrl: describeUrl(conn),
      max: optionalPositiveInt(options.max, 'options.max') ?? 10,
      applicationName: options.applicationName ?? 'alter-vault',
      connectTimeoutMs: optionalDurationMs(options.connectTimeoutMs, 'options.connectTimeoutMs') ?? 5_000,
      queryTimeoutMs,
      statementTimeoutMs: optionalDurationMs(options.statementTimeoutMs, 'options.statementTimeoutMs') ?? queryTimeoutMs,
      idleInTransactionTimeoutMs: optionalDurationMs(options.idleInTransactionTimeoutMs, 'options.idleInTransactionTimeoutMs') ?? 60_000,
      keepAliveDelayMs: keepAlive ?? 10_000,
    });
    this.#logger = options.logger;
    this.#driver = loadDriver<typeof pg>('pg', 'A PostgreSQL vault store');
  }

  /** @internal The vault hands its logger to a store that was not given one. */
  [STORE_LOGGER](logger: Logger): void {
    this.#logger ??= logger;
  }

  open(): Promise<void> {
    if (this.#pool && !this.#opening) return Promise.resolve();
    this.#opening ??= this.#open().catch((err: unknown) => {
      this.#opening = undefined;
      throw err;
    });
    return this.#opening;
  }

  async #open(): Promise<void> {
    const pool = new this.#driver.Pool(pgPoolConfig(this.#settings));
    // Before anything connects: a new client is listened to from its creation on.
    listenFromConnect(pool);
    // pg emits 'error' for idle clients whose connection dropped; without a listener the process
    // crashes. The pool has already discarded the client and connects afresh on next use, so
    // nothing is lost — but an operator should see that the database went away.
    pool.on('error', (err) => {
      this.#logger ??= createDefaultLogger();
      this.#logger.warn('PostgreSQL: an idle vault connection failed; the pool discarded it and reconnects on next use.', {
        store: this.#settings.describedUrl,
        schema: this.schema,
        error: safeDetail(err, this.#settings),
      });
    });
    try {
      await this.#tx(pool, async (c) => {
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`alter-migrate:${this.schema}`]);
        await c.query(`CREATE SCHEMA IF NOT EXISTS ${this.#s}`);
        await c.query(
          `CREATE TABLE IF NOT EXISTS ${this.#s}.alter_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)`,
        );
        const applied = new Set(
          (await c.query<{ version: number }>(`SELECT version FROM ${this.#s}.alter_migrations`)).rows.map((r) => r.version),
        );
        for (const m of MIGRATIONS) {
          if (applied.has(m.version)) continue;
          await c.query(m.sql(this.#s));
          await c.query(`INSERT INTO ${this.#s}.alter_migrations (version, applied_at) VALUES ($1, now())`, [m.version]);
        }
        const version = await c.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
        this.#chainInServer = Number(version.rows[0]?.v) >= SHA256_SINCE_SERVER_VERSION;
      });
    } catch (cause) {
      await pool.end().catch(() => {});
      throw new StoreError(
        `Cannot open the PostgreSQL vault at ${describeUrl(this.#connectionString)} (schema ${this.schema}): ${safeDetail(cause, this.#settings)}`,
        { cause },
      );
    }
    this.#pool = pool;
    this.#opening = undefined;
  }

  #p(): pg.Pool {
    if (!this.#pool) throw new StoreError('The PostgreSQL store is not open (call open() first, or it was closed).');
    return this.#pool;
  }

  /** Runs `fn` in a transaction on one connection (see internal/pg-connection.ts for the failure handling). */
  #tx<T>(pool: pg.Pool, fn: (c: PgSession) => Promise<T>): Promise<T> {
    return withPgSession(pool, this.#settings, 'a transaction', true, fn);
  }

  /** One statement, on `on` (inside a transaction) or on a connection of its own. */
  async #q<R extends pg.QueryResultRow>(sql: string, params: unknown[] = [], on?: Queryable): Promise<R[]> {
    try {
      if (on) return (await on.query<R>(sql, params)).rows;
      return await withPgSession(this.#p(), this.#settings, 'a query', false, async (s) => (await s.query<R>(sql, params)).rows);
    } catch (cause) {
      // Typed errors (the chain conflict, StoreUnavailableError) pass as they are.
      if (cause instanceof StoreError) throw cause;
      throw new StoreError(`PostgreSQL query failed: ${safeDetail(cause, this.#settings)}`, { cause });
    }
  }

  async close(): Promise<void> {
    const signals = [...this.#signals];
    this.#signals.clear();
    await Promise.all(signals.map((s) => s.close()));
    const pool = this.#pool;
    this.#pool = undefined;
    if (!pool) return;
    // pool.end() waits for every connection to say goodbye; a blackholed one never does.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      pool.end().catch(() => {}),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#settings.connectTimeoutMs))),
    ]);
    clearTimeout(timer);
  }

  // ---- grants ----

  async putGrant(input: GrantInput): Promise<StoredGrant> {
    const rows = await this.#q<GrantRow>(
      `INSERT INTO ${this.#s}.alter_grants AS g (id, user_id, provider, account, access_token, refresh_token, expires_at, scopes, status, version, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', 1, now(), now())
       ON CONFLICT (user_id, provider, account) DO UPDATE SET
         access_token = excluded.access_token, refresh_token = excluded.refresh_token, expires_at = excluded.expires_at,
         scopes = excluded.scopes, status = 'active', version = g.version + 1, updated_at = now()
       RETURNING *`,
      [
        randomUUID(),
        input.user,
        input.provider,
        input.account,
        input.accessToken,
        input.refreshToken,
        input.expiresAt,
        toJsonList(input.scopes),
      ],
    );
    return toGrant(rows[0]!);
  }

  async getGrant(id: string): Promise<StoredGrant | undefined> {
    const rows = await this.#q<GrantRow>(`SELECT * FROM ${this.#s}.alter_grants WHERE id = $1`, [id]);
    return rows[0] ? toGrant(rows[0]) : undefined;
  }

  async listGrants(filter: GrantFilter = {}): Promise<StoredGrant[]> {
    const { equals, activeOnly } = grantFilterConditions(filter);
    const where = equals.map(([column], i) => `${column} = $${i + 1}`);
    if (activeOnly) where.push(`status = 'active'`);
    const rows = await this.#q<GrantRow>(
      `SELECT * FROM ${this.#s}.alter_grants${whereSql(where)} ORDER BY user_id COLLATE "C", provider COLLATE "C", account COLLATE "C"`,
      equals.map(([, value]) => value),
    );
    return rows.map(toGrant);
  }

  async updateGrant(id: string, update: GrantUpdate): Promise<StoredGrant | undefined> {
    return this.#update(undefined, id, update);
  }

  async #update(on: Queryable | undefined, id: string, update: GrantUpdate): Promise<StoredGrant | undefined> {
    const columns = grantUpdateColumns(update, sameDate);
    // $1 is the id.
    const sets = ['version = version + 1', 'updated_at = now()', ...columns.map(([column], i) => `${column} = $${i + 2}`)];
    const params = [id, ...columns.map(([, value]) => value)];
    const rows = await this.#q<GrantRow>(`UPDATE ${this.#s}.alter_grants SET ${sets.join(', ')} WHERE id = $1 RETURNING *`, params, on);
    return rows[0] ? toGrant(rows[0]) : undefined;
  }

  async deleteGrant(id: string): Promise<boolean> {
    const rows = await this.#q<{ id: string }>(`DELETE FROM ${this.#s}.alter_grants WHERE id = $1 RETURNING id`, [id]);
    return rows.length > 0;
  }

  /**
   * The refresh lease of this schema (table `alter_grant_leases`): one autocommit compare-and-set
   * per attempt, on this store's pool. Open the store before using the lock.
   */
  createGrantLock(): GrantLock {
    return new PostgresGrantLock(this.#s, <R extends Record<string, unknown>>(sql: string, params: unknown[]) => this.#q<R>(sql, params));
  }

  /**
   * @internal Signals between the processes sharing this schema (LISTEN on one dedicated
   * connection, opened on the first subscriber; NOTIFY through the pool), for the vault's Connect
   * waits. Closed by {@link close}. Open the store before subscribing.
   */
  [CREATE_STORE_SIGNALS](): StoreSignals {
    const signals = new PostgresStoreSignals({
      settings: this.#settings,
      schema: this.schema,
      notify: async (channel, payload) => {
        await this.#q('SELECT pg_notify($1, $2)', [channel, payload]);
      },
      logger: () => (this.#logger ??= createDefaultLogger()),
    });
    this.#signals.add(signals);
    return signals;
  }

  // ---- audit ----

  async appendAudit(rows: readonly AuditInput[]): Promise<void> {
    if (rows.length === 0) return;
    await this.#tx(this.#p(), async (c) => {
      await this.#q('SELECT pg_advisory_xact_lock(hashtext($1))', [`alter-audit:${this.schema}`], c);
      const tail =
        (await this.#q<{ hash: string }>(`SELECT hash FROM ${this.#s}.alter_audit ORDER BY seq DESC LIMIT 1`, [], c))[0]?.hash ??
        GENESIS_HASH;
      if (rows[0]!.prevHash !== tail) throw new AuditChainConflictError();
      await this.#insertAudit(rows, c);
    });
  }

  /** Multi-row INSERTs of up to 500 rows, on the transaction's client. */
  async #insertAudit(rows: readonly AuditInput[], c: PgSession): Promise<void> {
    const cols = AUDIT_INSERT_COLUMN_COUNT;
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      const params: unknown[] = [];
      const values = chunk.map((r, j) => {
        pushAuditValues(params, r, sameDate);
        return `(${Array.from({ length: cols }, (_, k) => `$${j * cols + k + 1}`).join(', ')})`;
      });
      await this.#q(`INSERT INTO ${this.#s}.alter_audit (${AUDIT_INSERT_COLUMNS}) VALUES ${values.join(', ')}`, params, c);
    }
  }

  /**
   * @internal The audit writer's one-statement append (internal/audit-chain-in-store.ts): the
   * server takes the append lock, links the batch onto the tail and inserts it; the lock is held
   * for that statement and its commit only. Undefined before open(), on a server without sha256(),
   * and in a subclass that overrides appendAudit or appendAuditLinked (its override is what the
   * writer must call).
   */
  [AUDIT_CHAIN_IN_STORE](): AuditChainAppend | undefined {
    if (this.#pool === undefined || !this.#chainInServer) return undefined;
    const own = PostgresGrantStore.prototype;
    return this.appendAudit === own.appendAudit && this.appendAuditLinked === own.appendAuditLinked ? this.#appendChained : undefined;
  }

  /**
   * One autocommit statement: `alter_audit_link` in a CTE, the INSERT of its rows, the newest hash.
   * The batch travels as one text, its rows' prefixes ({@link appendBatchSql}); one the prefixes
   * cannot carry exactly (internal/pg-audit-batch.ts) is bound as column arrays ({@link appendChainedSql}).
   */
  readonly #appendChained: AuditChainAppend = async (rows, prefixes) => {
    if (rows.length === 0) return undefined;
    const batch = auditBatchText(rows, prefixes);
    if (batch !== undefined) {
      const written = await this.#q<{ hash: string }>(this.#appendBatchSql, [batch]);
      return written[0]?.hash;
    }
    const columns = AUDIT_CHAIN_COLUMNS.map((): unknown[] => []);
    // One row's values at a time, dealt out to the column arrays; the buffer is reused.
    const values: unknown[] = [];
    for (const row of rows) {
      values.length = 0;
      pushAuditUnlinkedValues(values, row, sameDate);
      for (let k = 0; k < values.length; k++) columns[k]!.push(values[k]);
    }
    const written = await this.#q<{ hash: string }>(this.#appendChainedSql, [`alter-audit:${this.schema}`, prefixes, ...columns]);
    return written[0]?.hash;
  };

  async appendAuditLinked(link: (tailHash: string) => readonly AuditInput[]): Promise<void> {
    await this.#tx(this.#p(), async (c) => {
      await this.#q('SELECT pg_advisory_xact_lock(hashtext($1))', [`alter-audit:${this.schema}`], c);
      // Read after the lock is held (its own statement: a READ COMMITTED snapshot taken before the
      // lock wait would miss the previous holder's rows), hashed here, so no other writer can
      // move the tail in between — 4 processes on one chain no longer retry each other's batches.
      const tail =
        (await this.#q<{ hash: string }>(`SELECT hash FROM ${this.#s}.alter_audit ORDER BY seq DESC LIMIT 1`, [], c))[0]?.hash ??
        GENESIS_HASH;
      const rows = link(tail);
      if (rows.length === 0) return;
      if (rows[0]!.prevHash !== tail) throw new AuditChainConflictError();
      await this.#insertAudit(rows, c);
    });
  }

  async lastAudit(): Promise<AuditRecord | undefined> {
    const rows = await this.#q<AuditRow>(`SELECT * FROM ${this.#s}.alter_audit ORDER BY seq DESC LIMIT 1`);
    return rows[0] ? toAudit(rows[0]) : undefined;
  }

  async queryAudit(filter: AuditFilter = {}): Promise<AuditRecord[]> {
    const { conditions, order, limit } = auditFilterConditions(filter, sameDate);
    const where = conditions.map(([condition], i) => condition.replace('?', `$${i + 1}`));
    const params = [...conditions.map(([, value]) => value), limit];
    const rows = await this.#q<AuditRow>(
      `SELECT * FROM ${this.#s}.alter_audit${whereSql(where)} ORDER BY seq ${order} LIMIT $${params.length}`,
      params,
    );
    return rows.map(toAudit);
  }

  // ---- kv ----

  async kvGet(namespace: string, key: string): Promise<KvEntry | undefined> {
    const rows = await this.#q<KvRow<Date>>(
      `SELECT value, version, expires_at FROM ${this.#s}.alter_kv WHERE namespace = $1 AND key = $2 AND (expires_at IS NULL OR expires_at > now())`,
      [namespace, key],
    );
    const r = rows[0];
    return r ? kvEntryFromRow(r, sameDate) : undefined;
  }

  async kvPut(namespace: string, key: string, value: string, expiresAt: Date | null = null): Promise<void> {
    await this.#q(
      `INSERT INTO ${this.#s}.alter_kv AS k (namespace, key, value, version, expires_at) VALUES ($1, $2, $3, 1, $4)
       ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, version = k.version + 1, expires_at = excluded.expires_at`,
      [namespace, key, value, expiresAt],
    );
  }

  async kvCompareAndSet(
    namespace: string,
    key: string,
    expectedVersion: number,
    value: string,
    expiresAt: Date | null = null,
  ): Promise<boolean> {
    if (expectedVersion === 0) {
      // Insert, or replace an expired leftover (which reads as absent).
      const rows = await this.#q<{ version: number }>(
        `INSERT INTO ${this.#s}.alter_kv AS k (namespace, key, value, version, expires_at) VALUES ($1, $2, $3, 1, $4)
         ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, version = k.version + 1, expires_at = excluded.expires_at
           WHERE k.expires_at IS NOT NULL AND k.expires_at <= now()
         RETURNING version`,
        [namespace, key, value, expiresAt],
      );
      return rows.length > 0;
    }
    const rows = await this.#q<{ version: number }>(
      `UPDATE ${this.#s}.alter_kv SET value = $3, version = version + 1, expires_at = $5
       WHERE namespace = $1 AND key = $2 AND version = $4 AND (expires_at IS NULL OR expires_at > now()) RETURNING version`,
      [namespace, key, value, expectedVersion, expiresAt],
    );
    return rows.length > 0;
  }

  async kvTake(namespace: string, key: string): Promise<KvEntry | undefined> {
    const rows = await this.#q<KvRow<Date>>(
      `DELETE FROM ${this.#s}.alter_kv WHERE namespace = $1 AND key = $2 RETURNING value, version, expires_at`,
      [namespace, key],
    );
    const r = rows[0];
    if (!r || (r.expires_at !== null && r.expires_at.getTime() <= Date.now())) return undefined;
    return kvEntryFromRow(r, sameDate);
  }

  async kvDelete(namespace: string, key: string): Promise<boolean> {
    const rows = await this.#q(`DELETE FROM ${this.#s}.alter_kv WHERE namespace = $1 AND key = $2 RETURNING key`, [namespace, key]);
    return rows.length > 0;
  }

  async kvList(namespace: string, options: { prefix?: string; limit?: number } = {}): Promise<Array<KvEntry & { key: string }>> {
    const params: unknown[] = [namespace];
    let sql = `SELECT key, value, version, expires_at FROM ${this.#s}.alter_kv WHERE namespace = $1 AND (expires_at IS NULL OR expires_at > now())`;
    if (options.prefix) {
      params.push(options.prefix);
      sql += ` AND left(key, length($2)) = $2`;
    }
    params.push(Math.max(1, Math.floor(options.limit ?? 1000)));
    sql += ` ORDER BY key COLLATE "C" LIMIT $${params.length}`;
    const rows = await this.#q<KvRow<Date> & { key: string }>(sql, params);
    return rows.map((r) => ({ key: r.key, ...kvEntryFromRow(r, sameDate) }));
  }

  // ---- sweep ----

  async kvSweep(limit: number): Promise<number> {
    const n = sweepLimit(limit);
    // SKIP LOCKED: sweepers of several processes take disjoint batches instead of waiting on each
    // other, and a row a writer holds is left for the next sweep.
    const rows = await this.#q<{ key: string }>(
      `DELETE FROM ${this.#s}.alter_kv WHERE ctid IN (
         SELECT ctid FROM ${this.#s}.alter_kv WHERE expires_at IS NOT NULL AND expires_at <= now() LIMIT $1 FOR UPDATE SKIP LOCKED
       ) RETURNING key`,
      [n],
    );
    return rows.length;
  }

  // ---- meta ----

  async getMeta(key: string): Promise<string | undefined> {
    const rows = await this.#q<{ value: string }>(`SELECT value FROM ${this.#s}.alter_meta WHERE key = $1`, [key]);
    return rows[0]?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.#q(`INSERT INTO ${this.#s}.alter_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [
      key,
      value,
    ]);
  }

  async resealAll(reseal: (sealed: SealedSecret, row?: GrantTokenRow) => SealedSecret): Promise<number> {
    return this.#tx(this.#p(), async (c) => {
      let count = 0;
      const grants = await this.#q<{
        id: string;
        user_id: string;
        provider: string;
        account: string;
        access_token: string;
        refresh_token: string | null;
      }>(`SELECT id, user_id, provider, account, access_token, refresh_token FROM ${this.#s}.alter_grants FOR UPDATE`, [], c);
      for (const g of grants) {
        const resealed = resealGrantTokens(g, reseal);
        await this.#q(
          `UPDATE ${this.#s}.alter_grants SET access_token = $2, refresh_token = $3 WHERE id = $1`,
          [g.id, resealed.access, resealed.refresh],
          c,
        );
        count += resealed.count;
      }
      const kvs = await this.#q<{ namespace: string; key: string; value: string }>(
        `SELECT namespace, key, value FROM ${this.#s}.alter_kv WHERE value LIKE 'v1.%' FOR UPDATE`,
        [],
        c,
      );
      for (const kv of kvs) {
        await this.#q(
          `UPDATE ${this.#s}.alter_kv SET value = $3 WHERE namespace = $1 AND key = $2`,
          [kv.namespace, kv.key, reseal(kv.value)],
          c,
        );
        count += 1;
      }
      return count;
    });
  }

  toJSON(): { kind: string; url: string; schema: string } {
    return { kind: this.kind, url: describeUrl(this.#connectionString), schema: this.schema };
  }

  [inspect.custom](): string {
    return `PostgresGrantStore { url: '${describeUrl(this.#connectionString)}', schema: '${this.schema}', open: ${this.#pool !== undefined} }`;
  }
}
