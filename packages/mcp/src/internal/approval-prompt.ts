/**
 * Human approval by form elicitation (docs/approvals.md): for a tool declared with
 * `approval: 'required'`, the vault hands each request it is about to send — method, redacted URL,
 * a summary of the body, the request's hash — to {@link approvalGate}, which asks the user with a
 * form (accept / decline) showing exactly that, and answers for that request id and hash only.
 * The vault checks the answer (approval-ledger.ts): same id, same hash, in time, used once.
 *
 * On protocol revision 2026-07-28 (no server→client request mid-call) the call's approval round
 * asks instead, by an `input_required` answer (recovery/approval-round.ts). A client without form
 * elicitation cannot be asked here: the gate says `'unavailable'`, and the vault asks by URL
 * instead (an approval link the model shows the user; the call is retried).
 */
import { type ApprovalAnswer, type ApprovalGate, ApprovalRefusedError, type ApprovalRequest } from '@alter/vault';
import type { CallState } from './call-state.js';

/** How answers are recorded in the audit row (`approvalVia`). */
const VIA = 'elicitation';

/** The text the user reads: what will be sent, and that the approval covers this request only. */
export function approvalMessage(tool: string, request: ApprovalRequest): string {
  const to = request.account === null ? request.provider : `${request.provider} (account "${request.account}")`;
  const lines = [`${tool} wants to send this request to ${to}:`, '', `${request.method} ${request.url}`];
  if (request.body !== '') lines.push('', request.body);
  lines.push('', `Approve sending exactly this request once? The approval expires at ${request.expiresAt.toISOString()}.`);
  return lines.join('\n');
}

/**
 * The call state's `approvalGate` (an {@link import('@alter/vault').ApprovalAsker}): the gate for a
 * request only a vault policy rule wants approved, asked exactly as for a declared tool. One
 * function shared by every call, reading the call from `this` — a call that needs no approval
 * allocates nothing for it; the vault calls it only when a rule asks.
 */
export function callApprovalGate(this: CallState): ApprovalGate {
  // The current tool is the last of the chain (nested calls append theirs, tool-runner.ts).
  return approvalGate(this, this.chain[this.chain.length - 1] ?? '');
}

/** The gate `ctx.request` passes to the vault for a tool that needs approval. */
export function approvalGate(state: CallState, tool: string): ApprovalGate {
  if (state.approvalRound !== undefined) return state.approvalRound.gate(state.user, tool);
  return async (request: ApprovalRequest): Promise<ApprovalAnswer> => {
    const refused = (reason: 'unavailable' | 'failed', cause?: unknown) =>
      new ApprovalRefusedError({ provider: request.provider, tool, method: request.method, url: request.url, reason, cause });
    if (!state.channel.supportsFormElicitation()) throw refused('unavailable');
    let answer: Readonly<Record<string, unknown>>;
    try {
      answer = await state.channel.request(
        'elicitation',
        // No `mode`: form is the default, and clients of 2025-06-18 do not know the field. No
        // fields: the form's own accept / decline buttons are the answer.
        state.secrets.redact({ message: approvalMessage(tool, request), requestedSchema: { type: 'object', properties: {} } }),
      );
    } catch (err) {
      // The call itself was cancelled: that wins.
      if (state.signal.aborted) throw err;
      throw refused('failed', err);
    }
    const outcome = answer.action === 'accept' ? 'approved' : answer.action === 'cancel' ? 'cancelled' : 'declined';
    return Object.freeze({ requestId: request.id, hash: request.hash, outcome, by: state.user, via: VIA, at: new Date() });
  };
}
