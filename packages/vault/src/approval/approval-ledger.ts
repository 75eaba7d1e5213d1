/**
 * The one place an approval is checked (docs/approvals.md). For each request that
 * needs one, the ledger builds the {@link ApprovalRequest} (redacted URL, body summary, hash of the
 * exact request, expiry), asks the gate, and accepts the answer only when it names this request
 * id, carries this request's hash, arrives before the expiry and was not used before. Anything
 * else — a decline, an error of the gate, a wrong or late answer — refuses the request (fail closed).
 */
import { randomUUID } from 'node:crypto';
import { ApprovalRefusedError, InvalidArgumentError } from '../errors.js';
import type { ApprovalAnswer, ApprovalAudit, ApprovalGate, ApprovalOptions, ApprovalRequest } from './approval-types.js';
import { bodySummary, type RequestBody, requestHash } from './request-fingerprint.js';

/** Default time to answer: 5 minutes. */
export const DEFAULT_APPROVAL_TTL_MS = 5 * 60_000;
const MAX_APPROVAL_TTL_MS = 24 * 60 * 60_000;

/** The request to approve, as the vault is about to send it. */
export interface ApprovalSubject {
  readonly user: string;
  readonly provider: string;
  readonly tool: string | null;
  readonly method: string;
  /** The full target URL (hashed, never shown). */
  readonly url: string;
  /** The redacted URL (shown and audited). */
  readonly auditUrl: string;
  readonly body: RequestBody;
}

/** The outcome: what the audit row records, and the error to throw when the request may not be sent. */
export interface ApprovalResult {
  readonly audit: ApprovalAudit | null;
  readonly refusal: ApprovalRefusedError | null;
}

export class ApprovalLedger {
  readonly #ttlMs: number;
  /** Ids of answered requests → when they expire (after that, an answer is refused as expired anyway). */
  readonly #used = new Map<string, number>();

  constructor(options: ApprovalOptions | undefined) {
    const ttl = options?.ttlMs ?? DEFAULT_APPROVAL_TTL_MS;
    if (!Number.isInteger(ttl) || ttl <= 0 || ttl > MAX_APPROVAL_TTL_MS) {
      throw new InvalidArgumentError(
        'options.approvals.ttlMs',
        `must be a whole number of milliseconds between 1 and ${MAX_APPROVAL_TTL_MS} (24 h); the default is ${DEFAULT_APPROVAL_TTL_MS} (5 minutes).`,
      );
    }
    this.#ttlMs = ttl;
  }

  /** Asks `gate` to approve `subject` and checks the answer. Never throws: a refusal is returned. */
  async obtain(subject: ApprovalSubject, gate: ApprovalGate): Promise<ApprovalResult> {
    const request: ApprovalRequest = Object.freeze({
      id: randomUUID(),
      user: subject.user,
      provider: subject.provider,
      tool: subject.tool,
      method: subject.method,
      url: subject.auditUrl,
      body: bodySummary(subject.body),
      hash: requestHash(subject.method, subject.url, subject.body),
      expiresAt: new Date(Date.now() + this.#ttlMs),
    });
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
    let answer: ApprovalAnswer;
    try {
      answer = await gate(request);
    } catch (err) {
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

  /** Forgets used ids whose requests have expired (an answer to them is refused as expired). */
  #sweep(): void {
    const now = Date.now();
    for (const [id, expires] of this.#used) if (expires < now) this.#used.delete(id);
  }
}
