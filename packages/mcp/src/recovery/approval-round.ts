/**
 * Human approval on protocol revision 2026-07-28 (docs/approvals.md), where the server cannot send
 * the client a request in the middle of a call. A tool declared `approval: 'required'` reaches a
 * provider request; the call then answers `input_required` with a form elicitation (accept /
 * decline, the same text as the 2025 form: method, redacted URL, body summary, expiry) and a
 * request state sealed to the user, tool, arguments, the approval request's id and the exact
 * request's hash, expiring with the approval (request-state-seal.ts). The client asks the user and
 * retries with the answer and the state; the tool runs again, and when it reaches the request with
 * that hash the answer applies to that request only, once:
 *
 *   same hash, accepted     approved (`via: 'input_required'`, by the call's user); the id is
 *                           recorded as used in the store (approval-use.ts), so a replayed or
 *                           concurrently retried state is refused
 *   same hash, declined     the vault refuses the request (nothing sent; the audit row says declined)
 *   another hash            a changed request: not approved; a new question (new input_required)
 *   past the expiry         refused as expired
 *
 * One approval per call: a retry runs the tool from the start, so a tool that sent one approved
 * request and reaches a second one that needs approval cannot be asked again without sending the
 * first request twice. That second request is refused (nothing sent) and the reason logged.
 *
 * A round exists only for a 2026-07-28 call whose client declared form elicitation in the
 * request's envelope (the SDK refuses an embedded request the client did not declare); otherwise
 * approval-prompt.ts refuses, fail closed.
 */
import {
  type AlterVault,
  type ApprovalAnswer,
  type ApprovalGate,
  ApprovalRefusedError,
  type ApprovalRequest,
  type Logger,
} from '@alter/vault';
import type { InputRequiredShape } from '../internal/call-env.js';
import { approvalMessage } from '../internal/approval-prompt.js';
import { markApprovalUsed } from './approval-use.js';
import type { ApprovalStateClaims, RequestStateBinding, RequestStateSeal } from './request-state-seal.js';

/** The key of the embedded approval form in an `input_required` answer (and of its response on the retry). */
export const APPROVAL_INPUT_KEY = 'dev.alter/approval';

/** How answers given this way are recorded in the audit row (`approvalVia`). */
export const APPROVAL_VIA_INPUT_REQUIRED = 'input_required';

/** The user's answer to an approval question, as a retried call brought it back (its state verified). */
export interface ApprovalReply extends Omit<ApprovalStateClaims, 'kind'> {
  readonly action: 'accept' | 'decline' | 'cancel';
}

/** The question a call stopped at. */
interface Question {
  readonly tool: string;
  readonly request: ApprovalRequest;
}

/** Why a request needing approval was refused without asking (the cause of its `ApprovalRefusedError`). */
class ApprovalNotAsked extends Error {
  override readonly name = 'ApprovalNotAsked';
}

/** The approval state of one 2026-07-28 call: the answer it brought back, and the question it stopped at. */
export class ApprovalRound {
  readonly #vault: AlterVault;
  readonly #logger: Logger;
  /** The answer the retry brought back; taken by the first request with its hash. */
  #reply: ApprovalReply | undefined;
  #question: Question | undefined;
  /** True once the reply was used: this call has had its one approval. */
  #used = false;

  constructor(vault: AlterVault, logger: Logger, reply: ApprovalReply | undefined) {
    this.#vault = vault;
    this.#logger = logger;
    this.#reply = reply;
  }

  /** The gate `ctx.request` passes to the vault for a request of `tool` that needs approval, in this call of `user`. */
  gate(user: string, tool: string): ApprovalGate {
    return async (request: ApprovalRequest): Promise<ApprovalAnswer> => {
      const refused = (reason: 'expired' | 'replayed' | 'failed', cause?: unknown) =>
        new ApprovalRefusedError({ provider: request.provider, tool, method: request.method, url: request.url, reason, cause });
      // The call already stopped at a question (a tool that caught the refusal and went on): it ends with that question.
      if (this.#question !== undefined) throw refused('failed', new ApprovalNotAsked('the call is waiting for an earlier approval'));
      const reply = this.#reply;
      if (reply !== undefined && reply.requestHash === request.hash) {
        this.#reply = undefined;
        this.#used = true;
        // The state was checked when the retry arrived; the tool may have run long since.
        if (Date.now() >= reply.expiresAt.getTime()) throw refused('expired');
        if (!(await markApprovalUsed(this.#vault, reply.approvalId, reply.expiresAt))) throw refused('replayed');
        const outcome = reply.action === 'accept' ? 'approved' : reply.action === 'cancel' ? 'cancelled' : 'declined';
        return Object.freeze({
          requestId: request.id,
          hash: request.hash,
          outcome,
          by: user,
          via: APPROVAL_VIA_INPUT_REQUIRED,
          at: new Date(),
        });
      }
      if (this.#used) {
        this.#logger.warn('approval refused: a second request needing approval in one 2026-07-28 call', {
          tool,
          provider: request.provider,
          method: request.method,
        });
        throw refused(
          'failed',
          new ApprovalNotAsked(
            'a 2026-07-28 call is approved for one request: asking again would re-run the tool and send the approved request twice',
          ),
        );
      }
      // No answer for this exact request (first round, or the tool now builds another request): ask.
      this.#question = Object.freeze({ tool, request });
      throw refused('failed', new ApprovalNotAsked('the question goes to the client as input_required'));
    };
  }

  /** True when the call stopped at a question: it answers {@link inputRequired} whatever the tool returned. */
  get asking(): boolean {
    return this.#question !== undefined;
  }

  /**
   * The `input_required` answer asking the question: an embedded form elicitation without
   * fields (its accept / decline is the answer) and the sealed state. `redact` is the call's
   * secret redaction (the message shows a request body).
   */
  inputRequired(seal: RequestStateSeal, binding: RequestStateBinding, redact: <T>(value: T) => T): InputRequiredShape {
    const question = this.#question;
    if (question === undefined) throw new Error('ApprovalRound.inputRequired() called without a question');
    const { tool, request } = question;
    const requestState = seal.seal(binding, {
      kind: 'approval',
      approvalId: request.id,
      requestHash: request.hash,
      provider: request.provider,
      expiresAt: request.expiresAt,
    });
    return {
      resultType: 'input_required',
      inputRequests: {
        [APPROVAL_INPUT_KEY]: {
          method: 'elicitation/create',
          params: redact({ mode: 'form', message: approvalMessage(tool, request), requestedSchema: { type: 'object', properties: {} } }),
        },
      },
      requestState,
    };
  }
}
