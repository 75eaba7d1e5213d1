/** The {@link AlterContext} implementation. All state is private (#), so nothing leaks through inspection. */
import type { AlterVault, VaultResponse } from '@alter/vault';
import type { AlterContext, AlterRequestOptions, ElicitParams, SamplingParams, ToolLog, ToolLogLevel } from '../alter-context.js';
import type { CallState } from './call-state.js';
import type { Logger } from '@alter/vault';

const contexts = new WeakSet<object>();

/** True for a context created by the framework (used to recognize nested tool calls). */
export function isToolCallContext(value: unknown): value is ToolCallContext {
  return typeof value === 'object' && value !== null && contexts.has(value);
}

export interface ToolBinding {
  readonly name: string;
  readonly provider: string | null;
  readonly scopes: readonly string[];
}

export class ToolCallContext implements AlterContext {
  readonly #vault: AlterVault;
  readonly #state: CallState;
  readonly #tool: ToolBinding;
  readonly #logger: Logger;
  readonly log: ToolLog;

  constructor(vault: AlterVault, state: CallState, tool: ToolBinding, logger: Logger) {
    this.#vault = vault;
    this.#state = state;
    this.#tool = tool;
    this.#logger = logger;
    const at = (level: ToolLogLevel) => (message: string, data?: Readonly<Record<string, unknown>>) => this.#log(level, message, data);
    this.log = Object.freeze({ debug: at('debug'), info: at('info'), warning: at('warning'), error: at('error'), log: (l: ToolLogLevel, m: string, d?: Readonly<Record<string, unknown>>) => this.#log(l, m, d) });
    if (tool.provider !== null) {
      const set = state.scopesByProvider.get(tool.provider) ?? new Set<string>();
      for (const s of tool.scopes) set.add(s);
      state.scopesByProvider.set(tool.provider, set);
    }
    contexts.add(this);
    Object.freeze(this);
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

  /** @internal the call state, for nested calls. */
  get state(): CallState {
    return this.#state;
  }

  request(method: string, url: string, options: AlterRequestOptions = {}): Promise<VaultResponse> {
    if (this.#tool.provider === null) {
      return Promise.reject(new TypeError(`Tool ${this.#tool.name} was declared without a provider, so ctx.request() has no credentials to use. Declare it with @AlterTool('<provider>', {...}).`));
    }
    const signal = options.signal ? AbortSignal.any([options.signal, this.#state.signal]) : this.#state.signal;
    return this.#vault.request(this.#tool.provider, method, url, { ...options, signal, user: this.#state.user, scopes: this.#tool.scopes });
  }

  progress(done: number, total?: number, message?: string): Promise<void> {
    if (typeof done !== 'number' || !Number.isFinite(done)) return Promise.reject(new TypeError('ctx.progress(done): done must be a finite number'));
    return this.#state.channel.progress(done, total, message);
  }

  createMessage(params: SamplingParams): Promise<Readonly<Record<string, unknown>>> {
    return this.#state.channel.request('sampling', params);
  }

  elicitInput(params: ElicitParams): Promise<Readonly<Record<string, unknown>>> {
    return this.#state.channel.request('elicitation', params);
  }

  closeSseStream(): boolean {
    return this.#state.channel.closeSseStream();
  }

  async #log(level: ToolLogLevel, message: string, data?: Readonly<Record<string, unknown>>): Promise<void> {
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
