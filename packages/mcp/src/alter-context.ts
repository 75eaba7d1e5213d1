/**
 * `AlterContext`: the first parameter of every tool method. It runs provider requests as the
 * calling user (the token is injected by the vault and never visible here), reports progress,
 * logs to the client, and carries the cancellation signal. It never appears in a schema.
 */
import type { VaultRequestOptions, VaultResponse } from '@alter/vault';

/** Options of {@link AlterContext.request}: the vault's, minus what the context binds. */
export type AlterRequestOptions = Omit<VaultRequestOptions, 'user' | 'scopes' | 'endpoints' | 'approval' | 'approvalAsker'>;

/** MCP log levels (RFC 5424 names, as the protocol uses them). */
export type ToolLogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error' | 'critical' | 'alert' | 'emergency';

/** `ctx.log`: sends MCP logging notifications (when the server declares `logging`) and writes the server log. */
export interface ToolLog {
  debug(message: string, data?: Readonly<Record<string, unknown>>): Promise<void>;
  info(message: string, data?: Readonly<Record<string, unknown>>): Promise<void>;
  warning(message: string, data?: Readonly<Record<string, unknown>>): Promise<void>;
  error(message: string, data?: Readonly<Record<string, unknown>>): Promise<void>;
  /** Any level. */
  log(level: ToolLogLevel, message: string, data?: Readonly<Record<string, unknown>>): Promise<void>;
}

/** Parameters of `sampling/createMessage` (see the MCP spec); passed through unchanged. */
export type SamplingParams = Readonly<Record<string, unknown>> & { readonly messages: readonly unknown[]; readonly maxTokens: number };
/** Parameters of `elicitation/create` (form mode); passed through unchanged. */
export type ElicitParams = Readonly<Record<string, unknown>> & { readonly message: string };

/** The context a tool method receives first. */
export interface AlterContext {
  /** The user the call runs as. */
  readonly user: string;
  /** The tool's MCP name. */
  readonly toolName: string;
  /** The provider the tool is bound to, or null for tools without credentials. */
  readonly provider: string | null;
  /** Id of this MCP call (shared by nested tools; also in the audit rows). */
  readonly callId: string;
  /** Aborts when the client cancels the call (or the connection closes). */
  readonly signal: AbortSignal;
  /**
   * Calls the provider API as {@link user}: the token is injected by the vault, the tool's scopes
   * are checked first, and an audit row records this tool (and its parents).
   * When the user has several accounts at the provider and `options.account` names none, a
   * client with form elicitation is asked which one to use (once per call; docs/error-recovery.md).
   * @throws GrantNotFoundError / ScopeReauthRequiredError (turned into a Connect URL by the framework),
   *   AccountNotChosenError (the user declined to choose), AccountAmbiguousError (the client cannot
   *   be asked), InvalidArgumentError for an option it does not know (`query` for `queryParams`:
   *   nothing is sent), and the vault's other errors.
   */
  request(method: string, url: string, options?: AlterRequestOptions): Promise<VaultResponse>;
  /** Reports progress; a no-op unless the client sent a progress token. */
  progress(done: number, total?: number, message?: string): Promise<void>;
  /** Logging to the client and the server log. */
  readonly log: ToolLog;
  /** Asks the client's model for a completion (`sampling/createMessage`). @throws when the client does not support sampling. */
  createMessage(params: SamplingParams): Promise<Readonly<Record<string, unknown>>>;
  /** Asks the user for input (`elicitation/create`, form mode). @throws when the client does not support elicitation. */
  elicitInput(params: ElicitParams): Promise<Readonly<Record<string, unknown>>>;
  /**
   * Closes the SSE stream that carries this call's response, without ending the call (SSE polling,
   * SEP-1699): the client reconnects with `Last-Event-ID` and receives the progress, logs and the
   * result it missed. Use it in long-running tools so no connection stays open for minutes.
   * Returns false, doing nothing, when there is no such stream to close: stdio, a JSON (non-SSE)
   * response, or a `serveHttp` without an event store (`eventStore: false`) — closing then would
   * lose the result.
   */
  closeSseStream(): boolean;
}
