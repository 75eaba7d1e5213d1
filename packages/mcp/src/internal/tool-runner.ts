/**
 * The call pipeline: resolve the user → validate → run inside the audit context → map the result;
 * and the single seam (tRPC-style) where any thrown value becomes an MCP result or error,
 * including the Connect-URL recovery for missing/revoked grants and missing scopes.
 */
import { randomUUID } from 'node:crypto';
import type { AlterVault, ApprovalPendingError, ConnectSession, Logger } from '@alter/vault';
import { isAlterError } from '@alter/vault';
import { CallSecrets, withToolCallScope } from '@alter/vault/internal';
import {
  isAlterMcpError,
  NoUserError,
  ForeignContextError,
  RequestStateError,
  ToolError,
  ToolInputError,
  ToolNestingError,
  ToolOutputError,
} from '../errors.js';
import { approvalLinkResult } from '../recovery/approval-answer.js';
import { ApprovalRound } from '../recovery/approval-round.js';
import { callApprovalGate } from './approval-prompt.js';
import { connectLinkResult, type ConnectNeed, inputRequiredAnswer, recoveryAnswerFor } from '../recovery/recovery-answer.js';
import { requestStateSealOf } from '../recovery/request-state-key.js';
import { type Resumption, resumeRetriedCall } from '../recovery/retried-call.js';
import { ToolResult } from '../tool-result.js';
import { type CallEnv, type CallerAuthInfo, type CallToolResultShape, isInputRequired, type ToolCallAnswer } from './call-env.js';
import { type CallState, declaredScopes, type Registration } from './call-state.js';
import type { CompiledTool } from './module-scanner.js';
import { callStateOf, createToolCallContext, outsideItsCall, type ToolBinding, type ToolCallContext } from './tool-call-context.js';

export interface RunnerOptions {
  readonly defaultUser: string | undefined;
  readonly userFromAuth: ((authInfo: CallerAuthInfo) => string | undefined) | undefined;
  readonly maxNestingDepth: number;
}

export { CONNECT_META_KEY } from '../recovery/recovery-answer.js';

export class ToolRunner {
  readonly #vault: AlterVault;
  readonly #logger: Logger;
  readonly #options: RunnerOptions;
  readonly #closing = new AbortController();
  readonly #watches = new Set<Promise<void>>();

  constructor(vault: AlterVault, logger: Logger, options: RunnerOptions) {
    this.#vault = vault;
    this.#logger = logger;
    this.#options = options;
  }

  resolveUser(authInfo: CallerAuthInfo | undefined): string | undefined {
    if (authInfo) {
      const fromExtra = authInfo.extra?.user;
      if (typeof fromExtra === 'string' && fromExtra !== '') return fromExtra;
      const derived = this.#options.userFromAuth?.(authInfo);
      if (typeof derived === 'string' && derived !== '') return derived;
      // An authenticated request never silently runs as the default user.
      return undefined;
    }
    return this.#options.defaultUser;
  }

  /** A top-level `tools/call`. Returns a result (or input_required); throws only protocol errors (URL elicitation, refused request state). */
  async call(tool: CompiledTool, args: unknown, env: CallEnv, registration?: Registration): Promise<ToolCallAnswer> {
    const user = this.resolveUser(env.authInfo);
    if (user === undefined) {
      const err = new NoUserError(tool.name);
      this.#logger.warn('tool call refused: no user', { tool: tool.name });
      return errorResult(err.message);
    }
    const validation = tool.input.validate(args ?? {});
    const parsed = validation instanceof Promise ? await validation : validation;
    if (!parsed.ok) return errorResult(new ToolInputError(tool.name, parsed.issues).message);
    let resumed: Resumption | undefined;
    if (env.retry) {
      // A 2026 retry of an input_required answer: its sealed state must hold before anything runs.
      resumed = await resumeRetriedCall(this.#vault, this.#logger, env.retry, { user, tool: tool.name, args }, env.signal).catch(
        (err: unknown) => {
          if (!(err instanceof RequestStateError)) throw err;
          this.#logger.warn('retried call refused: request state', { tool: tool.name, reason: err.reason });
          throw env.invalidRequestStateError(err);
        },
      );
      if (resumed.result) return resumed.result;
    }
    // 2026-07-28 with form elicitation declared: approvals are asked by input_required.
    const approvalRound =
      env.era === 'modern' && env.supportsFormInputRequest?.() === true
        ? new ApprovalRound(this.#vault, this.#logger, resumed?.approval)
        : undefined;
    const lifetime = { aborted: false };
    // Frozen, and never returned by the context: tool code cannot change who the call runs as.
    // One shape for every call (absent parts are undefined, not missing keys), so the code that
    // reads the state sees a single hidden class.
    const state: CallState = Object.freeze({
      user,
      callId: randomUUID(),
      signal: env.signal,
      channel: env.channel,
      chain: chainOf(tool),
      scopedTools: [],
      accountChoices: new Map(),
      ended: lifetime,
      secrets: new CallSecrets(),
      approvalGate: callApprovalGate,
      registration,
      approvalRound,
    });
    const ctx = createToolCallContext(this.#vault, state, bindingOf(tool), this.#logger);
    let result: ToolCallAnswer;
    // True for a result built here around one string that is already redacted (plainResult):
    // nothing in it is tool-owned (no getter to detach) and nothing is left to redact, so it skips
    // the deep copy of the exit below (the copy was the largest single cost of ours in the MCP layer).
    let redacted = false;
    try {
      const value = await withToolCallScope(
        this.#vault,
        state.secrets,
        { tool: tool.name, declaredTool: tool.declaredName, callId: state.callId },
        () => tool.method.call(tool.instance, ctx, parsed.value),
      );
      // Without an output schema the mapping is synchronous: no promise (and await) per call.
      if (tool.output === undefined && !(value instanceof ToolResult)) {
        result = plainResult(value, state.secrets);
        redacted = true;
      } else result = await mapResult(tool, value);
    } catch (err) {
      result = await this.#recover(tool, err, state, env, args);
    } finally {
      lifetime.aborted = true;
    }
    // The call stopped at an approval question: it ends with that question, whatever the tool made of the refusal.
    if (approvalRound?.asking)
      return approvalRound.inputRequired(await requestStateSealOf(this.#vault), { user, tool: tool.name, args }, (v) =>
        state.secrets.redact(v),
      );
    // The one exit of a tool result: no secret the vault used for this call reaches the model
    // (text, structuredContent, _meta, error messages alike). An input_required answer is built
    // by Alter from a Connect link and a sealed state only (an approval question is redacted as it
    // is built), and a plain result from redacted text (no await since, so no secret noted later).
    return redacted || isInputRequired(result) ? result : state.secrets.redact(result);
  }

  /** A tool method called from another tool's body (`this.listEmails(ctx, {...})`). */
  async callNested(tool: CompiledTool, parent: ToolCallContext, input: unknown): Promise<unknown> {
    // The parent's own state (user, call id, secrets): a nested call never picks its identity.
    const state = callStateOf(parent);
    if (outsideItsCall(state)) throw new ForeignContextError(tool.name);
    if (state.chain.length >= this.#options.maxNestingDepth)
      throw new ToolNestingError([...state.chain, tool.name], this.#options.maxNestingDepth);
    const validation = tool.input.validate(input ?? {});
    const parsed = validation instanceof Promise ? await validation : validation;
    if (!parsed.ok) throw new ToolInputError(tool.name, parsed.issues);
    const child: CallState = Object.freeze({ ...state, chain: Object.freeze([...state.chain, tool.name]) });
    const ctx = createToolCallContext(this.#vault, child, bindingOf(tool), this.#logger);
    return this.#vault.withAuditContext({ tool: tool.name, declaredTool: tool.declaredName, callId: state.callId }, () =>
      tool.method.call(tool.instance, ctx, parsed.value),
    );
  }

  /** Stops waiting for pending Connect sessions (URL elicitations). */
  async close(): Promise<void> {
    this.#closing.abort();
    await Promise.allSettled([...this.#watches]);
  }

  async #recover(tool: CompiledTool, err: unknown, state: CallState, env: CallEnv, args: unknown): Promise<ToolCallAnswer> {
    const code = (err as { code?: unknown } | null)?.code;
    if (code === 'ALTER_GRANT_NOT_FOUND' || code === 'ALTER_GRANT_REVOKED' || code === 'ALTER_SCOPE_REAUTH_REQUIRED') {
      return this.#connect(
        tool,
        err as { provider: string; user?: string; missingScopes?: readonly string[]; revoked?: boolean },
        state,
        env,
        args,
      );
    }
    if (code === 'ALTER_APPROVAL_PENDING') {
      // The user approves at the link; the model retries the same call (approval-answer.ts).
      this.#logger.info('tool call waits for an approval by URL', { tool: tool.name, callId: state.callId });
      return approvalLinkResult(tool.name, err as ApprovalPendingError);
    }
    if (err instanceof ToolError) return errorResult(err.message);
    if (
      err instanceof ToolInputError ||
      err instanceof ToolNestingError ||
      err instanceof ToolOutputError ||
      err instanceof ForeignContextError
    ) {
      this.#logger.warn('tool call failed', { tool: tool.name, callId: state.callId, error: err.code });
      return errorResult(err.message);
    }
    if (isAlterError(err) || isAlterMcpError(err)) {
      // Alter errors are secret-free by contract and say what to do.
      this.#logger.warn('tool call failed', { tool: tool.name, callId: state.callId, error: (err as { code: string }).code });
      return errorResult(`Tool ${tool.name} failed: ${(err as Error).message}`);
    }
    const name = err instanceof Error ? err.name : typeof err;
    this.#logger.error('tool threw', {
      tool: tool.name,
      callId: state.callId,
      error: name,
      // Redacted before it is cut, so a cut never leaves half a token behind.
      message: err instanceof Error ? state.secrets.redactText(String(err.message)).slice(0, 500) : undefined,
    });
    return errorResult(
      `Tool ${tool.name} failed with an internal error (${name}). It was logged on the server with call id ${state.callId}.`,
    );
  }

  async #connect(
    tool: CompiledTool,
    err: { provider: string; user?: string; missingScopes?: readonly string[]; revoked?: boolean },
    state: CallState,
    env: CallEnv,
    args: unknown,
  ): Promise<ToolCallAnswer> {
    const provider = err.provider;
    const user = typeof err.user === 'string' && err.user !== '' ? err.user : state.user;
    const scopes = [...declaredScopes(state, provider), ...(err.missingScopes ?? [])];
    let session: ConnectSession;
    try {
      // 'confirm': the link may travel through the model and the client, so it opens on an
      // interstitial naming the app and the user, and binds the browser that confirms it.
      session = await this.#vault.connect.createSession({ user, providers: { [provider]: [...new Set(scopes)] }, bind: 'confirm' });
    } catch (e) {
      this.#logger.error('could not create a Connect session', {
        tool: tool.name,
        provider,
        error: (e as { code?: unknown })?.code ?? (e as Error)?.name,
      });
      const detail = isAlterError(e) ? ` ${(e as Error).message}` : '';
      return errorResult(`Tool ${tool.name} needs the user to authorize ${provider}, but a Connect link could not be created.${detail}`);
    }
    const missing = err.missingScopes && err.missingScopes.length > 0 ? err.missingScopes : undefined;
    const why = missing
      ? `The ${provider} authorization is missing permissions (${missing.join(', ')}).`
      : err.revoked
        ? `The ${provider} authorization was revoked.`
        : `This tool needs access to ${provider}.`;
    const message = `${why} Open the link to authorize, then try again.`;
    this.#logger.info('tool needs authorization; Connect session created', {
      tool: tool.name,
      provider,
      user,
      session: session.id.slice(0, 6),
    });
    const need: ConnectNeed = { tool: tool.name, provider, session, why, message, ...(missing ? { missingScopes: missing } : {}) };
    switch (recoveryAnswerFor(env)) {
      case 'url-elicitation-error':
        this.#watch(session, env);
        throw env.urlElicitationError([{ elicitationId: session.id, url: session.url, message }]);
      case 'input-required':
        // Sealed to the call's own user (who the retry must be), not the error's.
        return inputRequiredAnswer(need, await requestStateSealOf(this.#vault), { user: state.user, args });
      case 'connect-link':
        return connectLinkResult(need);
    }
  }

  #watch(session: ConnectSession, env: CallEnv): void {
    const timeoutMs = Math.max(1_000, session.expiresAt.getTime() - Date.now() + 5_000);
    const p = this.#vault.connect
      .waitFor(session.id, { signal: this.#closing.signal, timeoutMs })
      .then(async (result) => {
        if (result.status === 'complete') await env.notifyElicitationComplete(session.id);
        else this.#logger.info('Connect session ended without a grant', { session: session.id.slice(0, 6), status: result.status });
      })
      .catch((e: unknown) => {
        if (!this.#closing.signal.aborted)
          this.#logger.debug('stopped waiting for a Connect session', { session: session.id.slice(0, 6), error: (e as Error)?.name });
      })
      .finally(() => this.#watches.delete(p));
    this.#watches.add(p);
  }
}

/** The frozen one-tool chain of a top-level call, built once per compiled tool. */
const chains = new WeakMap<CompiledTool, readonly string[]>();
function chainOf(tool: CompiledTool): readonly string[] {
  let chain = chains.get(tool);
  if (chain === undefined) {
    chain = Object.freeze([tool.name]);
    chains.set(tool, chain);
  }
  return chain;
}

/** One frozen binding per compiled tool, built once: the context then needs no per-call copy. */
const bindings = new WeakMap<CompiledTool, ToolBinding>();
function bindingOf(tool: CompiledTool): ToolBinding {
  let binding = bindings.get(tool);
  if (binding === undefined) {
    binding = Object.freeze({
      name: tool.name,
      provider: tool.metadata.provider,
      scopes: Object.freeze([...tool.metadata.scopes]),
      ...(tool.metadata.endpoints !== undefined ? { endpoints: tool.metadata.endpoints } : {}),
      ...(tool.metadata.approval === 'required' ? { approval: 'required' as const } : {}),
    });
    bindings.set(tool, binding);
  }
  return binding;
}

function errorResult(text: string): CallToolResultShape {
  return { content: [{ type: 'text', text }], isError: true };
}

/**
 * The result of a ToolResult, or of a value checked against the tool's output schema (the call's
 * exit redacts it). A plain value of a tool without an output schema is {@link plainResult}'s.
 */
async function mapResult(tool: CompiledTool, value: unknown): Promise<CallToolResultShape> {
  if (value instanceof ToolResult) {
    if (tool.output && !value.isError) {
      if (value.structuredContent === undefined)
        throw new ToolOutputError(tool.name, [
          { path: '', message: 'the tool declares an output schema but its ToolResult has no structuredContent' },
        ]);
      const checked = await tool.output.validate(value.structuredContent);
      if (!checked.ok) throw new ToolOutputError(tool.name, checked.issues);
      return { content: value.content, structuredContent: checked.value as Record<string, unknown>, isError: false };
    }
    return {
      content: value.content,
      ...(value.structuredContent ? { structuredContent: value.structuredContent } : {}),
      ...(value.isError ? { isError: true } : {}),
    };
  }
  if (tool.output === undefined) throw new TypeError(`mapResult(${tool.name}): a plain value without an output schema is plainResult's`);
  const checked = await tool.output.validate(value);
  if (!checked.ok) throw new ToolOutputError(tool.name, checked.issues);
  return {
    content: [{ type: 'text', text: JSON.stringify(checked.value) }],
    structuredContent: checked.value as Record<string, unknown>,
  };
}

/**
 * The result of a tool without an output schema that returned a plain value (not a ToolResult):
 * one text item (the string, or the value's JSON) with every secret of the call redacted.
 */
function plainResult(value: unknown, secrets: CallSecrets): CallToolResultShape {
  if (value === undefined) return { content: [] };
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null');
  return { content: [{ type: 'text', text: secrets.redactText(text) }] };
}
