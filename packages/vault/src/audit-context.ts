/** Ambient audit context: which tool (and which parent tools) a `vault.request()` runs inside. */
import { AsyncLocalStorage } from 'node:async_hooks';
import { requireNonEmptyString, requireObject } from './internal/args.js';

/** The context every audit row written inside {@link AuditContextStore.run} is tagged with. */
export interface AuditContext {
  readonly tool: string;
  /** The tool that called this one, or null at the top. */
  readonly parentTool: string | null;
  /** Every tool from the outermost to this one. */
  readonly chain: readonly string[];
  /** The MCP call id (inherited from the parent when not given), or null. */
  readonly callId: string | null;
}

export interface AuditContextInput {
  readonly tool: string;
  readonly callId?: string | undefined;
}

export class AuditContextStore {
  readonly #als = new AsyncLocalStorage<AuditContext>();

  current(): AuditContext | undefined {
    return this.#als.getStore();
  }

  run<T>(input: AuditContextInput, fn: () => T): T {
    requireObject(input, 'context');
    const tool = requireNonEmptyString(input.tool, 'context.tool');
    if (input.callId !== undefined && typeof input.callId !== 'string') requireNonEmptyString(input.callId, 'context.callId');
    if (typeof fn !== 'function') requireObject(undefined, 'fn');
    const parent = this.#als.getStore();
    const ctx: AuditContext = Object.freeze({
      tool,
      parentTool: parent?.tool ?? null,
      chain: Object.freeze([...(parent?.chain ?? []), tool]),
      callId: input.callId ?? parent?.callId ?? null,
    });
    return this.#als.run(ctx, fn);
  }

  /**
   * Stops the storage (vault.close()). On Node 20 every AsyncLocalStorage that was ever entered
   * runs a propagation on every promise the process creates, until it is disabled: a closed vault
   * must not keep that cost (nor its storage) for the rest of the process. A later run() enables
   * it again.
   */
  close(): void {
    this.#als.disable();
  }
}
