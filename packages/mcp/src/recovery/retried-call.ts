/**
 * The retried call of a 2026-07-28 `input_required` answer: it sends back the sealed request
 * state and the user's response to the embedded elicitation. The state is verified (bound to
 * this user, tool and arguments, not expired) before anything runs. Then, by the state's kind:
 *
 * - connect: when the user accepted, the call waits a bounded time for that Connect session to
 *   complete (the user may still be on the provider's consent page when the client retries) and
 *   the tool runs again — resuming where the first round stopped. If the grant has still not
 *   landed, the tool answers input_required again with a new link.
 * - approval: a state whose approval was already used is refused before anything runs; otherwise
 *   the tool runs again carrying the user's answer, which approval-round.ts applies to the one
 *   request with the approved hash.
 */
import type { AlterVault, Logger } from '@alter/vault';
import { RequestStateError } from '../errors.js';
import type { CallToolResultShape } from '../internal/call-env.js';
import { APPROVAL_INPUT_KEY, type ApprovalReply } from './approval-round.js';
import { approvalWasUsed } from './approval-use.js';
import { connectElicitationAction, declinedResult, elicitationActionOf } from './recovery-answer.js';
import { requestStateSealOf } from './request-state-key.js';

/** What a retried call sent back (read by the SDK adapter from the request). */
export interface RetriedCall {
  /** The echoed `requestState`, unverified. */
  readonly requestState: unknown;
  readonly inputResponses: Readonly<Record<string, unknown>> | undefined;
}

/**
 * How long a retry waits for the Connect session the user accepted: below the 60 s default
 * request timeout of the SDK clients, so the client gets an answer (the tool's result, or a new
 * input_required) rather than a timeout.
 */
const RESUME_WAIT_MS = 45_000;

/**
 * How a verified retry goes on: the call ends with `result` (the user declined the link), or the
 * tool runs — with the user's answer to an approval question when the state carried one.
 */
export type Resumption =
  | { readonly result: CallToolResultShape; readonly approval?: undefined }
  | { readonly result?: undefined; readonly approval?: ApprovalReply };

const RUN: Resumption = Object.freeze({});

/**
 * Verifies a retried call's state and says how the call goes on.
 * @throws RequestStateError when the state is refused (the call must not run).
 */
export async function resumeRetriedCall(
  vault: AlterVault,
  logger: Logger,
  retry: RetriedCall,
  binding: { readonly user: string; readonly tool: string; readonly args: unknown },
  signal: AbortSignal,
): Promise<Resumption> {
  const seal = await requestStateSealOf(vault);
  const claims = seal.open(retry.requestState, binding);
  if (claims.kind === 'approval') {
    // Checked early so a replay re-runs nothing; the atomic check is when the answer is used (approval-round.ts).
    if (await approvalWasUsed(vault, claims.approvalId)) throw new RequestStateError(binding.tool, 'used');
    const answer = elicitationActionOf(retry.inputResponses, APPROVAL_INPUT_KEY);
    // No answer in the retry: the tool runs and asks again.
    if (answer === 'missing') return RUN;
    const { approvalId, requestHash, provider, expiresAt } = claims;
    return Object.freeze({ approval: Object.freeze({ approvalId, requestHash, provider, expiresAt, action: answer }) });
  }
  const action = connectElicitationAction(retry.inputResponses);
  if (action === 'decline' || action === 'cancel') return { result: declinedResult(binding.tool, claims.provider, action) };
  if (action === 'missing') return RUN;
  const timeoutMs = Math.min(RESUME_WAIT_MS, claims.expiresAt.getTime() - Date.now());
  if (timeoutMs <= 0) return RUN;
  try {
    const outcome = await vault.connect.waitFor(claims.sessionId, { signal, timeoutMs });
    if (outcome.status !== 'complete')
      logger.info('retried call: the Connect session ended without a grant', {
        tool: binding.tool,
        session: claims.sessionId.slice(0, 6),
        status: outcome.status,
      });
  } catch (e) {
    // Not complete in time (or the client cancelled): the tool runs and answers again if the grant is still missing.
    logger.debug('retried call: stopped waiting for the Connect session', {
      tool: binding.tool,
      session: claims.sessionId.slice(0, 6),
      error: (e as { code?: unknown })?.code ?? (e as Error)?.name,
    });
  }
  return RUN;
}
