/**
 * A tiny GrantStore kept in memory — the kind of custom store a pack or an app writes (the same
 * shape holds for DynamoDB or Redis). It is here to show the store contract of @alter/testing
 * running under node:test (memory-store.test.ts); it is not meant for production: nothing survives
 * a restart, and nothing is shared between processes.
 */
import { randomUUID } from 'node:crypto';
import {
  type AuditFilter,
  type AuditInput,
  type AuditRecord,
  AuditChainConflictError,
  type GrantFilter,
  type GrantInput,
  type GrantStore,
  type GrantUpdate,
  InvalidArgumentError,
  type KvEntry,
  StoreError,
  type StoredGrant,
} from '@alter/vault';

const GENESIS = '0'.repeat(64);
/** The re-encryption callback of `resealAll` (its row type is not exported on its own). */
type Reseal = Parameters<GrantStore['resealAll']>[0];
const sealed = (value: string) => value.startsWith('v1.');

export class MemoryGrantStore implements GrantStore {
  readonly kind = 'memory';
  #open = false;
  #grants = new Map<string, StoredGrant>();
  #audit: AuditRecord[] = [];
  #kv = new Map<string, { value: string; version: number; expiresAt: Date | null }>();
  readonly #meta = new Map<string, string>();

  async open(): Promise<void> {
    this.#open = true;
  }

  async close(): Promise<void> {
    this.#open = false;
  }

  #check(): void {
    if (!this.#open) throw new StoreError('The memory store is closed: open() it first.');
  }

  async putGrant(input: GrantInput): Promise<StoredGrant> {
    this.#check();
    const now = new Date();
    const existing = [...this.#grants.values()].find(
      (g) => g.user === input.user && g.provider === input.provider && g.account === input.account,
    );
    const grant: StoredGrant = Object.freeze({
      ...input,
      scopes: [...input.scopes],
      id: existing?.id ?? randomUUID(),
      status: 'active',
      version: (existing?.version ?? 0) + 1,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    });
    this.#grants.set(grant.id, grant);
    return grant;
  }

  async getGrant(id: string): Promise<StoredGrant | undefined> {
    this.#check();
    return this.#grants.get(id);
  }

  async listGrants(filter: GrantFilter = {}): Promise<StoredGrant[]> {
    this.#check();
    const key = (g: StoredGrant) => `${g.user}\u0000${g.provider}\u0000${g.account}`;
    return [...this.#grants.values()]
      .filter(
        (g) =>
          (filter.user === undefined || g.user === filter.user) &&
          (filter.provider === undefined || g.provider === filter.provider) &&
          (filter.account === undefined || g.account === filter.account) &&
          (filter.includeRevoked || g.status === 'active'),
      )
      .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }

  async updateGrant(id: string, update: GrantUpdate): Promise<StoredGrant | undefined> {
    this.#check();
    const g = this.#grants.get(id);
    if (!g) return undefined;
    const next: StoredGrant = Object.freeze({
      ...g,
      ...Object.fromEntries(Object.entries(update).filter(([, v]) => v !== undefined)),
      version: g.version + 1,
      updatedAt: new Date(),
    });
    this.#grants.set(id, next);
    return next;
  }

  async deleteGrant(id: string): Promise<boolean> {
    this.#check();
    return this.#grants.delete(id);
  }

  async appendAudit(rows: readonly AuditInput[]): Promise<void> {
    this.#check();
    const tail = this.#audit.at(-1)?.hash ?? GENESIS;
    if (rows.length > 0 && rows[0]?.prevHash !== tail) throw new AuditChainConflictError();
    for (const row of rows) this.#audit.push(Object.freeze({ ...row, seq: this.#audit.length + 1 }));
  }

  async lastAudit(): Promise<AuditRecord | undefined> {
    this.#check();
    return this.#audit.at(-1);
  }

  async queryAudit(filter: AuditFilter = {}): Promise<AuditRecord[]> {
    this.#check();
    const limit = filter.limit ?? 100;
    const rows = this.#audit.filter(
      (r) =>
        (filter.user === undefined || r.user === filter.user) &&
        (filter.tool === undefined || r.tool === filter.tool) &&
        (filter.provider === undefined || r.provider === filter.provider) &&
        (filter.since === undefined || r.at.getTime() >= filter.since.getTime()) &&
        (filter.afterSeq === undefined || r.seq > filter.afterSeq),
    );
    // With afterSeq: oldest first (tailing); without: newest first.
    return (filter.afterSeq === undefined ? rows.reverse() : rows).slice(0, limit);
  }

  #live(namespace: string, key: string) {
    const entry = this.#kv.get(`${namespace}\u0000${key}`);
    return entry && (entry.expiresAt === null || entry.expiresAt.getTime() > Date.now()) ? entry : undefined;
  }

  async kvGet(namespace: string, key: string): Promise<KvEntry | undefined> {
    this.#check();
    const entry = this.#live(namespace, key);
    return entry && { ...entry };
  }

  async kvPut(namespace: string, key: string, value: string, expiresAt: Date | null = null): Promise<void> {
    this.#check();
    const old = this.#kv.get(`${namespace}\u0000${key}`);
    this.#kv.set(`${namespace}\u0000${key}`, { value, version: (old?.version ?? 0) + 1, expiresAt });
  }

  async kvCompareAndSet(
    namespace: string,
    key: string,
    expectedVersion: number,
    value: string,
    expiresAt: Date | null = null,
  ): Promise<boolean> {
    this.#check();
    const live = this.#live(namespace, key);
    if ((live?.version ?? 0) !== expectedVersion) return false;
    // An expired entry counts as absent: it starts over at version 1.
    this.#kv.set(`${namespace}\u0000${key}`, { value, version: expectedVersion + 1, expiresAt });
    return true;
  }

  async kvTake(namespace: string, key: string): Promise<KvEntry | undefined> {
    this.#check();
    const entry = this.#live(namespace, key);
    this.#kv.delete(`${namespace}\u0000${key}`);
    return entry && { ...entry };
  }

  async kvDelete(namespace: string, key: string): Promise<boolean> {
    this.#check();
    return this.#kv.delete(`${namespace}\u0000${key}`);
  }

  async kvList(namespace: string, options: { prefix?: string; limit?: number } = {}): Promise<Array<KvEntry & { key: string }>> {
    this.#check();
    const out: Array<KvEntry & { key: string }> = [];
    for (const id of [...this.#kv.keys()].sort()) {
      const [ns, key = ''] = id.split('\u0000');
      const entry = ns === namespace && key.startsWith(options.prefix ?? '') ? this.#live(namespace, key) : undefined;
      if (entry) out.push({ key, ...entry });
    }
    return out.slice(0, options.limit ?? 100);
  }

  async kvSweep(limit: number): Promise<number> {
    this.#check();
    if (!Number.isInteger(limit) || limit < 1) throw new InvalidArgumentError('limit', 'must be a positive integer.');
    let swept = 0;
    for (const [id, entry] of this.#kv) {
      if (swept === limit) break;
      if (entry.expiresAt !== null && entry.expiresAt.getTime() <= Date.now()) {
        this.#kv.delete(id);
        swept += 1;
      }
    }
    return swept;
  }

  async getMeta(key: string): Promise<string | undefined> {
    this.#check();
    return this.#meta.get(key);
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.#check();
    this.#meta.set(key, value);
  }

  async resealAll(reseal: Reseal): Promise<number> {
    this.#check();
    // All or nothing: compute every replacement first, write only if none threw.
    const grants = new Map(this.#grants);
    const kv = new Map(this.#kv);
    let count = 0;
    for (const g of grants.values()) {
      const row = { grantId: g.id, user: g.user, provider: g.provider, account: g.account };
      const accessToken = reseal(g.accessToken, { ...row, field: 'access' });
      const refreshToken = g.refreshToken === null ? null : reseal(g.refreshToken, { ...row, field: 'refresh' });
      count += g.refreshToken === null ? 1 : 2;
      grants.set(g.id, Object.freeze({ ...g, accessToken, refreshToken }));
    }
    for (const [id, entry] of kv) {
      if (!sealed(entry.value)) continue;
      kv.set(id, { ...entry, value: reseal(entry.value) });
      count += 1;
    }
    this.#grants = grants;
    this.#kv = kv;
    return count;
  }
}
