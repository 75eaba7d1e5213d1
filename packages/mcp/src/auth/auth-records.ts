/**
 * What the auth server persists, and where: everything lives in the vault store's versioned
 * key-value table (`GrantStore.kv*`), so it works the same on SQLite and PostgreSQL and is shared
 * by every process on one store. Codes and tokens are stored under their SHA-256 (never raw);
 * secrets that must be read back (the signing key, client secrets) are sealed with the vault key,
 * as whole kv values, so `vault.rotateKey()` re-seals them too.
 */
import type { GrantStore, KvEntry } from '@alter/vault';

/** kv namespaces of the auth server. One place, so a store dump is readable. */
export const AUTH_KV = {
  /** `es256` → sealed private JWK (the access-token signing key). */
  keys: 'auth:keys',
  /** client_id → {@link ClientRecord} (JSON, no secret). */
  clients: 'auth:clients',
  /** client_id → sealed client secret (confidential clients only). */
  clientSecrets: 'auth:client-secrets',
  /** client_id URL → cached Client ID Metadata Document (JSON). */
  clientDocuments: 'auth:client-documents',
  /** sha256(request id) → {@link PendingAuthorization}. */
  requests: 'auth:requests',
  /** sha256(code) → {@link CodeRecord}. Taken (read and deleted atomically) on exchange. */
  codes: 'auth:codes',
  /** sha256(code) → family id, after a code was exchanged: a replay revokes that family. */
  spentCodes: 'auth:spent-codes',
  /** family id → {@link FamilyRecord}: one authorization (user, client) and all its tokens. */
  families: 'auth:families',
  /** sha256(refresh token) → {@link RefreshRecord}. */
  refreshTokens: 'auth:refresh-tokens',
  /** `<user>\n<client_id>` → {@link ConsentRecord}. */
  consents: 'auth:consents',
} as const;

/** A registered client as stored (RFC 7591 metadata; the secret is kept apart, sealed). */
export interface ClientRecord {
  readonly client_id: string;
  readonly client_id_issued_at?: number;
  readonly client_secret_expires_at?: number;
  readonly redirect_uris: string[];
  readonly token_endpoint_auth_method: 'none' | 'client_secret_post';
  /**
   * OpenID Connect registration `application_type`, when the client declared it. `native` lets a
   * loopback redirect URI match on any port (RFC 8252 §7.3; see redirect-uri.ts).
   */
  readonly application_type?: 'native' | 'web';
  readonly grant_types: string[];
  readonly response_types: string[];
  readonly client_name?: string;
  readonly client_uri?: string;
  readonly logo_uri?: string;
  readonly scope?: string;
  readonly contacts?: string[];
  readonly tos_uri?: string;
  readonly policy_uri?: string;
  readonly software_id?: string;
  readonly software_version?: string;
}

/** An authorization request between `/authorize` and the code, while the user consents and connects. */
export interface PendingAuthorization {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly state?: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  /** sha256 of the browser-binding cookie: consent, Connect and completion must happen in one browser. */
  readonly browser: string;
  /** The Connect session opened after consent. */
  readonly connectSessionId?: string;
  /**
   * The user whose remembered consent skipped the consent page. Who signs in at the provider is
   * known only once Connect completes: a code is issued only when it is this user; anyone else in
   * that browser is shown the consent page first.
   */
  readonly rememberedConsentOf?: string;
  readonly createdAt: string;
}

/** An issued authorization code, until it is exchanged (single use) or expires. */
export interface CodeRecord {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  readonly user: string;
  /** The token family this code will start (known up front so a replayed code can revoke it). */
  readonly familyId: string;
  readonly expiresAt: number;
}

/** One authorization grant of a client for a user: every refresh token it rotates through, and its access tokens. */
export interface FamilyRecord {
  readonly clientId: string;
  readonly user: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  readonly status: 'active' | 'revoked';
  readonly createdAt: string;
  readonly revokedAt?: string;
  readonly revokedReason?: string;
}

/** A refresh token: valid until spent (rotation); presenting a spent one revokes its family. */
export interface RefreshRecord {
  readonly familyId: string;
  readonly clientId: string;
  readonly spent: boolean;
}

/** A user's consent to a client (recorded when an authorization completes). */
export interface ConsentRecord {
  readonly user: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly at: string;
}

/** Typed JSON access to one kv namespace. Every call first waits for the vault to be ready (store opened). */
export class KvTable<T> {
  constructor(
    private readonly store: GrantStore,
    readonly namespace: string,
    private readonly ready: () => Promise<void>,
  ) {}

  async get(key: string): Promise<{ value: T; version: number; expiresAt: Date | null } | undefined> {
    await this.ready();
    const entry = await this.store.kvGet(this.namespace, key);
    return entry ? decode<T>(entry) : undefined;
  }

  async put(key: string, value: T, expiresAt?: Date | null): Promise<void> {
    await this.ready();
    return this.store.kvPut(this.namespace, key, JSON.stringify(value), expiresAt ?? null);
  }

  /** Writes only if the stored version is `version` (0: must not exist). */
  async compareAndSet(key: string, version: number, value: T, expiresAt?: Date | null): Promise<boolean> {
    await this.ready();
    return this.store.kvCompareAndSet(this.namespace, key, version, JSON.stringify(value), expiresAt ?? null);
  }

  /** Atomically reads and deletes. */
  async take(key: string): Promise<T | undefined> {
    await this.ready();
    const entry = await this.store.kvTake(this.namespace, key);
    return entry ? decode<T>(entry).value : undefined;
  }

  async delete(key: string): Promise<boolean> {
    await this.ready();
    return this.store.kvDelete(this.namespace, key);
  }

  /** At most `limit` live entries whose key starts with `prefix`, in key order (the store's default limit: 1000). */
  async list(prefix?: string, limit?: number): Promise<Array<{ key: string; value: T }>> {
    await this.ready();
    const rows = await this.store.kvList(this.namespace, {
      ...(prefix === undefined ? {} : { prefix }),
      ...(limit === undefined ? {} : { limit }),
    });
    return rows.map((row) => ({ key: row.key, value: decode<T>(row).value }));
  }

  /**
   * EVERY live entry whose key starts with `prefix`, however many. `kvList` returns one page and
   * has no cursor, so a full page is split by the key's next character: `prefix + c` for each `c`
   * of `keyChars`, the characters every key after `prefix` is made of (this server writes the keys:
   * hashes and random ids). A full page showing a key with another character fails instead of
   * answering with part of the entries (such a key would be missed).
   * @throws Error when a full page holds a key with a character outside `keyChars` after `prefix`.
   */
  async listAll(prefix: string, keyChars: string, pageSize = LIST_PAGE): Promise<Array<{ key: string; value: T }>> {
    const page = await this.list(prefix, pageSize);
    if (page.length < pageSize) return page;
    const out = page.filter((e) => e.key === prefix);
    for (const { key } of page) {
      if (key.length > prefix.length && !keyChars.includes(key[prefix.length]!))
        throw new Error(`KvTable.listAll: a key in ${this.namespace} has a character outside the listed key characters`);
    }
    for (const c of keyChars) out.push(...(await this.listAll(prefix + c, keyChars, pageSize)));
    return out;
  }
}

/**
 * A namespace whose values are sealed secrets stored as-is (not JSON), so that the store's
 * `resealAll` (which re-seals every kv value starting with `v1.`) covers them on key rotation.
 */
export class SealedTable {
  constructor(
    private readonly store: GrantStore,
    readonly namespace: string,
    private readonly ready: () => Promise<void>,
  ) {}

  async get(key: string): Promise<string | undefined> {
    await this.ready();
    return (await this.store.kvGet(this.namespace, key))?.value;
  }

  async put(key: string, sealed: string, expiresAt?: Date | null): Promise<void> {
    await this.ready();
    return this.store.kvPut(this.namespace, key, sealed, expiresAt ?? null);
  }
}

/** Entries one `kvList` call of {@link KvTable.listAll} reads. */
const LIST_PAGE = 1000;

function decode<T>(entry: KvEntry): { value: T; version: number; expiresAt: Date | null } {
  return { value: JSON.parse(entry.value) as T, version: entry.version, expiresAt: entry.expiresAt };
}

/** Every table of the auth server over one store. */
export class AuthRecords {
  readonly clients: KvTable<ClientRecord>;
  readonly clientDocuments: KvTable<ClientRecord>;
  readonly requests: KvTable<PendingAuthorization>;
  readonly codes: KvTable<CodeRecord>;
  readonly spentCodes: KvTable<{ familyId: string }>;
  readonly families: KvTable<FamilyRecord>;
  readonly refreshTokens: KvTable<RefreshRecord>;
  readonly consents: KvTable<ConsentRecord>;
  readonly clientSecrets: SealedTable;

  /** `ready` resolves once the store is open (the vault's `ready()`); every access waits for it. */
  constructor(store: GrantStore, ready: () => Promise<void>) {
    this.clients = new KvTable(store, AUTH_KV.clients, ready);
    this.clientDocuments = new KvTable(store, AUTH_KV.clientDocuments, ready);
    this.requests = new KvTable(store, AUTH_KV.requests, ready);
    this.codes = new KvTable(store, AUTH_KV.codes, ready);
    this.spentCodes = new KvTable(store, AUTH_KV.spentCodes, ready);
    this.families = new KvTable(store, AUTH_KV.families, ready);
    this.refreshTokens = new KvTable(store, AUTH_KV.refreshTokens, ready);
    this.consents = new KvTable(store, AUTH_KV.consents, ready);
    this.clientSecrets = new SealedTable(store, AUTH_KV.clientSecrets, ready);
  }

  /** Key of a consent row: user and client id, newline-separated (neither may contain one). */
  static consentKey(user: string, clientId: string): string {
    return `${user}\n${clientId}`;
  }

  /**
   * Marks a family revoked (idempotent; retried on a concurrent write). Its refresh tokens stop
   * working, and so do its access tokens, which are checked against the family on every request.
   */
  async revokeFamily(familyId: string, reason: string): Promise<boolean> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await this.families.get(familyId);
      if (!current) return false;
      if (current.value.status === 'revoked') return true;
      const revoked: FamilyRecord = { ...current.value, status: 'revoked', revokedAt: new Date().toISOString(), revokedReason: reason };
      if (await this.families.compareAndSet(familyId, current.version, revoked, current.expiresAt)) return true;
    }
    return false;
  }
}
