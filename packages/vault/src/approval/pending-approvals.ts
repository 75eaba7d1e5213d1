/**
 * Approvals asked by URL, in the vault's store (kv namespace `approvals`, the record and its moves
 * in pending-approval-record.ts). Every process sharing the store sees the same approvals: the
 * page may be answered in one process, the CLI in another, and the retry land in a third. Each
 * move is a compare-and-set on the kv version, so an approval is used by exactly one retry.
 *
 * Records are sealed with the vault key (AES-256-GCM, like Connect's secrets): the body summary
 * stays unreadable at rest, and someone who can write the database but lacks the key cannot turn
 * a pending approval into an approved one — a record that does not open reads as absent (fail
 * closed). Sealed values start with `v1.`, so `rotateKey` re-seals them with the rest.
 */
import type { GrantStore, SealedSecret } from '../grant-store.js';
import {
  APPROVALS_KV_NAMESPACE,
  type ApprovalDecision,
  bind,
  decide,
  effectiveStatus,
  kvExpiry,
  newApprovalId,
  type PendingApprovalRecord,
  type PendingApprovalStatus,
  parsePendingApproval,
  requestKey,
  use,
} from './pending-approval-record.js';

/** Compare-and-set attempts before a move gives up (each failure means another writer moved first). */
const CAS_ATTEMPTS = 10;
/** Most approvals one request key can have at once (each retry after a use adds one). */
const PER_REQUEST_LIMIT = 50;
const ID = /^[A-Za-z0-9_-]{44}$/;

/** What a retry of one exact request finds. */
export type RequestApprovalState =
  /** An approval, a decline or an expiry answered this retry; the stored record is now `used`. */
  | { readonly kind: 'answered'; readonly outcome: 'approved' | 'denied' | 'expired'; readonly record: PendingApprovalRecord }
  /** Still waiting for the user: answer with its link again. */
  | { readonly kind: 'pending'; readonly record: PendingApprovalRecord }
  | { readonly kind: 'none' };

/** Why a decision was not recorded. */
export type ApprovalDecisionRefusal = 'unknown' | 'expired' | 'decided' | 'used';

export type DecideResult =
  | { readonly ok: true; readonly record: PendingApprovalRecord }
  | { readonly ok: false; readonly reason: ApprovalDecisionRefusal; readonly record?: PendingApprovalRecord };

/** What a new approval is about (request-fingerprint.ts made `hash` and `body`). */
export interface NewApproval {
  readonly user: string;
  readonly provider: string;
  readonly account: string | null;
  readonly tool: string | null;
  readonly method: string;
  readonly url: string;
  readonly body: string;
  readonly hash: string;
  readonly rule: string | null;
  readonly ttlMs: number;
  readonly baseUrl: string;
}

/** The vault's seal / open (secret-box.ts), for the records at rest. */
export interface ApprovalSealing {
  seal(plain: string): SealedSecret;
  open(sealed: SealedSecret): string;
}

export class PendingApprovals {
  readonly #store: GrantStore;
  readonly #sealing: ApprovalSealing;

  constructor(store: GrantStore, sealing: ApprovalSealing) {
    this.#store = store;
    this.#sealing = sealing;
  }

  #write(record: PendingApprovalRecord): string {
    return this.#sealing.seal(JSON.stringify(record));
  }

  /**
   * The record stored under `key`, or undefined when the value does not open with the vault key,
   * is malformed, or was sealed for another key. The id inside the sealed record must be the key it
   * is read from: a database writer without the key cannot forge a record, but could otherwise copy
   * an approved one under a fresh id of the same request and have it send that request twice.
   */
  #read(key: string, value: string): PendingApprovalRecord | undefined {
    let plain: string;
    try {
      plain = this.#sealing.open(value);
    } catch {
      return undefined;
    }
    const record = parsePendingApproval(plain);
    return record?.id === key ? record : undefined;
  }

  /**
   * For a retry of the request (`user`, `tool`, `hash`): uses (compare-and-set) an approval or a
   * decline given for it, or an expired approval (reported once), else finds one still pending.
   */
  async settle(user: string, tool: string | null, hash: string): Promise<RequestApprovalState> {
    const key = requestKey(user, tool, hash);
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const entries = await this.#store.kvList(APPROVALS_KV_NAMESPACE, { prefix: key, limit: PER_REQUEST_LIMIT });
      const now = Date.now();
      const records = entries
        .map((e) => ({ entry: e, record: this.#read(e.key, e.value) }))
        .filter((x): x is { entry: typeof x.entry; record: PendingApprovalRecord } => {
          // The prefix is derived from the user and the hash; check both anyway (fail closed on a collision).
          const r = x.record;
          return r !== undefined && r.user === user && r.tool === tool && r.hash === hash;
        })
        .sort((a, b) => Date.parse(b.record.createdAt) - Date.parse(a.record.createdAt));
      const status = (r: PendingApprovalRecord) => effectiveStatus(r, now);
      // A decision answers first (the user may have approved an older link), then a pending one,
      // then an expiry that was never reported.
      const pick =
        records.find((x) => status(x.record) === 'approved' || status(x.record) === 'denied') ??
        records.find((x) => status(x.record) === 'pending') ??
        records.find((x) => status(x.record) === 'expired');
      if (pick === undefined) return { kind: 'none' };
      if (status(pick.record) === 'pending') return { kind: 'pending', record: pick.record };
      const next = use(pick.record, now);
      if (next?.usedAs === undefined) continue;
      if (await this.#store.kvCompareAndSet(APPROVALS_KV_NAMESPACE, pick.entry.key, pick.entry.version, this.#write(next), kvExpiry(next)))
        return { kind: 'answered', outcome: next.usedAs, record: pick.record };
      // Another process used or decided it meanwhile: look again.
    }
    return { kind: 'none' };
  }

  /** Stores a new pending approval and returns it. */
  async create(input: NewApproval): Promise<PendingApprovalRecord> {
    const now = Date.now();
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const record: PendingApprovalRecord = {
        v: 1,
        id: newApprovalId(requestKey(input.user, input.tool, input.hash)),
        user: input.user,
        provider: input.provider,
        ...(input.account === null ? {} : { account: input.account }),
        tool: input.tool,
        method: input.method,
        url: input.url,
        body: input.body,
        hash: input.hash,
        rule: input.rule,
        createdAt: new Date(now).toISOString(),
        expiresAt: new Date(now + input.ttlMs).toISOString(),
        status: 'pending',
        baseUrl: input.baseUrl,
      };
      if (await this.#store.kvCompareAndSet(APPROVALS_KV_NAMESPACE, record.id, 0, this.#write(record), kvExpiry(record))) return record;
    }
    throw new Error('pending approvals: could not store a new approval (id collisions)');
  }

  async get(id: string): Promise<PendingApprovalRecord | undefined> {
    if (!ID.test(id)) return undefined;
    const entry = await this.#store.kvGet(APPROVALS_KV_NAMESPACE, id);
    return entry ? this.#read(id, entry.value) : undefined;
  }

  /** Every approval still in the store (undecided, decided, used, recently expired), newest first. */
  async list(filter: {
    readonly user?: string;
    readonly status?: PendingApprovalStatus;
    readonly limit: number;
  }): Promise<PendingApprovalRecord[]> {
    const entries = await this.#store.kvList(APPROVALS_KV_NAMESPACE, { limit: 100_000 });
    const now = Date.now();
    return entries
      .map((e) => this.#read(e.key, e.value))
      .filter((r): r is PendingApprovalRecord => r !== undefined)
      .filter(
        (r) =>
          (filter.user === undefined || r.user === filter.user) &&
          (filter.status === undefined || effectiveStatus(r, now) === filter.status),
      )
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
      .slice(0, filter.limit);
  }

  /** pending → approved | denied (compare-and-set; the first decision wins). */
  async decide(id: string, outcome: 'approved' | 'denied', decision: ApprovalDecision): Promise<DecideResult> {
    return this.#move(
      id,
      (r) => decide(r, outcome, decision),
      (r) => {
        const st = effectiveStatus(r);
        return st === 'expired' ? 'expired' : st === 'used' ? 'used' : 'decided';
      },
    );
  }

  /** Binds the link to one browser (compare-and-set: the first confirming browser wins). */
  async bind(id: string, binding: string): Promise<PendingApprovalRecord | undefined> {
    const result = await this.#move(
      id,
      (r) => bind(r, binding),
      () => 'decided',
    );
    if (result.ok) return result.record;
    return result.record?.binding === binding ? result.record : undefined;
  }

  async #move(
    id: string,
    step: (r: PendingApprovalRecord) => PendingApprovalRecord | undefined,
    whyNot: (r: PendingApprovalRecord) => ApprovalDecisionRefusal,
  ): Promise<DecideResult> {
    if (!ID.test(id)) return { ok: false, reason: 'unknown' };
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const entry = await this.#store.kvGet(APPROVALS_KV_NAMESPACE, id);
      const current = entry ? this.#read(id, entry.value) : undefined;
      if (!entry || !current) return { ok: false, reason: 'unknown' };
      const next = step(current);
      if (next === undefined) return { ok: false, reason: whyNot(current), record: current };
      if (await this.#store.kvCompareAndSet(APPROVALS_KV_NAMESPACE, id, entry.version, this.#write(next), kvExpiry(next)))
        return { ok: true, record: next };
    }
    return { ok: false, reason: 'decided' };
  }
}
