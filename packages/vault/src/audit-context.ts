/** Ambient audit context: which tool (and which parent tools) a `vault.request()` runs inside. */
import { requireNonEmptyString, requireObject } from './internal/args.js';
import type { CallSecrets } from './call-secrets.js';
import { type AuditFrame, currentAuditFrame, openCallScopeUser, runWithAudit, runWithSecretsAndAudit } from './internal/call-scope.js';

/** The context every audit row written inside {@link AuditContextStore.run} is tagged with. */
export interface AuditContext {
  readonly tool: string;
  /** The name `tool` was declared with, before a registration prefix (`tool` itself when it has none). */
  readonly declaredTool: string;
  /** The tool that called this one, or null at the top. */
  readonly parentTool: string | null;
  /** Every tool from the outermost to this one. */
  readonly chain: readonly string[];
  /** The MCP call id (inherited from the parent when not given), or null. */
  readonly callId: string | null;
}

export interface AuditContextInput {
  readonly tool: string;
  /**
   * The name the tool was declared with when `tool` is the name it is registered under with a
   * prefix (@alter/mcp sets it): a policy rule's `match.tool` matches either. Default: `tool`.
   */
  readonly declaredTool?: string | undefined;
  readonly callId?: string | undefined;
}

/** This store's innermost context in the frames from `frame` outwards (another vault's are skipped). */
function contextOf(owner: AuditContextStore, frame: AuditFrame | undefined): AuditContext | undefined {
  for (let f = frame; f !== undefined; f = f.outer) if (f.owner === owner) return f.context;
  return undefined;
}

/**
 * One vault's audit contexts. They ride on @alter/vault's one AsyncLocalStorage
 * (internal/call-scope.ts), tagged with this store: a context entered on one vault never tags
 * another vault's requests, as when each vault had a storage of its own.
 */
export class AuditContextStore {
  /** Set from the first run() until close(): this vault is then a user of the shared storage. */
  #release: (() => void) | undefined;

  current(): AuditContext | undefined {
    return contextOf(this, currentAuditFrame());
  }

  run<T>(input: AuditContextInput, fn: () => T): T {
    return runWithAudit(this.#enter(input, fn), fn);
  }

  /**
   * {@link run} with `secrets` as the call's secret tracker too, in one AsyncLocalStorage entry
   * (the tool runner's way in: withCallSecrets around run() made two).
   */
  runWithSecrets<T>(input: AuditContextInput, secrets: CallSecrets, fn: () => T): T {
    return runWithSecretsAndAudit(secrets, this.#enter(input, fn), fn);
  }

  /** Checks the arguments of a run and returns what builds its frame from the outer one. */
  #enter(input: AuditContextInput, fn: unknown): (outer: AuditFrame | undefined) => AuditFrame {
    requireObject(input, 'context');
    const tool = requireNonEmptyString(input.tool, 'context.tool');
    const declaredTool = input.declaredTool === undefined ? tool : requireNonEmptyString(input.declaredTool, 'context.declaredTool');
    if (input.callId !== undefined && typeof input.callId !== 'string') requireNonEmptyString(input.callId, 'context.callId');
    if (typeof fn !== 'function') requireObject(undefined, 'fn');
    this.#release ??= openCallScopeUser();
    return (outer) => {
      const parent = contextOf(this, outer);
      const context: AuditContext = Object.freeze({
        tool,
        declaredTool,
        parentTool: parent?.tool ?? null,
        chain: Object.freeze([...(parent?.chain ?? []), tool]),
        callId: input.callId ?? parent?.callId ?? null,
      });
      return { owner: this, context, outer };
    };
  }

  /**
   * Ends this vault's use of the shared storage (vault.close()). On Node 20 every enabled
   * AsyncLocalStorage runs a propagation on every promise the process creates: once no vault that
   * entered a context is left open, the storage is disabled, so a process that closed its vaults
   * keeps no such cost. A later run() enables it again.
   */
  close(): void {
    this.#release?.();
    this.#release = undefined;
  }
}
