/**
 * Human approval of one provider request (docs/approvals.md): the types the vault's
 * request pipeline and the code that asks the user (the MCP layer's form elicitation) share.
 */

/** What the user is shown and asked to approve. Nothing in it is secret: the URL is redacted as in the audit log. */
export interface ApprovalRequest {
  /** Random id of this approval request; an answer names it, and it is used at most once. */
  readonly id: string;
  readonly user: string;
  readonly provider: string;
  /**
   * The account of the user's grant the request is sent with, as the caller named it, or null for
   * the user's only (or default) grant of the provider. Part of the hash: approving a request for
   * one account never sends it with another account's token.
   */
  readonly account: string | null;
  /** The tool making the request (from the audit context), or null outside a tool call. */
  readonly tool: string | null;
  /** Upper-case HTTP method. */
  readonly method: string;
  /** The target URL with secret query values redacted (as in the audit row). */
  readonly url: string;
  /** A readable summary of the body (`''` without a body), with secret-looking fields redacted. */
  readonly body: string;
  /** sha256 (hex) of the exact request: provider and account, method, full URL, body bytes, the headers the caller set. */
  readonly hash: string;
  /** After this instant the request cannot be approved any more. */
  readonly expiresAt: Date;
}

/** The answer to an {@link ApprovalRequest}. */
export interface ApprovalAnswer {
  /** The {@link ApprovalRequest.id} answered. */
  readonly requestId: string;
  /** The {@link ApprovalRequest.hash} the user saw. */
  readonly hash: string;
  readonly outcome: 'approved' | 'declined' | 'cancelled';
  /** Who answered (a user id). */
  readonly by: string;
  /** How the answer was given: `'elicitation'` (a form during the call) or `'input_required'` (a 2026-07-28 round trip). */
  readonly via: string;
  /** When the answer was given. */
  readonly at: Date;
}

/**
 * Asks for an approval. Throws `ApprovalRefusedError` (reason `'unavailable'` or `'failed'`) when
 * the user cannot be asked; any other error is treated as a refusal too (fail closed).
 */
export type ApprovalGate = (request: ApprovalRequest) => Promise<ApprovalAnswer>;

/**
 * Supplies the gate for a request that needs approval only because a vault policy rule asks for
 * it (the caller passed no `approval`). The vault calls {@link ApprovalAsker.approvalGate} only
 * then, so passing an asker costs nothing on requests that need no approval; the MCP layer passes
 * its call's (form elicitation on 2025, `input_required` on 2026-07-28). Without an asker — or
 * when its gate says `'unavailable'` — the user is asked by URL.
 */
export interface ApprovalAsker {
  approvalGate(): ApprovalGate;
}

/** `approvals` option of the vault. */
export interface ApprovalOptions {
  /** How long an approval request can be answered, in ms (default 300 000: 5 minutes). */
  readonly ttlMs?: number;
}

/** What the audit row records about an approval. */
export interface ApprovalAudit {
  readonly approval: 'approved' | 'declined';
  readonly by: string | null;
  readonly via: string | null;
  readonly at: Date | null;
}
