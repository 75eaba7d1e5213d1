/**
 * The one persistence seam of the vault. Every store (SQLite, PostgreSQL, anything a user writes)
 * implements this interface and passes the contract suite `grantStoreContract` of @alter/testing.
 *
 * Refresh coordination is NOT part of this interface: it lives in the separate `GrantLock` seam
 * (grant-lock.ts), so a store needs no locking primitive and a lease kept elsewhere (Redis) can be
 * added without touching a store. A store updates a grant row in one statement; the token
 * pipeline never holds a store transaction across an HTTP call.
 *
 * The store never sees a plaintext secret: token fields arrive already sealed (AES-256-GCM, see
 * `secret-box.ts`) and are returned as they were stored. It is dumb on purpose, so a new backend
 * is a day's work.
 */

/**
 * A sealed (encrypted) secret as stored: `v1.<keyId>.<iv>.<tag>.<ciphertext>`, or for grant
 * tokens (bound to their grant) `v2.<keyId>.<iv>.<tag>.<ciphertext>.<context>`; base64url parts.
 */
export type SealedSecret = string;

/**
 * Which grant row and field a sealed grant token was read from, passed to `resealAll`'s callback
 * so a re-sealed token stays bound to its grant (kv values get no context).
 */
export interface GrantTokenRow {
  readonly grantId: string;
  readonly user: string;
  readonly provider: string;
  readonly account: string;
  readonly field: 'access' | 'refresh';
}

/** Lifecycle of a grant. A revoked grant is kept (for audit) but never used. */
export type GrantStatus = 'active' | 'revoked';

/** One user's OAuth grant for one provider account, as persisted. */
export interface StoredGrant {
  readonly id: string;
  readonly user: string;
  readonly provider: string;
  /** Distinguishes several grants of one (user, provider); `''` when the provider has one per user. */
  readonly account: string;
  readonly accessToken: SealedSecret;
  readonly refreshToken: SealedSecret | null;
  /** When the access token expires; null when the provider did not say. */
  readonly expiresAt: Date | null;
  readonly scopes: readonly string[];
  readonly status: GrantStatus;
  /** Incremented on every write; lets readers detect that a refresh already happened. */
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/**
 * What `putGrant` needs: everything but the bookkeeping fields (`id`, `status`, `version`,
 * `createdAt`, `updatedAt`), which the store sets. Upserts on (user, provider, account).
 */
export type GrantInput = Pick<StoredGrant, 'user' | 'provider' | 'account' | 'accessToken' | 'refreshToken' | 'expiresAt' | 'scopes'>;

/** Fields a refresh (or revocation) changes. */
export interface GrantUpdate {
  readonly accessToken?: SealedSecret;
  /** `undefined` keeps the stored refresh token; `null` clears it. */
  readonly refreshToken?: SealedSecret | null;
  readonly expiresAt?: Date | null;
  readonly scopes?: readonly string[];
  readonly status?: GrantStatus;
}

export interface GrantFilter {
  readonly user?: string;
  readonly provider?: string;
  readonly account?: string;
  /** Include revoked grants (default: false). */
  readonly includeRevoked?: boolean;
}

/** One audit row. `hash` chains it to the previous row (`prevHash`) so edits and deletions show. */
export interface AuditRecord {
  readonly seq: number;
  readonly id: string;
  readonly at: Date;
  readonly caller: string;
  readonly user: string;
  readonly provider: string;
  readonly account: string;
  readonly method: string;
  /** Secret query values already redacted. */
  readonly url: string;
  /** HTTP status, or null when no response came (network error, timeout, refused before sending). */
  readonly status: number | null;
  readonly durationMs: number;
  readonly tool: string | null;
  readonly parentTool: string | null;
  readonly chain: readonly string[];
  readonly callId: string | null;
  readonly reason: string | null;
  readonly errorCode: string | null;
  /**
   * The egress policy's decision (docs/policies.md) and the rule that made it; absent or null on
   * rows written before policies existed and on requests refused before the policy ran.
   */
  readonly decision?: 'allow' | 'deny' | null;
  readonly policyRule?: string | null;
  /**
   * Human approval of the request (docs/approvals.md): `'approved'` or `'declined'`
   * (declined, cancelled, expired or unanswerable — `errorCode` says which), who answered
   * (`approvalBy`, a user id), how (`approvalVia`: `'elicitation'`) and when (`approvalAt`).
   * Absent or null on rows of tools that need no approval and on rows written before approvals existed.
   */
  readonly approval?: 'approved' | 'declined' | null;
  readonly approvalBy?: string | null;
  readonly approvalVia?: string | null;
  readonly approvalAt?: Date | null;
  readonly prevHash: string;
  readonly hash: string;
}

/** An audit row before the store numbers it. The writer computes `prevHash`/`hash`. */
export type AuditInput = Omit<AuditRecord, 'seq'>;

export interface AuditFilter {
  readonly user?: string;
  readonly tool?: string;
  readonly provider?: string;
  readonly since?: Date;
  /** Newest first when set; default 100. */
  readonly limit?: number;
  /** Rows with seq greater than this, oldest first (for tailing and verification). */
  readonly afterSeq?: number;
}

/** A small versioned key-value table for Connect sessions and auth-server records. */
export interface KvEntry {
  readonly value: string;
  readonly version: number;
  readonly expiresAt: Date | null;
}

/**
 * Persistence for grants, audit rows, versioned kv records and metadata. Every method is one
 * short, self-contained operation (no transaction stays open after it returns).
 */
export interface GrantStore {
  /** Human-readable kind for logs and `doctor`: `'sqlite'`, `'postgres'`. */
  readonly kind: string;

  /** Creates tables / applies pending versioned migrations. Idempotent; safe to race across processes. */
  open(): Promise<void>;
  close(): Promise<void>;

  // Grants
  putGrant(input: GrantInput): Promise<StoredGrant>;
  getGrant(id: string): Promise<StoredGrant | undefined>;
  listGrants(filter?: GrantFilter): Promise<StoredGrant[]>;
  updateGrant(id: string, update: GrantUpdate): Promise<StoredGrant | undefined>;
  deleteGrant(id: string): Promise<boolean>;

  // Audit (append-only; the vault batches calls)
  /**
   * Appends rows atomically, in order. (Appended by the vault core:) rejects with
   * `AuditChainConflictError`, writing nothing, when `rows[0].prevHash` is not the hash of the
   * newest stored row (or the genesis hash `'0'.repeat(64)` for an empty table): another writer
   * appended meanwhile, and the vault re-reads the tail and re-hashes. Keeps one chain across processes.
   */
  appendAudit(rows: readonly AuditInput[]): Promise<void>;
  /**
   * Most rows the vault passes to one appendAudit() call (optional; default: the audit's
   * `maxBatchRows`). A store that writes synchronously on the event loop (SQLite) sets it low, so
   * one append never stalls the requests in flight for long; the writer yields to the event loop
   * between appends.
   */
  readonly auditAppendLimit?: number;
  /**
   * Optional: appends rows chained onto the CURRENT tail, read while holding the store's append
   * lock. `link(tailHash)` hashes the batch after that tail and returns the rows to insert (the
   * first row's prevHash is `tailHash`). With several processes on one chain this never conflicts
   * (appendAudit() re-hashes and retries whenever another writer moved the tail first), so the
   * lock is held once per batch. The vault uses it when present.
   */
  appendAuditLinked?(link: (tailHash: string) => readonly AuditInput[]): Promise<void>;
  /** The newest row, to continue the hash chain after a restart. */
  lastAudit(): Promise<AuditRecord | undefined>;
  queryAudit(filter?: AuditFilter): Promise<AuditRecord[]>;

  // Versioned key-value records (expired entries read as absent)
  kvGet(namespace: string, key: string): Promise<KvEntry | undefined>;
  kvPut(namespace: string, key: string, value: string, expiresAt?: Date | null): Promise<void>;
  /** Writes only if the stored version is `expectedVersion` (0 = must not exist). True when written. */
  kvCompareAndSet(namespace: string, key: string, expectedVersion: number, value: string, expiresAt?: Date | null): Promise<boolean>;
  /** Atomically reads and deletes (single-use codes). */
  kvTake(namespace: string, key: string): Promise<KvEntry | undefined>;
  kvDelete(namespace: string, key: string): Promise<boolean>;
  kvList(namespace: string, options?: { prefix?: string; limit?: number }): Promise<Array<KvEntry & { key: string }>>;

  // Sweeping (keeps the kv table bounded; see store-sweeper.ts)
  /**
   * Deletes at most `limit` kv entries whose expiry has passed (by the store's clock, the same one
   * reads use) and returns how many it deleted. Entries without an expiry are never touched.
   * Callers repeat it until it returns less than `limit`, so a large backlog is removed in short
   * batches instead of one long lock. Safe to run from several processes at once.
   *
   * A swept key written again starts over at version 1: never keep a kv version across an expiry.
   */
  kvSweep(limit: number): Promise<number>;

  // Metadata (key-check canary, schema info)
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;

  /**
   * Re-encrypts every sealed secret (grant tokens and kv values that start with `v1.`) in one
   * transaction: `reseal` gets each stored value and returns its replacement. Returns the count.
   * For grant tokens, `reseal` also gets the row the value was read from ({@link GrantTokenRow});
   * for kv values it gets no second argument.
   */
  resealAll(reseal: (sealed: SealedSecret, row?: GrantTokenRow) => SealedSecret): Promise<number>;
}
