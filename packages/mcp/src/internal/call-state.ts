/**
 * Everything one MCP tool call (and the nested tool calls it makes) shares. Built by the call
 * pipeline from the SDK's request "extra"; the context reaches the protocol only through these
 * callbacks, so nothing here imports the SDK.
 */
import type { ApprovalAsker } from '@alter/vault';
import type { CallSecrets } from '@alter/vault/internal';
import type { ToolLogLevel } from '../alter-context.js';
import type { ApprovalRound } from '../recovery/approval-round.js';
import type { CompiledTool } from './module-scanner.js';

/**
 * One `register()` call: each unprefixed compiled tool → the tool as that call registered it (its
 * final, prefixed name). Nested calls look their target up here so audits carry the right name.
 */
export type Registration = ReadonlyMap<CompiledTool, CompiledTool>;

/** What a Connect session needs of a tool that declared scopes. */
export interface ScopedTool {
  readonly provider: string | null;
  readonly scopes: readonly string[];
}

/** The scopes the tools of a call tree declared for `provider` (each once, in declaration order). */
export function declaredScopes(state: CallState, provider: string): string[] {
  const scopes = new Set<string>();
  for (const tool of state.scopedTools) if (tool.provider === provider) for (const s of tool.scopes) scopes.add(s);
  return [...scopes];
}

export interface CallChannel {
  /** Sends a progress notification (no-op without a progress token). */
  progress(done: number, total: number | undefined, message: string | undefined): Promise<void>;
  /** Sends an MCP logging notification when the server and the client's level allow it. */
  log(level: ToolLogLevel, logger: string, data: unknown): Promise<void>;
  /**
   * True when the client can answer a form-mode `elicitation/create` on this call: it declared
   * `elicitation.form` (or a bare `elicitation: {}`, which means form mode), and the call's
   * protocol revision lets the server send requests mid-call.
   */
  supportsFormElicitation(): boolean;
  /** Sends a server→client request (`sampling/createMessage`, `elicitation/create`). */
  request(kind: 'sampling' | 'elicitation', params: Readonly<Record<string, unknown>>): Promise<Readonly<Record<string, unknown>>>;
  /** Closes the SSE stream carrying this call's response; false when the transport has none to close. */
  closeSseStream(): boolean;
}

/**
 * Whether a call has ended. A plain flag, not an AbortSignal: an AbortController per call (its
 * lazily built signal and the abort event) was among the largest per-call costs in the profile,
 * and nothing listens for the end. Only the call pipeline holds the writable object.
 */
export interface CallEnd {
  readonly aborted: boolean;
}

/**
 * The identity and plumbing of one call tree. Frozen when built (tool-runner.ts) and reachable
 * only through module-private accessors: nothing a tool can reach returns it (Trust I, finding 3).
 */
export interface CallState extends ApprovalAsker {
  readonly user: string;
  readonly callId: string;
  readonly signal: AbortSignal;
  readonly channel: CallChannel;
  /** Names of the tools from the outermost to the current one. */
  readonly chain: readonly string[];
  /**
   * The tools of this call tree that declared scopes, in the order their contexts were made: the
   * scopes a Connect session asks for are their union per provider, computed only when one is
   * needed (a Map and a Set per call were a measurable part of every call's cost).
   */
  readonly scopedTools: ScopedTool[];
  /**
   * The account the user chose per provider when asked during this call tree (see
   * account-choice.ts): later requests to that provider use it without asking again.
   */
  readonly accountChoices: Map<string, Promise<string>>;
  /** The registration the outermost tool was called through (absent for direct calls). */
  readonly registration: Registration | undefined;
  /** `aborted` turns true when the top-level call has returned: a context kept for later can no longer act (see outsideItsCall). */
  readonly ended: CallEnd;
  /** Secrets the vault used for this call tree; results are redacted through it before they leave. */
  readonly secrets: CallSecrets;
  /**
   * 2026-07-28 calls whose client declared form elicitation: approvals are asked by input_required
   * (recovery/approval-round.ts) instead of a mid-call elicitation.
   */
  readonly approvalRound: ApprovalRound | undefined;
  /**
   * The gate for a request a vault policy rule wants approved (`callApprovalGate`, shared by all
   * calls): `ctx.request` hands the state to the vault as its `approvalAsker`, which calls this
   * only when a rule asks.
   */
  approvalGate(): ReturnType<ApprovalAsker['approvalGate']>;
}
