/**
 * The {@link AlterContext} implementation.
 *
 * Call identity (user, provider, scopes, chain, call id) cannot be changed from tool code
 * (docs/security.md, "Call identity and results"):
 * - all state is in private (#) fields, and the call state is never returned by any member —
 *   the framework reads it through {@link callStateOf}, a module-private accessor;
 * - the instance, its `log` object and functions, the prototype, its methods and the class are
 *   frozen, so no getter or method can be replaced (for this call or for later ones);
 * - only the framework can construct a context (a module-private key), so a tool cannot forge
 *   one with another user's state and pass it to a nested tool call.
 * Everything the context sends to the client (progress, logs, sampling, elicitation) is redacted
 * through the call's secrets first.
 */
import type { AlterVault, Logger, VaultRequestOptions, VaultResponse } from '@alter/vault';
import { currentCallSecrets, requireKnownRequestOptions, VAULT_REQUEST_OPTION_KEYS, withCallSecrets } from '@alter/vault/internal';
import { ForeignContextError } from '../errors.js';
import type { AlterContext, AlterRequestOptions, ElicitParams, SamplingParams, ToolLog, ToolLogLevel } from '../alter-context.js';
import { withAccountChoice } from './account-choice.js';
import { approvalGate } from './approval-prompt.js';
import type { CallState } from './call-state.js';

const NO_OPTIONS: AlterRequestOptions = Object.freeze({});
/**
 * The request options that are the call's, not tool code's: ctx.request() replaces them (see
 * request()). Typed as the keys AlterRequestOptions leaves out, so the list cannot name another.
 */
const CALL_OWNED_OPTIONS: readonly Exclude<keyof VaultRequestOptions, keyof AlterRequestOptions>[] = [
  'user',
  'scopes',
  'endpoints',
  'approval',
  'approvalAsker',
];
/** What an unknown-option error offers tool code: every request option but the call's own. */
const TOOL_REQUEST_OPTION_KEYS: readonly string[] = Object.freeze(
  VAULT_REQUEST_OPTION_KEYS.filter((key) => !(CALL_OWNED_OPTIONS as readonly string[]).includes(key)),
);
/** Held only by this module: `new ctx.constructor(...)` from tool code throws. */
const CREATE: unique symbol = Symbol('ToolCallContext.create');
/** Set by the class's static block: the one way to read a context's state. */
let readState: (ctx: ToolCallContext) => CallState;
/** Set by the class's static block: true only for an object the class's constructor built. */
let hasContextBrand: (value: object) => boolean;

/** True for a context created by the framework (used to recognize nested tool calls). */
export function isToolCallContext(value: unknown): value is ToolCallContext {
  // A private-field brand check: only the constructor installs #state, so it cannot be forged or
  // proxied (a WeakSet of every context did the same at the cost of an insertion per call).
  return typeof value === 'object' && value !== null && hasContextBrand(value);
}

/** The call state of a framework-created context (for nested calls). Not reachable from the context itself. */
export function callStateOf(ctx: ToolCallContext): CallState {
  return readState(ctx);
}

/**
 * True when a context with `state` is used outside its own call: its call has ended, or the
 * code runs inside another call (another call's secret scope is current). Code detached from
 * any call's async context (no scope) is allowed: the request re-enters the context's own scope.
 */
export function outsideItsCall(state: CallState): boolean {
  if (state.ended.aborted) return true;
  const ambient = currentCallSecrets();
  return ambient !== undefined && ambient !== state.secrets;
}

/** Creates the context a tool method receives. `state` must be frozen (tool-runner.ts builds it). */
export function createToolCallContext(vault: AlterVault, state: CallState, tool: ToolBinding, logger: Logger): ToolCallContext {
  return new ToolCallContext(CREATE, vault, state, tool, logger);
}

export interface ToolBinding {
  readonly name: string;
  readonly provider: string | null;
  readonly scopes: readonly string[];
  /** The tool's declared endpoints (frozen): every request is checked against them. */
  readonly endpoints?: readonly string[];
  /** `'required'`: each request is sent only after the user approves it (approval-prompt.ts). */
  readonly approval?: 'required';
}

export class ToolCallContext implements AlterContext {
  static {
    readState = (ctx) => ctx.#state;
    hasContextBrand = (value) => #state in value;
  }

  readonly #vault: AlterVault;
  readonly #state: CallState;
  readonly #tool: ToolBinding;
  readonly #logger: Logger;
  /**
   * Built on first use of `log` (most tools never log): five frozen closures per call were a
   * measurable share of the per-call cost. Private fields stay assignable on a frozen instance,
   * and the getter lives on the frozen prototype, so tool code still cannot replace it.
   */
  #log: ToolLog | undefined;

  /** @throws TypeError unless called by {@link createToolCallContext}. */
  constructor(key: typeof CREATE, vault: AlterVault, state: CallState, tool: ToolBinding, logger: Logger) {
    if (key !== CREATE)
      throw new TypeError(
        'An AlterContext is created by the framework for each tool call; a tool receives it as its first parameter and cannot construct one.',
      );
    this.#vault = vault;
    this.#state = state;
    // Bindings come from bindingOf() (tool-runner.ts), frozen once per tool with a frozen copy of
    // the scopes; anything else is copied so later mutation of the caller's object cannot reach us.
    this.#tool =
      Object.isFrozen(tool) && Object.isFrozen(tool.scopes) && (tool.endpoints === undefined || Object.isFrozen(tool.endpoints))
        ? tool
        : Object.freeze({
            name: tool.name,
            provider: tool.provider,
            scopes: Object.freeze([...tool.scopes]),
            ...(tool.endpoints !== undefined ? { endpoints: Object.freeze([...tool.endpoints]) } : {}),
            ...(tool.approval === 'required' ? { approval: 'required' as const } : {}),
          });
    this.#logger = logger;
    // Bindings are one frozen object per tool (bindingOf), so a tool called again in the tree is found.
    if (tool.provider !== null && tool.scopes.length > 0 && !state.scopedTools.includes(this.#tool)) state.scopedTools.push(this.#tool);
    Object.freeze(this);
  }

  /** Logs to the server logger and, when the client listens, as an MCP logging notification. */
  get log(): ToolLog {
    if (this.#log === undefined) {
      const at = (level: ToolLogLevel) =>
        Object.freeze((message: string, data?: Readonly<Record<string, unknown>>) => this.#writeLog(level, message, data));
      this.#log = Object.freeze({
        debug: at('debug'),
        info: at('info'),
        warning: at('warning'),
        error: at('error'),
        log: Object.freeze((l: ToolLogLevel, m: string, d?: Readonly<Record<string, unknown>>) => this.#writeLog(l, m, d)),
      });
    }
    return this.#log;
  }

  get user(): string {
    return this.#state.user;
  }
  get toolName(): string {
    return this.#tool.name;
  }
  get provider(): string | null {
    return this.#tool.provider;
  }
  get callId(): string {
    return this.#state.callId;
  }
  get signal(): AbortSignal {
    return this.#state.signal;
  }

  request(method: string, url: string, options?: AlterRequestOptions): Promise<VaultResponse> {
    const provider = this.#tool.provider;
    if (provider === null) {
      return Promise.reject(
        new TypeError(
          `Tool ${this.#tool.name} was declared without a provider, so ctx.request() has no credentials to use. Declare it with @AlterTool('<provider>', {...}).`,
        ),
      );
    }
    if (typeof options === 'object' && options !== null) {
      // A misspelt option (`query` for `queryParams`) would be dropped below, unseen; `user`,
      // `scopes` and the other keys tool code may not set are accepted here and replaced below.
      try {
        requireKnownRequestOptions(options, 'options', TOOL_REQUEST_OPTION_KEYS);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    const state = this.#state;
    if (state.ended.aborted) return Promise.reject(new ForeignContextError(this.#tool.name));
    const ambient = currentCallSecrets();
    if (ambient !== undefined && ambient !== state.secrets) return Promise.reject(new ForeignContextError(this.#tool.name));
    const signal = options?.signal ? AbortSignal.any([options.signal, state.signal]) : state.signal;
    // `user` and `scopes` are the call's, whatever `options` holds. The declared endpoints
    // too (undefined when the tool declares none): tool code can neither widen what its tool may
    // reach nor declare endpoints for an undeclared tool. Several accounts and none named: the user
    // is asked which one (account-choice.ts). A tool declared with `approval: 'required'` asks the user
    // to approve each exact request (approval-prompt.ts); `approval` comes last too, so tool code
    // can neither drop nor answer it. `approvalAsker` (the frozen call state; its gate is built only
    // when a vault rule asks) lets a rule's approval be asked inline too, and tool code cannot
    // replace it with its own.
    const approval = this.#tool.approval === 'required' ? approvalGate(state, this.#tool.name) : undefined;
    const o: AlterRequestOptions = options ?? NO_OPTIONS;
    // Every option named, in one fixed order: the vault's request path then sees objects of a
    // single shape (a spread of the tool's options made a new shape per call site). The type
    // lists every key of VaultRequestOptions, so an option added to the vault cannot be dropped here.
    const sent: { readonly [K in keyof Required<VaultRequestOptions>]: VaultRequestOptions[K] } = {
      account: o.account,
      json: o.json,
      body: o.body,
      queryParams: o.queryParams,
      pathParams: o.pathParams,
      extraHeaders: o.extraHeaders,
      reason: o.reason,
      timeoutMs: o.timeoutMs,
      maxResponseBytes: o.maxResponseBytes,
      scopeErrors: o.scopeErrors,
      signal,
      user: state.user,
      scopes: this.#tool.scopes,
      endpoints: this.#tool.endpoints,
      approval,
      approvalAsker: state,
    };
    const send = () =>
      withAccountChoice(state, this.#tool.name, provider, sent, (opts) => this.#vault.request(provider, method, url, opts));
    // Already inside this call's secret scope (the usual case): entering it again would only cost
    // an AsyncLocalStorage run. A request made from a detached async context enters it explicitly,
    // so its secrets are tracked too.
    return ambient === state.secrets ? send() : withCallSecrets(state.secrets, send);
  }

  progress(done: number, total?: number, message?: string): Promise<void> {
    if (typeof done !== 'number' || !Number.isFinite(done))
      return Promise.reject(new TypeError('ctx.progress(done): done must be a finite number'));
    return this.#state.channel.progress(done, total, typeof message === 'string' ? this.#state.secrets.redactText(message) : message);
  }

  createMessage(params: SamplingParams): Promise<Readonly<Record<string, unknown>>> {
    // Sampling sends text straight to the client's model: redact like a result.
    return this.#state.channel.request('sampling', this.#state.secrets.redact(params));
  }

  elicitInput(params: ElicitParams): Promise<Readonly<Record<string, unknown>>> {
    return this.#state.channel.request('elicitation', this.#state.secrets.redact(params));
  }

  closeSseStream(): boolean {
    return this.#state.channel.closeSseStream();
  }

  async #writeLog(level: ToolLogLevel, rawMessage: string, rawData?: Readonly<Record<string, unknown>>): Promise<void> {
    const secrets = this.#state.secrets;
    const message = typeof rawMessage === 'string' ? secrets.redactText(rawMessage) : rawMessage;
    const data = rawData === undefined ? undefined : secrets.redact(rawData);
    const fields = { tool: this.#tool.name, callId: this.#state.callId, ...(data ?? {}) };
    if (level === 'debug') this.#logger.debug(message, fields);
    else if (level === 'info' || level === 'notice') this.#logger.info(message, fields);
    else if (level === 'warning') this.#logger.warn(message, fields);
    else this.#logger.error(message, fields);
    await this.#state.channel.log(level, this.#tool.name, data === undefined ? message : { message, ...data });
  }

  toJSON(): Record<string, unknown> {
    return { toolName: this.#tool.name, provider: this.#tool.provider, user: this.#state.user, callId: this.#state.callId };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `AlterContext { tool: ${this.#tool.name}, user: ${this.#state.user}, callId: ${this.#state.callId} }`;
  }
}

// Frozen methods, getters, prototype and class: replacing `request` or the `user` getter on the
// prototype would otherwise change every later context too.
const proto = ToolCallContext.prototype;
for (const key of [...Object.getOwnPropertyNames(proto), ...Object.getOwnPropertySymbols(proto)]) {
  const descriptor = Object.getOwnPropertyDescriptor(proto, key);
  for (const fn of [descriptor?.value, descriptor?.get, descriptor?.set])
    if (typeof fn === 'function' && fn !== ToolCallContext) Object.freeze(fn);
}
Object.freeze(proto);
Object.freeze(ToolCallContext);
