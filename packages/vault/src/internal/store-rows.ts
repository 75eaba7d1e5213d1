/**
 * What the SQL stores share, whatever the dialect: the column lists, the row ↔ record mapping,
 * and which conditions a filter or an update turns into. The SQL text itself (placeholders,
 * locking, upserts, collation) stays in each store.
 *
 * The dialects differ only in how a time is stored, so rows are generic over it: SQLite keeps
 * milliseconds since the epoch (INTEGER), PostgreSQL a TIMESTAMPTZ that `pg` returns as a Date.
 * Each store passes its own `toDate` / `fromDate`.
 */
import type {
  AuditFilter,
  AuditInput,
  AuditRecord,
  GrantFilter,
  GrantTokenRow,
  GrantUpdate,
  KvEntry,
  StoredGrant,
} from '../grant-store.js';
import { jsonStringList } from './plain-json.js';

/** How a store reads its time columns back as a Date. */
export type ToDate<TTime> = (value: TTime) => Date;
/** How a store writes a Date into its time columns. */
export type FromDate<TTime> = (value: Date) => TTime;

/** One `alter_grants` row (`SELECT *`). */
export interface GrantRow<TTime> {
  id: string;
  user_id: string;
  provider: string;
  account: string;
  access_token: string;
  refresh_token: string | null;
  expires_at: TTime | null;
  /** JSON array of strings. */
  scopes: string;
  status: string;
  version: number;
  created_at: TTime;
  updated_at: TTime;
}

/** One `alter_audit` row (`SELECT *`). `seq` is a string on PostgreSQL (BIGSERIAL). */
export interface AuditRow<TTime> {
  seq: number | string;
  id: string;
  at: TTime;
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
  /** JSON array of strings. */
  chain: string;
  call_id: string | null;
  reason: string | null;
  error_code: string | null;
  decision: string | null;
  policy_rule: string | null;
  approval: string | null;
  approval_by: string | null;
  approval_via: string | null;
  approval_at: TTime | null;
  prev_hash: string;
  hash: string;
}

/** The `alter_kv` columns a read returns. */
export interface KvRow<TTime> {
  value: string;
  version: number;
  expires_at: TTime | null;
}

/** The columns `appendAudit` inserts, in the order of {@link pushAuditValues}. */
export const AUDIT_INSERT_COLUMNS =
  'id, at, caller, user_id, provider, account, method, url, status, duration_ms, tool, parent_tool, chain, call_id, reason, error_code, decision, policy_rule, approval, approval_by, approval_via, approval_at, prev_hash, hash';

/** How many values one audit row inserts. */
export const AUDIT_INSERT_COLUMN_COUNT = 24;

/** The scopes (or an audit chain) as stored: a JSON array. */
export function toJsonList(values: readonly string[]): string {
  // An array serializes as itself (frozen or not); only another iterable needs the copy.
  return JSON.stringify(Array.isArray(values) ? values : [...values]);
}

/** A frozen record from a grant row. */
export function grantFromRow<TTime>(r: GrantRow<TTime>, toDate: ToDate<TTime>): StoredGrant {
  return Object.freeze({
    id: r.id,
    user: r.user_id,
    provider: r.provider,
    account: r.account,
    accessToken: r.access_token,
    refreshToken: r.refresh_token,
    expiresAt: r.expires_at === null ? null : toDate(r.expires_at),
    scopes: Object.freeze(JSON.parse(r.scopes) as string[]),
    status: r.status as StoredGrant['status'],
    version: r.version,
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  });
}

/** A frozen record from an audit row. */
export function auditFromRow<TTime>(r: AuditRow<TTime>, toDate: ToDate<TTime>): AuditRecord {
  return Object.freeze({
    seq: Number(r.seq),
    id: r.id,
    at: toDate(r.at),
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
    // Present only on rows the egress policy decided about (older rows read back as written).
    ...(r.decision != null ? { decision: r.decision as 'allow' | 'deny' } : {}),
    ...(r.policy_rule != null ? { policyRule: r.policy_rule } : {}),
    // Present only on rows of requests that needed a human approval.
    ...(r.approval != null ? { approval: r.approval as 'approved' | 'declined' } : {}),
    ...(r.approval_by != null ? { approvalBy: r.approval_by } : {}),
    ...(r.approval_via != null ? { approvalVia: r.approval_via } : {}),
    ...(r.approval_at != null ? { approvalAt: toDate(r.approval_at) } : {}),
    prevHash: r.prev_hash,
    hash: r.hash,
  });
}

/**
 * Appends the values of one audit row but its link (prev_hash, hash) to `out`: the columns of
 * {@link AUDIT_INSERT_COLUMNS} before those two, in that order. The in-server chain (PostgreSQL)
 * inserts exactly these and lets the server compute the link. Appends in place rather than
 * returning an array: a store binds a whole batch's values at once, and a per-row array spread
 * into the batch's was two copies of every value.
 */
export function pushAuditUnlinkedValues<TTime>(out: unknown[], r: Omit<AuditInput, 'prevHash' | 'hash'>, fromDate: FromDate<TTime>): void {
  const approvalAt = r.approvalAt;
  out.push(
    r.id,
    fromDate(r.at),
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
    toJsonList(r.chain),
    r.callId,
    r.reason,
    r.errorCode,
    r.decision ?? null,
    r.policyRule ?? null,
    r.approval ?? null,
    r.approvalBy ?? null,
    r.approvalVia ?? null,
    approvalAt != null ? fromDate(approvalAt) : null,
  );
}

/** Appends the values of one audit row to `out`, in {@link AUDIT_INSERT_COLUMNS} order (its link last). */
export function pushAuditValues<TTime>(out: unknown[], r: AuditInput, fromDate: FromDate<TTime>): void {
  pushAuditUnlinkedValues(out, r, fromDate);
  out.push(r.prevHash, r.hash);
}

/** A kv entry from its row. Expiry is each store's business (in SQL or in code). */
export function kvEntryFromRow<TTime>(r: KvRow<TTime>, toDate: ToDate<TTime>): KvEntry {
  return { value: r.value, version: r.version, expiresAt: r.expires_at === null ? null : toDate(r.expires_at) };
}

/** A condition on one column: `[column, value]`, compared with `=` unless said otherwise. */
export type Condition = readonly [sql: string, value: unknown];

/**
 * The equality conditions of a grant filter, as `[column, value]`. Revoked grants are left out
 * unless `includeRevoked` (`activeOnly`), a condition without a value.
 */
export function grantFilterConditions(filter: GrantFilter): { readonly equals: Condition[]; readonly activeOnly: boolean } {
  const equals: Condition[] = [];
  if (filter.user !== undefined) equals.push(['user_id', filter.user]);
  if (filter.provider !== undefined) equals.push(['provider', filter.provider]);
  if (filter.account !== undefined) equals.push(['account', filter.account]);
  return { equals, activeOnly: !filter.includeRevoked };
}

/**
 * The conditions of an audit filter, as `['column op ?', value]` with one `?` each, the order
 * (`ASC` when tailing with `afterSeq`, else newest first) and the row limit (default 100).
 */
export function auditFilterConditions<TTime>(
  filter: AuditFilter,
  fromDate: FromDate<TTime>,
): { readonly conditions: Condition[]; readonly order: 'ASC' | 'DESC'; readonly limit: number } {
  const conditions: Condition[] = [];
  if (filter.user !== undefined) conditions.push(['user_id = ?', filter.user]);
  if (filter.tool !== undefined) conditions.push(['tool = ?', filter.tool]);
  if (filter.provider !== undefined) conditions.push(['provider = ?', filter.provider]);
  if (filter.since !== undefined) conditions.push(['at >= ?', fromDate(filter.since)]);
  if (filter.afterSeq !== undefined) conditions.push(['seq > ?', filter.afterSeq]);
  return { conditions, order: filter.afterSeq !== undefined ? 'ASC' : 'DESC', limit: Math.max(1, Math.floor(filter.limit ?? 100)) };
}

/** The columns a grant update sets, as `[column, value]` (`undefined` fields are left alone). */
export function grantUpdateColumns<TTime>(update: GrantUpdate, fromDate: FromDate<TTime>): Condition[] {
  const columns: Condition[] = [];
  if (update.accessToken !== undefined) columns.push(['access_token', update.accessToken]);
  if (update.refreshToken !== undefined) columns.push(['refresh_token', update.refreshToken]);
  if (update.expiresAt !== undefined) columns.push(['expires_at', update.expiresAt ? fromDate(update.expiresAt) : null]);
  if (update.scopes !== undefined) columns.push(['scopes', toJsonList(update.scopes)]);
  if (update.status !== undefined) columns.push(['status', update.status]);
  return columns;
}

/** ` WHERE a AND b`, or `''` when there is no condition. */
export function whereSql(conditions: readonly string[]): string {
  return conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '';
}

/**
 * Re-seals one grant's tokens: the new values and how many secrets that was (1, or 2 with a
 * refresh token), for `resealAll`'s count.
 */
export function resealGrantTokens(
  grant: {
    readonly id: string;
    readonly user_id: string;
    readonly provider: string;
    readonly account: string;
    readonly access_token: string;
    readonly refresh_token: string | null;
  },
  reseal: (sealed: string, row?: GrantTokenRow) => string,
): { readonly access: string; readonly refresh: string | null; readonly count: number } {
  // The row context lets the reseal keep each token bound to the grant it is stored in.
  const row = (field: GrantTokenRow['field']): GrantTokenRow => ({
    grantId: grant.id,
    user: grant.user_id,
    provider: grant.provider,
    account: grant.account,
    field,
  });
  const refresh = grant.refresh_token === null ? null : reseal(grant.refresh_token, row('refresh'));
  return { access: reseal(grant.access_token, row('access')), refresh, count: refresh === null ? 1 : 2 };
}

/**
 * The columns of {@link AUDIT_INSERT_COLUMNS} that may be NULL, in that order. Bit k of an audit
 * row's shape ({@link auditShapeOf}) is set when the row has a value for column k of this list.
 */
export const AUDIT_NULLABLE_COLUMNS: readonly string[] = Object.freeze([
  'status',
  'tool',
  'parent_tool',
  'call_id',
  'reason',
  'error_code',
  'decision',
  'policy_rule',
  'approval',
  'approval_by',
  'approval_via',
  'approval_at',
]);

/** A shape with every nullable column present: {@link pushAuditUniformShapedValues} then pushes all 22 unlinked values (none shared). */
export const AUDIT_FULL_SHAPE = (1 << AUDIT_NULLABLE_COLUMNS.length) - 1;

/**
 * Which nullable columns of `r` hold a value (bit k for {@link AUDIT_NULLABLE_COLUMNS}[k]; null and
 * undefined count as absent). OR the shapes of several rows for one multi-row INSERT of them all.
 */
export function auditShapeOf(r: Omit<AuditInput, 'prevHash' | 'hash'>): number {
  return (
    (r.status != null ? 1 : 0) |
    (r.tool != null ? 2 : 0) |
    (r.parentTool != null ? 4 : 0) |
    (r.callId != null ? 8 : 0) |
    (r.reason != null ? 16 : 0) |
    (r.errorCode != null ? 32 : 0) |
    (r.decision != null ? 64 : 0) |
    (r.policyRule != null ? 128 : 0) |
    (r.approval != null ? 256 : 0) |
    (r.approvalBy != null ? 512 : 0) |
    (r.approvalVia != null ? 1024 : 0) |
    (r.approvalAt != null ? 2048 : 0)
  );
}

/**
 * The column list of an audit INSERT for rows of `shape`: {@link AUDIT_INSERT_COLUMNS} without the
 * nullable columns the shape leaves out (the table's default for them is NULL, so the stored row is
 * the same as with NULL bound), in the order of {@link pushAuditUniformShapedValues}, the link last.
 */
export function auditInsertColumnsOf(shape: number): string {
  const nullable = new Set(AUDIT_NULLABLE_COLUMNS);
  return AUDIT_INSERT_COLUMNS.split(', ')
    .filter((column) => !nullable.has(column) || (shape & (1 << AUDIT_NULLABLE_COLUMNS.indexOf(column))) !== 0)
    .join(', ');
}

/**
 * The columns an audit INSERT of several rows may bind once for all of them (SQLite store): those
 * that often hold the same value in every row of a chunk (one caller, user, grant, method, tool and
 * policy). Bit k of a chunk's uniform set ({@link auditUniformOf}) is set when every row holds the
 * same value for column k of this list; the statement then names it `@column` in every row's tuple
 * (SQLite gives a repeated name one parameter), bound once from an object, instead of `?` per row.
 */
export const AUDIT_UNIFORM_COLUMNS: readonly string[] = Object.freeze([
  'caller',
  'user_id',
  'provider',
  'account',
  'method',
  'status',
  'tool',
  'chain',
  'decision',
  'policy_rule',
]);

/** True when two chains hold the same names in the same order (so their stored JSON is the same). */
function sameChain(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Which {@link AUDIT_UNIFORM_COLUMNS} hold one value in every row of `rows[start..end)` (bit k for
 * column k). A nullable column counts only inside `shape` (outside it, it is not inserted at all).
 */
export function auditUniformOf(rows: readonly Omit<AuditInput, 'prevHash' | 'hash'>[], start: number, end: number, shape: number): number {
  const first = rows[start]!;
  let uniform = 0b11_1111_1111;
  if ((shape & 1) === 0) uniform &= ~(1 << 5);
  if ((shape & 2) === 0) uniform &= ~(1 << 6);
  if ((shape & 64) === 0) uniform &= ~(1 << 8);
  if ((shape & 128) === 0) uniform &= ~(1 << 9);
  for (let j = start + 1; j < end && uniform !== 0; j++) {
    const r = rows[j]!;
    if (r.caller !== first.caller) uniform &= ~1;
    if (r.user !== first.user) uniform &= ~2;
    if (r.provider !== first.provider) uniform &= ~4;
    if (r.account !== first.account) uniform &= ~8;
    if (r.method !== first.method) uniform &= ~16;
    if (r.status !== first.status) uniform &= ~32;
    if (r.tool !== first.tool) uniform &= ~64;
    if ((uniform & 128) !== 0 && !sameChain(r.chain, first.chain)) uniform &= ~128;
    if ((r.decision ?? null) !== (first.decision ?? null)) uniform &= ~256;
    if ((r.policyRule ?? null) !== (first.policyRule ?? null)) uniform &= ~512;
  }
  return uniform;
}

/**
 * The named values of a chunk's uniform columns (keyed by column name, for `@column`), taken from
 * one of its rows: the same values each row would push with none shared.
 */
export function auditUniformValuesOf(r: Omit<AuditInput, 'prevHash' | 'hash'>, uniform: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if ((uniform & 1) !== 0) out.caller = r.caller;
  if ((uniform & 2) !== 0) out.user_id = r.user;
  if ((uniform & 4) !== 0) out.provider = r.provider;
  if ((uniform & 8) !== 0) out.account = r.account;
  if ((uniform & 16) !== 0) out.method = r.method;
  if ((uniform & 32) !== 0) out.status = r.status;
  if ((uniform & 64) !== 0) out.tool = r.tool;
  if ((uniform & 128) !== 0) out.chain = jsonStringList(r.chain);
  if ((uniform & 256) !== 0) out.decision = r.decision ?? null;
  if ((uniform & 512) !== 0) out.policy_rule = r.policyRule ?? null;
  return out;
}

/**
 * The placeholders of one row's tuple for {@link auditInsertColumnsOf}(`shape`): `@column` for the
 * uniform columns, `?` for the others (the link included), in column order.
 */
export function auditUniformTupleOf(shape: number, uniform: number): string {
  return `(${auditInsertColumnsOf(shape)
    .split(', ')
    .map((column) => {
      const k = AUDIT_UNIFORM_COLUMNS.indexOf(column);
      return k >= 0 && (uniform & (1 << k)) !== 0 ? `@${column}` : '?';
    })
    .join(', ')})`;
}

/**
 * Appends to `out` the values of one audit row but its link for the columns of
 * {@link auditInsertColumnsOf}(`shape`), without the columns of `uniform` (bound once per chunk
 * from {@link auditUniformValuesOf}; 0: none): the values of the `?` of {@link auditUniformTupleOf}.
 * Like {@link pushAuditUnlinkedValues}, without the nullable columns outside `shape`. Every row of
 * one INSERT must be pushed with the same shape, which must cover each row's own
 * ({@link auditShapeOf}): a column left out is stored as NULL.
 */
export function pushAuditUniformShapedValues<TTime>(
  out: unknown[],
  r: Omit<AuditInput, 'prevHash' | 'hash'>,
  shape: number,
  uniform: number,
  fromDate: FromDate<TTime>,
): void {
  if (uniform === 0 && shape === AUDIT_FULL_SHAPE) {
    pushAuditUnlinkedValues(out, r, fromDate);
    return;
  }
  out.push(r.id, fromDate(r.at));
  if ((uniform & 1) === 0) out.push(r.caller);
  if ((uniform & 2) === 0) out.push(r.user);
  if ((uniform & 4) === 0) out.push(r.provider);
  if ((uniform & 8) === 0) out.push(r.account);
  if ((uniform & 16) === 0) out.push(r.method);
  out.push(r.url);
  if ((shape & 1) !== 0 && (uniform & 32) === 0) out.push(r.status);
  out.push(r.durationMs);
  if ((shape & 2) !== 0 && (uniform & 64) === 0) out.push(r.tool);
  if ((shape & 4) !== 0) out.push(r.parentTool);
  if ((uniform & 128) === 0) out.push(jsonStringList(r.chain));
  if ((shape & 8) !== 0) out.push(r.callId);
  if ((shape & 16) !== 0) out.push(r.reason);
  if ((shape & 32) !== 0) out.push(r.errorCode);
  if ((shape & 64) !== 0 && (uniform & 256) === 0) out.push(r.decision ?? null);
  if ((shape & 128) !== 0 && (uniform & 512) === 0) out.push(r.policyRule ?? null);
  if ((shape & 256) !== 0) out.push(r.approval ?? null);
  if ((shape & 512) !== 0) out.push(r.approvalBy ?? null);
  if ((shape & 1024) !== 0) out.push(r.approvalVia ?? null);
  if ((shape & 2048) !== 0) {
    const approvalAt = r.approvalAt;
    out.push(approvalAt != null ? fromDate(approvalAt) : null);
  }
}
