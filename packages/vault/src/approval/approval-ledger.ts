/**
 * The one place an approval is checked (docs/approvals.md). For each request that needs one:
 *
 * 1. An answer given by URL or by `alter approvals` for exactly this request (same user, tool and
 *    request hash) is used once (pending-approvals.ts, a compare-and-set in the store): approved →
 *    send; denied → refuse; expired → refuse. One still waiting → answer with its link again.
 * 2. Otherwise, with a gate (the MCP layer's form elicitation), the ledger builds the
 *    {@link ApprovalRequest} (redacted URL, body summary, hash, expiry), asks, and accepts the
 *    answer only when it names this request id, carries this request's hash, arrives before the
 *    expiry and was not used before.
 * 3. Without a gate, or when the gate cannot ask (`'unavailable'`), a pending approval is stored
 *    and the request is refused with its link (`ApprovalPendingError`); the same request made
 *    again after the approval goes to step 1.
 *
 * Anything else — a decline, an error of the gate, a wrong or late answer — refuses the request
 * (fail closed).
 */
import { randomUUID } from 'node:crypto';
import { currentCallSecrets } from '../call-secrets.js';
import { ApprovalPendingError, ApprovalRefusedError, InvalidArgumentError } from '../errors.js';
import type { ApprovalAnswer, ApprovalAudit, ApprovalGate, ApprovalOptions, ApprovalRequest } from './approval-types.js';
import { approvalLink, type PendingApprovalRecord } from './pending-approval-record.js';
import type { PendingApprovals } from './pending-approvals.js';
import { bodySummary, type RequestBody, requestHash } from './request-fingerprint.js';

/** Default time to answer: 5 minutes. */
export const DEFAULT_APPROVAL_TTL_MS = 5 * 60_000;
const MAX_APPROVAL_TTL_MS = 24 * 60 * 60_000;

/** The request to approve, as the vault is about to send it. */
export interface ApprovalSubject {
  readonly user: string;
  readonly provider: string;
  /** The account the caller named, or null (the user's only or default grant): hashed and shown. */
  readonly account: string | null;
  readonly tool: string | null;
  readonly method: string;
  /** The full target URL (hashed, never shown). */
  readonly url: string;
  /** The redacted URL (shown and audited). */
  readonly auditUrl: string;
  readonly body: RequestBody;
  /** The headers the vault sends besides Authorization (hashed, never shown). */
  readonly headers: Readonly<Record<string, string>>;
  /** The vault policy rule that asks for the approval, or null (the tool declared it). */
  readonly rule: string | null;
}

/** The outcome: what the audit row records, and the error to throw when the request may not be sent. */
export interface ApprovalResult {
  readonly audit: ApprovalAudit | null;
  readonly refusal: ApprovalRefusedError | ApprovalPendingError | null;
}

/** What the ledger needs besides its options: the stored approvals and where their links point. */
export interface ApprovalLedgerDeps {
  readonly pending: PendingApprovals;
  /** The Connect base URL approval links start with, or undefined when Connect has none. */
  readonly baseUrl: () => string | undefined;
}

export class ApprovalLedger {
  readonly #ttlMs: number;
  readonly #deps: ApprovalLedgerDeps;
  /** Ids of answered requests → when they expire (after that, an answer is refused as expired anyway). */
  readonly #used = new Map<string, number>();

  constructor(options: ApprovalOptions | undefined, deps: ApprovalLedgerDeps) {
    this.#deps = deps;
    const ttl = options?.ttlMs ?? DEFAULT_APPROVAL_TTL_MS;
    if (!Number.isInteger(ttl) || ttl <= 0 || ttl > MAX_APPROVAL_TTL_MS) {
      throw new InvalidArgumentError(
        'options.approvals.ttlMs',
        `must be a whole number of milliseconds between 1 and ${MAX_APPROVAL_TTL_MS} (24 h); the default is ${DEFAULT_APPROVAL_TTL_MS} (5 minutes).`,
      );
    }
    this.#ttlMs = ttl;
  }

  /**
   * Finds or asks the approval of `subject` (the steps in this file's header). A refusal — or the
   * pending approval's link — is returned, not thrown.
   * @throws StoreError when the store cannot be read or written (nothing is sent).
   */
  async obtain(subject: ApprovalSubject, gate: ApprovalGate | undefined): Promise<ApprovalResult> {
    const hash = requestHash(subject, subject.method, subject.url, subject.body, subject.headers);
    const refuse = (
      reason: ConstructorParameters<typeof ApprovalRefusedError>[0]['reason'],
      audit: ApprovalAudit | null = null,
      cause?: unknown,
    ): ApprovalResult => ({
      audit,
      refusal: new ApprovalRefusedError({
        provider: subject.provider,
        tool: subject.tool,
        method: subject.method,
        url: subject.auditUrl,
        reason,
        cause,
      }),
    });
    const settled = await this.#deps.pending.settle(subject.user, subject.tool, hash);
    if (settled.kind === 'answered') {
      if (settled.outcome === 'expired') return refuse('expired');
      const d = settled.record.decision;
      const audit: ApprovalAudit = Object.freeze({
        approval: settled.outcome === 'approved' ? 'approved' : 'declined',
        by: d?.by ?? null,
        via: d?.via ?? null,
        at: d ? new Date(d.at) : null,
      });
      return settled.outcome === 'approved' ? { audit, refusal: null } : refuse('declined', audit);
    }
    if (settled.kind === 'pending') return { audit: null, refusal: pendingError(settled.record) };
    const request: ApprovalRequest = Object.freeze({
      id: randomUUID(),
      user: subject.user,
      provider: subject.provider,
      account: subject.account,
      tool: subject.tool,
      method: subject.method,
      url: subject.auditUrl,
      body: bodySummary(subject.body),
      hash,
      expiresAt: new Date(Date.now() + this.#ttlMs),
    });
    if (gate === undefined) return this.#askByUrl(request, subject.rule, refuse);
    let answer: ApprovalAnswer;
    try {
      answer = await gate(request);
    } catch (err) {
      // The client cannot be asked inline: the user is asked by URL instead.
      if (err instanceof ApprovalRefusedError && err.reason === 'unavailable') return this.#askByUrl(request, subject.rule, refuse);
      if (err instanceof ApprovalRefusedError) return { audit: null, refusal: err };
      return refuse('failed', null, err);
    }
    this.#sweep();
    if (answer === null || typeof answer !== 'object' || answer.requestId !== request.id) return refuse('mismatch');
    if (this.#used.has(request.id)) return refuse('replayed');
    this.#used.set(request.id, request.expiresAt.getTime());
    // Checked against the clock now, not the answer's own `at`: a late answer cannot date itself back.
    if (Date.now() > request.expiresAt.getTime()) return refuse('expired');
    if (answer.hash !== request.hash) return refuse('mismatch');
    const audit: ApprovalAudit = Object.freeze({
      approval: answer.outcome === 'approved' ? 'approved' : 'declined',
      by: typeof answer.by === 'string' ? answer.by : null,
      via: typeof answer.via === 'string' ? answer.via : null,
      at: answer.at instanceof Date ? answer.at : new Date(),
    });
    if (answer.outcome === 'approved') return { audit, refusal: null };
    return refuse(answer.outcome === 'cancelled' ? 'cancelled' : 'declined', audit);
  }

  /** Stores a pending approval and answers with its link; refuses when Connect has no base URL for the link. */
  async #askByUrl(
    request: ApprovalRequest,
    rule: string | null,
    refuse: (reason: 'unavailable') => ApprovalResult,
  ): Promise<ApprovalResult> {
    const baseUrl = this.#deps.baseUrl();
    if (baseUrl === undefined) return refuse('unavailable');
    // As the form elicitation does (approval-prompt.ts): what the page shows never holds a secret
    // this call used, even if a tool copied one into the body.
    const secrets = currentCallSecrets();
    const shown = (text: string) => (secrets === undefined ? text : secrets.redactText(text));
    const record = await this.#deps.pending.create({
      user: request.user,
      provider: request.provider,
      account: request.account,
      tool: request.tool,
      method: request.method,
      url: shown(request.url),
      body: shown(request.body),
      hash: request.hash,
      rule,
      ttlMs: this.#ttlMs,
      baseUrl,
    });
    return { audit: null, refusal: pendingError(record) };
  }

  /** Forgets used ids whose requests have expired (an answer to them is refused as expired). */
  #sweep(): void {
    const now = Date.now();
    for (const [id, expires] of this.#used) if (expires < now) this.#used.delete(id);
  }
}

function pendingError(record: PendingApprovalRecord): ApprovalPendingError {
  return new ApprovalPendingError({
    provider: record.provider,
    tool: record.tool,
    method: record.method,
    url: record.url,
    approvalId: record.id,
    approvalUrl: approvalLink(record),
    expiresAt: new Date(record.expiresAt),
  });
}
