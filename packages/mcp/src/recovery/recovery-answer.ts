/**
 * How a tool call that needs the user to authorize a provider (no grant: Connect; missing
 * scopes: re-authorization) is answered. One policy, by protocol era and the client's declared
 * capabilities, used for every such call:
 *
 *                      client declares URL-mode elicitation     it does not
 *   2025-11-25 (legacy)  -32042 URLElicitationRequired error     isError result with the link
 *                        + notifications/elicitation/complete
 *   2026-07-28 (modern)  input_required result: embedded URL     isError result with the link
 *                        elicitation + sealed requestState
 *
 * The isError result is what most clients show today (late 2026, only a few clients show URL
 * elicitation), so it says plainly what to do and carries the link in `_meta` too.
 */
import type { ConnectSession } from '@alter/vault';
import type { CallToolResultShape, InputRequiredShape } from '../internal/call-env.js';
import type { RequestStateSeal } from './request-state-seal.js';

/** `_meta` key carrying the Connect link of a recovery result (for clients that want it structured). */
export const CONNECT_META_KEY = 'dev.alter/connect';

/** The key of the embedded URL elicitation in an `input_required` answer (and of its response on the retry). */
export const CONNECT_INPUT_KEY = 'dev.alter/connect';

/** The three answers. */
export type RecoveryAnswer = 'input-required' | 'url-elicitation-error' | 'connect-link';

/** What the answer depends on, read from the request by the SDK adapter. */
export interface RecoveryClient {
  /** 'legacy': 2025-11-25 and earlier (sessionful); 'modern': 2026-07-28 (per-request envelope, multi-round-trip). */
  readonly era: 'legacy' | 'modern';
  /** True when the client declared URL-mode elicitation (in `initialize`, or in the request's envelope). */
  supportsUrlElicitation(): boolean;
}

/** The answer for `client` (the table in this file's header). */
export function recoveryAnswerFor(client: RecoveryClient): RecoveryAnswer {
  if (!client.supportsUrlElicitation()) return 'connect-link';
  return client.era === 'modern' ? 'input-required' : 'url-elicitation-error';
}

/** One authorization the call needs: the Connect session created for it and the words for the user. */
export interface ConnectNeed {
  readonly tool: string;
  readonly provider: string;
  readonly session: ConnectSession;
  /** Why authorization is needed ("This tool needs access to google."). */
  readonly why: string;
  /** `why` plus what to do, for an elicitation prompt. */
  readonly message: string;
  readonly missingScopes?: readonly string[];
}

/** The `_meta` entry every recovery answer carries. */
function connectMeta(need: ConnectNeed): Record<string, unknown> {
  const { session, provider, missingScopes } = need;
  return {
    [CONNECT_META_KEY]: {
      url: session.url,
      sessionId: session.id,
      provider,
      ...(missingScopes ? { missingScopes: [...missingScopes] } : {}),
    },
  };
}

/** The answer every client understands: an isError result with the link in text and `_meta`. */
export function connectLinkResult(need: ConnectNeed): CallToolResultShape {
  return {
    content: [
      {
        type: 'text',
        text: `${need.why} Ask the user to open this link to authorize ${need.provider}, then call ${need.tool} again: ${need.session.url}`,
      },
    ],
    isError: true,
    _meta: connectMeta(need),
  };
}

/**
 * The 2026-07-28 answer: an `input_required` result whose one embedded request is a URL-mode
 * elicitation of the Connect link, with a request state sealed to this user, tool and arguments
 * that expires with the link. The client opens the link, then retries with the state.
 */
export function inputRequiredAnswer(
  need: ConnectNeed,
  seal: RequestStateSeal,
  binding: { readonly user: string; readonly args: unknown },
): InputRequiredShape {
  const requestState = seal.seal(
    { user: binding.user, tool: need.tool, args: binding.args },
    { kind: 'connect', sessionId: need.session.id, provider: need.provider, expiresAt: need.session.expiresAt },
  );
  return {
    resultType: 'input_required',
    inputRequests: {
      [CONNECT_INPUT_KEY]: { method: 'elicitation/create', params: { mode: 'url', url: need.session.url, message: need.message } },
    },
    requestState,
    _meta: connectMeta(need),
  };
}

/** The user's answer to the embedded URL elicitation, as the retried call reports it. */
export type ConnectElicitationAction = 'accept' | 'decline' | 'cancel' | 'missing';

/** Reads the action of the elicitation response under `key` in a retried call's `inputResponses` (client input: checked, never trusted). */
export function elicitationActionOf(inputResponses: Readonly<Record<string, unknown>> | undefined, key: string): ConnectElicitationAction {
  const response = inputResponses && Object.hasOwn(inputResponses, key) ? inputResponses[key] : undefined;
  const action = (response as { action?: unknown } | null | undefined)?.action;
  return action === 'accept' || action === 'decline' || action === 'cancel' ? action : 'missing';
}

/** Reads the response to {@link CONNECT_INPUT_KEY} from a retried call's `inputResponses`. */
export function connectElicitationAction(inputResponses: Readonly<Record<string, unknown>> | undefined): ConnectElicitationAction {
  return elicitationActionOf(inputResponses, CONNECT_INPUT_KEY);
}

/** The answer when the user declined (or dismissed) the link: the call ends; the model learns why. */
export function declinedResult(tool: string, provider: string, action: 'decline' | 'cancel'): CallToolResultShape {
  const what = action === 'decline' ? 'declined to authorize' : 'dismissed the request to authorize';
  return {
    content: [
      {
        type: 'text',
        text: `The user ${what} ${provider}, so ${tool} did not run. Call ${tool} again if they want to connect ${provider}.`,
      },
    ],
    isError: true,
  };
}
