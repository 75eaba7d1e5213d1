/** What the call pipeline needs from the protocol layer for one tools/call (built by the SDK adapters in sdk/). */
import type { RequestStateError } from '../errors.js';
import type { RetriedCall } from '../recovery/retried-call.js';
import type { CallerAuthInfo } from '../caller-auth-info.js';
import type { CallChannel } from './call-state.js';

// Public (AlterMCPOptions.userFromAuth names it), so declared outside internal/.
export type { CallerAuthInfo } from '../caller-auth-info.js';

/** One URL-mode elicitation (MCP 2025-11-25). */
export interface UrlElicitation {
  readonly elicitationId: string;
  readonly url: string;
  readonly message: string;
}

export interface CallEnv {
  readonly authInfo: CallerAuthInfo | undefined;
  readonly signal: AbortSignal;
  /** JSON-RPC id of the tools/call request and the transport session, for the call id. */
  readonly requestId: string | number;
  readonly sessionId: string | undefined;
  /** The request's `_meta` (trace context, progress token), as the client sent it. */
  readonly meta: Readonly<Record<string, unknown>> | undefined;
  readonly channel: CallChannel;
  /** 'legacy': 2025-11-25 and earlier (sessionful); 'modern': 2026-07-28 (per-request envelope, multi-round-trip). */
  readonly era: 'legacy' | 'modern';
  /** True when the client declared URL-mode elicitation (in `initialize`, or, modern era, in the request's envelope). */
  supportsUrlElicitation(): boolean;
  /**
   * Modern era: true when the request's envelope declares form-mode elicitation, so an
   * `input_required` answer may embed a form (approval-round.ts). Absent or false otherwise.
   */
  supportsFormInputRequest?(): boolean;
  /** Modern era: what a retried call sent back for an earlier `input_required` answer (absent on a first call). */
  readonly retry?: RetriedCall;
  /** The protocol error (-32602) refusing a retried call's request state. */
  invalidRequestStateError(err: RequestStateError): Error;
  /** The protocol error that asks the client to open URLs (-32042). */
  urlElicitationError(elicitations: readonly UrlElicitation[]): Error;
  /** Sends `notifications/elicitation/complete` for an elicitation. */
  notifyElicitationComplete(elicitationId: string): Promise<void>;
}

/** An MCP `tools/call` result. */
export interface CallToolResultShape {
  readonly content: ReadonlyArray<Readonly<Record<string, unknown>>>;
  readonly structuredContent?: Readonly<Record<string, unknown>>;
  readonly isError?: boolean;
  readonly _meta?: Readonly<Record<string, unknown>>;
}

/**
 * A 2026-07-28 `input_required` result (multi-round-trip request): embedded requests for the
 * client to fulfil, and the opaque state it echoes back on the retry.
 */
export interface InputRequiredShape {
  readonly resultType: 'input_required';
  readonly inputRequests: Readonly<Record<string, { readonly method: string; readonly params: Readonly<Record<string, unknown>> }>>;
  readonly requestState: string;
  readonly _meta?: Readonly<Record<string, unknown>>;
}

/** What a `tools/call` of an Alter tool answers with: a result, or (modern era only) input_required. */
export type ToolCallAnswer = CallToolResultShape | InputRequiredShape;

/** True for the input_required answer (only ever produced for a modern-era request). */
export function isInputRequired(answer: ToolCallAnswer): answer is InputRequiredShape {
  return (answer as { resultType?: unknown }).resultType === 'input_required';
}

/** An MCP tool definition as listed by `tools/list`. */
export interface ToolDefinition {
  readonly name: string;
  readonly title?: string;
  readonly description: string;
  readonly inputSchema: Readonly<Record<string, unknown>>;
  readonly outputSchema?: Readonly<Record<string, unknown>>;
  readonly annotations?: Readonly<Record<string, unknown>>;
  readonly _meta?: Readonly<Record<string, unknown>>;
}

/** What the SDK adapter dispatches to: the Alter tools registered on one server. */
export interface ToolTable {
  /** Precomputed at registration; served as is. */
  readonly listing: readonly ToolDefinition[];
  has(name: string): boolean;
  call(name: string, args: unknown, env: CallEnv): Promise<ToolCallAnswer>;
}
