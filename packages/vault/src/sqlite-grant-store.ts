/**
 * GrantStore on a SQLite file (better-sqlite3): WAL journal, busy_timeout, versioned migrations
 * applied on open inside `BEGIN IMMEDIATE` (safe when several processes open the same file).
 *
 * The grant lock is an in-process mutex per grant id: refresh is guarded across processes only on
 * PostgreSQL. Use PostgreSQL when several server processes share one vault.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import Database from 'better-sqlite3';
import { AuditChainConflictError, InvalidArgumentError, StoreError } from './errors.js';
import type {
  AuditFilter,
  AuditInput,
  AuditRecord,
  GrantFilter,
  GrantInput,
  GrantStore,
  GrantUpdate,
  KvEntry,
  LockedGrant,
  SealedSecret,
  StoredGrant,
} from './grant-store.js';
import { KeyedMutex } from './internal/keyed-mutex.js';
import { GENESIS_HASH } from './audit-hash.js';

export interface SqliteGrantStoreOptions {
  /** Database file (created with its directory), or `':memory:'`. Default `./.alter/vault.db`. */
  readonly filename?: string;
  /** busy_timeout in ms (default 5000). */
  readonly busyTimeoutMs?: number;
}

export const DEFAULT_SQLITE_PATH = path.join('.alter', 'vault.db');

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
];

/** Latest schema version this code writes. */
export const SQLITE_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

interface GrantRow {
  id: string;
  user_id: string;
  provider: string;
  account: string;
  access_token: string;
  refresh_token: string | null;
  expires_at: number | null;
  scopes: string;
  status: string;
  version: number;
  created_at: number;
  updated_at: number;
}

interface AuditRow {
  seq: number;
  id: string;
  at: number;
  caller: string;
  user_id: string;
  provider: string;
  account: string;
  method: string;
  url: string;
  status: number | null;
  duration_ms: number;
  tool: string | null;
  parent_tool: string | null;
  chain: string;
  call_id: string | null;
  reason: string | null;
  error_code: string | null;
  prev_hash: string;
  hash: string;
}

function toGrant(r: GrantRow): StoredGrant {
  return Object.freeze({
    id: r.id,
    user: r.user_id,
    provider: r.provider,
    account: r.account,
    accessToken: r.access_token,
    refreshToken: r.refresh_token,
    expiresAt: r.expires_at === null ? null : new Date(r.expires_at),
    scopes: Object.freeze(JSON.parse(r.scopes) as string[]),
    status: r.status as StoredGrant['status'],
    version: r.version,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  });
}

function toAudit(r: AuditRow): AuditRecord {
  return Object.freeze({
    seq: r.seq,
    id: r.id,
    at: new Date(r.at),
    caller: r.caller,
    user: r.user_id,
    provider: r.provider,
    account: r.account,
    method: r.method,
    url: r.url,
    status: r.status,
    durationMs: r.duration_ms,
    tool: r.tool,
    parentTool: r.parent_tool,
    chain: Object.freeze(JSON.parse(r.chain) as string[]),
    callId: r.call_id,
    reason: r.reason,
    errorCode: r.error_code,
    prevHash: r.prev_hash,
    hash: r.hash,
  });
}

export class SqliteGrantStore implements GrantStore {
  readonly kind = 'sqlite';
  readonly filename: string;
  readonly #busyTimeoutMs: number;
  #db: Database.Database | undefined;
  #opening: Promise<void> | undefined;
  readonly #locks = new KeyedMutex();

  /** @throws InvalidArgumentError naming a bad option. */
  constructor(options: SqliteGrantStoreOptions = {}) {
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'expected an object');
    if (options.filename !== undefined && (typeof options.filename !== 'string' || options.filename === '')) {
      throw new InvalidArgumentError('options.filename', 'expected a file path or ":memory:"');
    }
    if (options.busyTimeoutMs !== undefined && (typeof options.busyTimeoutMs !== 'number' || !(options.busyTimeoutMs >= 0))) {
      throw new InvalidArgumentError('options.busyTimeoutMs', 'expected a number of milliseconds ≥ 0');
    }
    this.filename = options.filename ?? DEFAULT_SQLITE_PATH;
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  }

  open(): Promise<void> {
    if (this.#db) return Promise.resolve();
    this.#opening ??= Promise.resolve().then(() => this.#openSync());
    return this.#opening;
  }

  #openSync(): void {
    try {
      if (this.filename !== ':memory:') mkdirSync(path.dirname(path.resolve(this.filename)), { recursive: true });
      const db = new Database(this.filename);
      db.pragma(`busy_timeout = ${Math.floor(this.#busyTimeoutMs)}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.exec('CREATE TABLE IF NOT EXISTS alter_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
      const migrate = db.transaction(() => {
        const applied = new Set((db.prepare('SELECT version FROM alter_migrations').all() as Array<{ version: number }>).map((r) => r.version));
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
      throw new StoreError(`Cannot open the SQLite vault at ${this.filename}: ${(cause as Error).message}`, { cause });
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
        expires: input.expiresAt ? input.expiresAt.getTime() : null,
        scopes: JSON.stringify([...input.scopes]),
        now,
      }) as GrantRow;
    return toGrant(row);
  }

  async getGrant(id: string): Promise<StoredGrant | undefined> {
    const row = this.#conn().prepare('SELECT * FROM alter_grants WHERE id = ?').get(id) as GrantRow | undefined;
    return row ? toGrant(row) : undefined;
  }

  async listGrants(filter: GrantFilter = {}): Promise<StoredGrant[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (cond: string, value: unknown) => {
      where.push(cond);
      params.push(value);
    };
    if (filter.user !== undefined) add('user_id = ?', filter.user);
    if (filter.provider !== undefined) add('provider = ?', filter.provider);
    if (filter.account !== undefined) add('account = ?', filter.account);
    if (!filter.includeRevoked) where.push("status = 'active'");
    const sql = `SELECT * FROM alter_grants${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY user_id, provider, account`;
    return (this.#conn().prepare(sql).all(...params) as GrantRow[]).map(toGrant);
  }

  async updateGrant(id: string, update: GrantUpdate): Promise<StoredGrant | undefined> {
    return this.#updateSync(id, update);
  }

  #updateSync(id: string, update: GrantUpdate): StoredGrant | undefined {
    const sets: string[] = ['version = version + 1', 'updated_at = @now'];
    const params: Record<string, unknown> = { id, now: Date.now() };
    const set = (clause: string, name: string, value: unknown) => {
      sets.push(clause);
      params[name] = value;
    };
    if (update.accessToken !== undefined) set('access_token = @access', 'access', update.accessToken);
    if (update.refreshToken !== undefined) set('refresh_token = @refresh', 'refresh', update.refreshToken);
    if (update.expiresAt !== undefined) set('expires_at = @expires', 'expires', update.expiresAt ? update.expiresAt.getTime() : null);
    if (update.scopes !== undefined) set('scopes = @scopes', 'scopes', JSON.stringify([...update.scopes]));
    if (update.status !== undefined) set('status = @status', 'status', update.status);
    const row = this.#conn().prepare(`UPDATE alter_grants SET ${sets.join(', ')} WHERE id = @id RETURNING *`).get(params) as GrantRow | undefined;
    return row ? toGrant(row) : undefined;
  }

  async deleteGrant(id: string): Promise<boolean> {
    return this.#conn().prepare('DELETE FROM alter_grants WHERE id = ?').run(id).changes > 0;
  }

  withGrantLock<T>(id: string, fn: (grant: LockedGrant) => Promise<T>): Promise<T> {
    return this.#locks.run(id, () =>
      fn({
        read: () => this.getGrant(id),
        update: async (update) => {
          const g = this.#updateSync(id, update);
          if (!g) throw new StoreError(`Grant ${id} disappeared while locked.`);
          return g;
        },
      }),
    );
  }

  // ---- audit ----

  async appendAudit(rows: readonly AuditInput[]): Promise<void> {
    if (rows.length === 0) return;
    const db = this.#conn();
    const insert = db.prepare(
      `INSERT INTO alter_audit (id, at, caller, user_id, provider, account, method, url, status, duration_ms, tool, parent_tool, chain, call_id, reason, error_code, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const last = db.prepare('SELECT hash FROM alter_audit ORDER BY seq DESC LIMIT 1');
    const tx = db.transaction((batch: readonly AuditInput[]) => {
      const tail = (last.get() as { hash: string } | undefined)?.hash ?? GENESIS_HASH;
      if (batch[0]!.prevHash !== tail) throw new AuditChainConflictError();
      for (const r of batch) {
        insert.run(
          r.id,
          r.at.getTime(),
          r.caller,
          r.user,
          r.provider,
          r.account,
          r.method,
          r.url,
          r.status,
          r.durationMs,
          r.tool,
          r.parentTool,
          JSON.stringify([...r.chain]),
          r.callId,
          r.reason,
          r.errorCode,
          r.prevHash,
          r.hash,
        );
      }
    });
    tx.immediate(rows);
  }

  async lastAudit(): Promise<AuditRecord | undefined> {
    const row = this.#conn().prepare('SELECT * FROM alter_audit ORDER BY seq DESC LIMIT 1').get() as AuditRow | undefined;
    return row ? toAudit(row) : undefined;
  }

  async queryAudit(filter: AuditFilter = {}): Promise<AuditRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (cond: string, value: unknown) => {
      where.push(cond);
      params.push(value);
    };
    if (filter.user !== undefined) add('user_id = ?', filter.user);
    if (filter.tool !== undefined) add('tool = ?', filter.tool);
    if (filter.provider !== undefined) add('provider = ?', filter.provider);
    if (filter.since !== undefined) add('at >= ?', filter.since.getTime());
    if (filter.afterSeq !== undefined) add('seq > ?', filter.afterSeq);
    const order = filter.afterSeq !== undefined ? 'ASC' : 'DESC';
    params.push(Math.max(1, Math.floor(filter.limit ?? 100)));
    const sql = `SELECT * FROM alter_audit${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq ${order} LIMIT ?`;
    return (this.#conn().prepare(sql).all(...params) as AuditRow[]).map(toAudit);
  }

  // ---- kv ----

  async kvGet(namespace: string, key: string): Promise<KvEntry | undefined> {
    const row = this.#conn().prepare('SELECT value, version, expires_at FROM alter_kv WHERE namespace = ? AND key = ?').get(namespace, key) as
      | { value: string; version: number; expires_at: number | null }
      | undefined;
    if (!row || (row.expires_at !== null && row.expires_at <= Date.now())) return undefined;
    return { value: row.value, version: row.version, expiresAt: row.expires_at === null ? null : new Date(row.expires_at) };
  }

  async kvPut(namespace: string, key: string, value: string, expiresAt: Date | null = null): Promise<void> {
    this.#conn()
      .prepare(
        `INSERT INTO alter_kv (namespace, key, value, version, expires_at) VALUES (?, ?, ?, 1, ?)
         ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, version = alter_kv.version + 1, expires_at = excluded.expires_at`,
      )
      .run(namespace, key, value, expiresAt ? expiresAt.getTime() : null);
  }

  async kvCompareAndSet(namespace: string, key: string, expectedVersion: number, value: string, expiresAt: Date | null = null): Promise<boolean> {
    const db = this.#conn();
    const exp = expiresAt ? expiresAt.getTime() : null;
    const tx = db.transaction((): boolean => {
      const row = db.prepare('SELECT version, expires_at FROM alter_kv WHERE namespace = ? AND key = ?').get(namespace, key) as
        | { version: number; expires_at: number | null }
        | undefined;
      const live = row && (row.expires_at === null || row.expires_at > Date.now());
      if (expectedVersion === 0) {
        if (live) return false;
        // An expired leftover counts as absent: replace it, continuing its version numbers.
        if (row) {
          db.prepare('UPDATE alter_kv SET value = ?, version = version + 1, expires_at = ? WHERE namespace = ? AND key = ?').run(value, exp, namespace, key);
        } else {
          db.prepare('INSERT INTO alter_kv (namespace, key, value, version, expires_at) VALUES (?, ?, ?, 1, ?)').run(namespace, key, value, exp);
        }
        return true;
      }
      if (!live || row.version !== expectedVersion) return false;
      db.prepare('UPDATE alter_kv SET value = ?, version = version + 1, expires_at = ? WHERE namespace = ? AND key = ?').run(value, exp, namespace, key);
      return true;
    });
    return tx.immediate();
  }

  async kvTake(namespace: string, key: string): Promise<KvEntry | undefined> {
    const row = this.#conn().prepare('DELETE FROM alter_kv WHERE namespace = ? AND key = ? RETURNING value, version, expires_at').get(namespace, key) as
      | { value: string; version: number; expires_at: number | null }
      | undefined;
    if (!row || (row.expires_at !== null && row.expires_at <= Date.now())) return undefined;
    return { value: row.value, version: row.version, expiresAt: row.expires_at === null ? null : new Date(row.expires_at) };
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
    const rows = this.#conn().prepare(sql).all(...params) as Array<{ key: string; value: string; version: number; expires_at: number | null }>;
    return rows.map((r) => ({ key: r.key, value: r.value, version: r.version, expiresAt: r.expires_at === null ? null : new Date(r.expires_at) }));
  }

  // ---- meta ----

  async getMeta(key: string): Promise<string | undefined> {
    const row = this.#conn().prepare('SELECT value FROM alter_meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.#conn().prepare('INSERT INTO alter_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  async resealAll(reseal: (sealed: SealedSecret) => SealedSecret): Promise<number> {
    const db = this.#conn();
    const tx = db.transaction((): number => {
      let count = 0;
      const grants = db.prepare('SELECT id, access_token, refresh_token FROM alter_grants').all() as Array<{ id: string; access_token: string; refresh_token: string | null }>;
      const upd = db.prepare('UPDATE alter_grants SET access_token = ?, refresh_token = ? WHERE id = ?');
      for (const g of grants) {
        const refresh = g.refresh_token === null ? null : reseal(g.refresh_token);
        upd.run(reseal(g.access_token), refresh, g.id);
        count += refresh === null ? 1 : 2;
      }
      const kvs = db.prepare("SELECT namespace, key, value FROM alter_kv WHERE value LIKE 'v1.%'").all() as Array<{ namespace: string; key: string; value: string }>;
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
