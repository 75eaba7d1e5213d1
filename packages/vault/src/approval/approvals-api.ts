/**
 * `vault.approvals`: the approvals asked by URL (docs/approvals.md), for an operator-side flow —
 * `alter approvals list|approve|deny`, or a second person approving from your own admin tool.
 * Deciding here is the same compare-and-set as the approval page: the first decision wins, and
 * the request is still sent only when it is made again (once).
 */
import { InvalidArgumentError } from '../errors.js';
import { optionalIdentifier, optionalString, requireIdentifier } from '../internal/args.js';
import { approvalLink, effectiveStatus, type PendingApprovalRecord, type PendingApprovalStatus } from './pending-approval-record.js';
import type { ApprovalDecisionRefusal, PendingApprovals } from './pending-approvals.js';

/** One approval asked by URL, as the API shows it (nothing secret: the URL is redacted, the body summarized). */
export interface PendingApproval {
  readonly id: string;
  /** The approval page (`<connect base>/connect/approvals/<id>`). */
  readonly link: string;
  readonly user: string;
  readonly provider: string;
  /** The account the request names, or null for the user's only (or default) grant. */
  readonly account: string | null;
  readonly tool: string | null;
  readonly method: string;
  /** The request URL, redacted as in the audit log. */
  readonly url: string;
  /** The body summary the user is shown (`''` without a body). */
  readonly body: string;
  /** `pending` (waiting), `approved` / `denied` (waiting for the retry), `used`, `expired`. */
  readonly status: PendingApprovalStatus;
  /** The vault policy rule that asked for it, or null when the tool declared it. */
  readonly rule: string | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  /** Who approved or denied it, how (`'url'`, `'cli'`, …) and when. */
  readonly decision: { readonly by: string; readonly via: string; readonly at: Date } | null;
}

/** Filter of {@link ApprovalsApi.list}. */
export interface ApprovalListFilter {
  readonly user?: string | undefined;
  readonly status?: PendingApprovalStatus | undefined;
  /** Default 100. */
  readonly limit?: number | undefined;
}

/** Who decides: `by` is recorded in the audit row (`approvalBy`), `via` as `approvalVia` (default `'api'`). */
export interface ApprovalDecisionInput {
  readonly by: string;
  readonly via?: string | undefined;
}

/** The result of {@link ApprovalsApi.approve} / {@link ApprovalsApi.deny}. */
export type ApprovalDecisionResult =
  | { readonly ok: true; readonly approval: PendingApproval }
  /** `unknown` id; `expired`; `decided` already (approved or denied); `used` already. */
  | { readonly ok: false; readonly reason: ApprovalDecisionRefusal; readonly approval: PendingApproval | null };

/** `vault.approvals`: the approvals asked by URL, for an operator-side flow (and `alter approvals`). */
export interface VaultApprovals {
  /**
   * Approvals in the store (waiting, decided, used, or expired within the last hour), newest first.
   * @throws InvalidArgumentError for a bad filter (named).
   * @example
   * for (const a of await vault.approvals.list({ status: 'pending' })) console.log(a.id, a.method, a.url);
   */
  list(filter?: ApprovalListFilter): Promise<PendingApproval[]>;
  /** One approval by id, or undefined. */
  get(id: string): Promise<PendingApproval | undefined>;
  /**
   * Approves a waiting approval: the same request, made again before the expiry, is sent once.
   * @throws InvalidArgumentError when `id` or `decision.by` is missing.
   * @example
   * const r = await vault.approvals.approve(id, { by: 'ops:carol', via: 'cli' });
   */
  approve(id: string, decision: ApprovalDecisionInput): Promise<ApprovalDecisionResult>;
  /**
   * Denies a waiting approval: the same request made again is refused once (`ApprovalRefusedError`,
   * the audit row records the decline); a later call asks anew.
   * @throws InvalidArgumentError when `id` or `decision.by` is missing.
   */
  deny(id: string, decision: ApprovalDecisionInput): Promise<ApprovalDecisionResult>;
}

const STATUSES: readonly PendingApprovalStatus[] = ['pending', 'approved', 'denied', 'used', 'expired'];

/** The vault's {@link VaultApprovals}: input checks, then the store's compare-and-set (pending-approvals.ts). */
export class ApprovalsApi implements VaultApprovals {
  readonly #pending: PendingApprovals;
  readonly #ready: () => Promise<void>;

  constructor(pending: PendingApprovals, ready: () => Promise<void>) {
    this.#pending = pending;
    this.#ready = ready;
  }

  async list(filter: ApprovalListFilter = {}): Promise<PendingApproval[]> {
    const user = optionalIdentifier(filter.user, 'filter.user');
    if (filter.status !== undefined && !STATUSES.includes(filter.status))
      throw new InvalidArgumentError('filter.status', `expected one of ${STATUSES.join(', ')}`);
    const limit = filter.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1) throw new InvalidArgumentError('filter.limit', 'expected a positive integer');
    await this.#ready();
    const records = await this.#pending.list({
      ...(user !== undefined ? { user } : {}),
      ...(filter.status ? { status: filter.status } : {}),
      limit,
    });
    return records.map(view);
  }

  async get(id: string): Promise<PendingApproval | undefined> {
    requireIdentifier(id, 'id');
    await this.#ready();
    const record = await this.#pending.get(id);
    return record ? view(record) : undefined;
  }

  approve(id: string, decision: ApprovalDecisionInput): Promise<ApprovalDecisionResult> {
    return this.#decide(id, 'approved', decision);
  }

  deny(id: string, decision: ApprovalDecisionInput): Promise<ApprovalDecisionResult> {
    return this.#decide(id, 'denied', decision);
  }

  async #decide(id: string, outcome: 'approved' | 'denied', decision: ApprovalDecisionInput): Promise<ApprovalDecisionResult> {
    requireIdentifier(id, 'id');
    if (decision === null || typeof decision !== 'object') throw new InvalidArgumentError('decision', 'expected { by, via? }');
    const by = requireIdentifier(decision.by, 'decision.by');
    const via = optionalString(decision.via, 'decision.via') ?? 'api';
    await this.#ready();
    const result = await this.#pending.decide(id, outcome, { by, via, at: new Date().toISOString() });
    if (result.ok) return { ok: true, approval: view(result.record) };
    return { ok: false, reason: result.reason, approval: result.record ? view(result.record) : null };
  }
}

function view(r: PendingApprovalRecord): PendingApproval {
  return Object.freeze({
    id: r.id,
    link: approvalLink(r),
    user: r.user,
    provider: r.provider,
    account: r.account ?? null,
    tool: r.tool,
    method: r.method,
    url: r.url,
    body: r.body,
    status: effectiveStatus(r),
    rule: r.rule,
    createdAt: new Date(r.createdAt),
    expiresAt: new Date(r.expiresAt),
    decision: r.decision ? Object.freeze({ by: r.decision.by, via: r.decision.via, at: new Date(r.decision.at) }) : null,
  });
}
