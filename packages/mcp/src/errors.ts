/**
 * Every error @alter/mcp throws. Each class has a stable string `code` (`ALTER_MCP_*`; recognize
 * them with `isAlterMcpError` — `isAlterError` from @alter/vault matches only the vault's own
 * codes), `name = new.target.name`, a `cause` when there is one, and a message that says what
 * failed, where, and what to do. No message ever holds a token or other secret.
 */

/** Stable codes of every {@link AlterMcpError}. */
export type AlterMcpErrorCode =
  | 'ALTER_MCP_REFLECT_METADATA'
  | 'ALTER_MCP_TOOL_DEFINITION'
  | 'ALTER_MCP_TOOL_REGISTRATION'
  | 'ALTER_MCP_TOOL_INPUT'
  | 'ALTER_MCP_TOOL_OUTPUT'
  | 'ALTER_MCP_NESTING_DEPTH'
  | 'ALTER_MCP_NO_USER'
  | 'ALTER_MCP_SERVE'
  | 'ALTER_MCP_SDK_UNSUPPORTED'
  | 'ALTER_MCP_TOOL_ERROR'
  | 'ALTER_MCP_VAULT_STARTUP'
  | 'ALTER_MCP_FOREIGN_CONTEXT'
  | 'ALTER_MCP_REQUEST_STATE'
  | 'ALTER_MCP_ACCOUNT_NOT_CHOSEN';

/** Base class of @alter/mcp errors. */
export class AlterMcpError extends Error {
  readonly code: AlterMcpErrorCode;

  constructor(code: AlterMcpErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }

  /** A plain, secret-free view for logs and JSON. */
  toJSON(): { name: string; code: AlterMcpErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/** `reflect-metadata` is not loaded, so decorators cannot record anything. */
export class ReflectMetadataMissingError extends AlterMcpError {
  constructor() {
    super(
      'ALTER_MCP_REFLECT_METADATA',
      "@alter/mcp needs the reflect-metadata polyfill, but Reflect.defineMetadata is missing. @alter/mcp imports 'reflect-metadata' itself; if a bundler dropped it, add `import 'reflect-metadata';` as the first line of your entry file.",
    );
  }
}

/** `@AlterTool(...)` was given bad options. Thrown when the class is defined. */
export class ToolDefinitionError extends AlterMcpError {
  /** `Class.method` the decorator was applied to. */
  readonly member: string;
  constructor(member: string, problem: string, fixes: readonly string[] = []) {
    super('ALTER_MCP_TOOL_DEFINITION', formatProblem(`@AlterTool on ${member}: ${problem}`, fixes));
    this.member = member;
  }
}

/** A module list could not be registered (startup validation). Lists every problem found. */
export class ToolRegistrationError extends AlterMcpError {
  /** One entry per problem: `{ member: 'Class.method', problem, fixes }`. */
  readonly problems: ReadonlyArray<{ readonly member: string; readonly problem: string; readonly fixes: readonly string[] }>;
  constructor(problems: ToolRegistrationError['problems'], options?: { cause?: unknown }) {
    const lines = problems.map((p) => `- ${formatProblem(`${p.member}: ${p.problem}`, p.fixes, '    ')}`);
    super(
      'ALTER_MCP_TOOL_REGISTRATION',
      `Cannot register the tools: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${lines.join('\n')}`,
      options,
    );
    this.problems = Object.freeze(problems.map((p) => Object.freeze({ ...p, fixes: Object.freeze([...p.fixes]) })));
  }
}

/** One reason an input (or output) value was rejected. `path` names the field (`a.b[0]`). */
export interface SchemaIssue {
  readonly path: string;
  readonly message: string;
}

/** A tool's input failed validation. The method was not called. */
export class ToolInputError extends AlterMcpError {
  readonly tool: string;
  readonly issues: readonly SchemaIssue[];
  constructor(tool: string, issues: readonly SchemaIssue[]) {
    super('ALTER_MCP_TOOL_INPUT', `Invalid arguments for tool ${tool}:\n${formatIssues(issues)}`);
    this.tool = tool;
    this.issues = Object.freeze([...issues]);
  }
}

/** A tool returned a value that does not match its declared `output` schema. */
export class ToolOutputError extends AlterMcpError {
  readonly tool: string;
  readonly issues: readonly SchemaIssue[];
  constructor(tool: string, issues: readonly SchemaIssue[]) {
    super('ALTER_MCP_TOOL_OUTPUT', `Tool ${tool} returned a value that does not match its output schema:\n${formatIssues(issues)}`);
    this.tool = tool;
    this.issues = Object.freeze([...issues]);
  }
}

/** Nested tool calls went deeper than `maxNestingDepth` (runaway recursion). */
export class ToolNestingError extends AlterMcpError {
  readonly chain: readonly string[];
  constructor(chain: readonly string[], maxDepth: number) {
    super(
      'ALTER_MCP_NESTING_DEPTH',
      `Nested tool calls exceeded the maximum depth of ${maxDepth}: ${chain.join(' > ')}. Look for a tool that calls itself (directly or through another tool), or raise maxNestingDepth in the AlterMCP options.`,
    );
    this.chain = Object.freeze([...chain]);
  }
}

/** No user could be determined for a tool call. */
export class NoUserError extends AlterMcpError {
  readonly tool: string;
  constructor(tool: string) {
    super(
      'ALTER_MCP_NO_USER',
      `Tool ${tool} cannot run: no user is known for this request. Serve over HTTP with an auth plug-in (its AuthInfo carries extra.user), pass userFromAuth(authInfo) in the AlterMCP options, or set defaultUser (stdio servers).`,
    );
    this.tool = tool;
  }
}

/** `serveHttp` / `serveStdio` could not start. */
export class ServeError extends AlterMcpError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ALTER_MCP_SERVE', message, options);
  }
}

/**
 * The MCP SDK behind the server given to `register()` lacks something @alter/mcp relies on — a
 * renamed or removed SDK internal, or an SDK generation @alter/mcp cannot load. Thrown at
 * registration (never later, never silently skipped): upgrading the SDK past the range @alter/mcp
 * was tested with must fail loudly at startup.
 */
export class SdkUnsupportedError extends AlterMcpError {
  /** The SDK package, e.g. `@modelcontextprotocol/sdk` or `@modelcontextprotocol/server`. */
  readonly sdkPackage: string;
  /** Its installed version (from its package.json), or `unknown` when unreadable. */
  readonly sdkVersion: string;
  /** The semver range of that package @alter/mcp is tested with. */
  readonly supportedRange: string;
  /** What is missing, e.g. `Server._requestHandlers (a Map)`. */
  readonly missing: string;
  constructor(
    details: { sdkPackage: string; sdkVersion: string; supportedRange: string; missing: string; reason?: string },
    options?: { cause?: unknown },
  ) {
    super(
      'ALTER_MCP_SDK_UNSUPPORTED',
      `register(server, modules): ${details.sdkPackage}@${details.sdkVersion} ${details.reason ?? `has no ${details.missing}`}, which @alter/mcp needs to serve Alter tools beside the SDK's own. @alter/mcp supports ${details.sdkPackage} ${details.supportedRange}. Install a version in that range (npm install ${details.sdkPackage}@"${details.supportedRange}"), or upgrade @alter/mcp.`,
      options,
    );
    this.sdkPackage = details.sdkPackage;
    this.sdkVersion = details.sdkVersion;
    this.supportedRange = details.supportedRange;
    this.missing = details.missing;
  }
}

/**
 * The vault could not be opened when the server started (`serveStdio`, `serveHttp`,
 * `AlterMCP.ready()`), so no tool is served: the store is unreachable or broken, the encryption
 * key is not the store's, or the SQLite driver cannot load. `causeCode` is the vault error's code
 * (`ALTER_STORE`, `ALTER_ENCRYPTION_KEY`, `ALTER_NATIVE_MODULE`, …); `cause` is that error.
 */
export class VaultStartupError extends AlterMcpError {
  /** The code of the underlying error (an `ALTER_*` code from @alter/vault), or `'UNKNOWN'`. */
  readonly causeCode: string;
  constructor(where: string, cause: unknown) {
    const code: unknown = cause instanceof Error ? (cause as { code?: unknown }).code : undefined;
    const causeCode = typeof code === 'string' && code.startsWith('ALTER_') ? code : 'UNKNOWN';
    const what = STARTUP_PROBLEM[causeCode] ?? 'the vault could not be opened';
    const detail = (cause instanceof Error ? cause.message : String(cause)).replace(/\.?\s*$/, '.');
    const hint = STARTUP_HINT[causeCode];
    super(
      'ALTER_MCP_VAULT_STARTUP',
      `${where}: cannot start, ${what} (${causeCode}); no tools are served. ${detail}${hint ? ` ${hint}` : ''}`.replace(/\s*\n\s*/g, ' '),
      { cause },
    );
    this.causeCode = causeCode;
  }
}

const STARTUP_PROBLEM: Readonly<Record<string, string>> = Object.freeze({
  ALTER_STORE: 'the vault store cannot be opened',
  ALTER_ENCRYPTION_KEY: 'the encryption key does not open this vault',
  ALTER_NATIVE_MODULE: 'the SQLite driver (better-sqlite3) cannot be loaded',
  ALTER_CONFIG: 'the vault is misconfigured',
});

/** What to do, where the vault's own message does not say it already. */
const STARTUP_HINT: Readonly<Record<string, string>> = Object.freeze({
  ALTER_STORE:
    'Check that the database runs and is reachable from this machine, and the store URL (host, port, user, password, database) or SQLite path.',
});

/**
 * An error whose message is safe to show the model: the tool result carries its message as is
 * (minus any secret the vault used for the call, which the MCP layer redacts).
 * Any other error a tool throws becomes a generic message (details go to the server log only),
 * because arbitrary messages may carry internals.
 * @example
 * if (!channel) throw new ToolError(`No channel named ${name}.`);
 */
export class ToolError extends AlterMcpError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ALTER_MCP_TOOL_ERROR', message, options);
  }
}

/**
 * A tool used an AlterContext outside its own call: one kept from a call that has ended, or one
 * of another call running at the same time (possibly another user's). A context acts only for
 * its own call.
 */
export class ForeignContextError extends AlterMcpError {
  readonly tool: string;
  constructor(tool: string) {
    super(
      'ALTER_MCP_FOREIGN_CONTEXT',
      `Tool ${tool} used an AlterContext outside its own call (a context kept from a call that has ended, or one of another call). A context acts only for its own call: use the ctx your method received, and do not keep it for other calls.`,
    );
    this.tool = tool;
  }
}

/** Why a retried call's request state was refused (see {@link RequestStateError}). */
export type RequestStateRefusal = 'malformed' | 'tampered' | 'expired' | 'used' | 'other-tool' | 'other-user' | 'other-arguments';

const REFUSAL_TEXT: Readonly<Record<RequestStateRefusal, string>> = Object.freeze({
  malformed: 'is not a request state this server issued',
  tampered: 'failed its integrity check (it was changed, or sealed by a server with another vault)',
  expired: 'has expired (the authorization link or the approval it belonged to expired with it)',
  used: 'was already used (the approval it carries answered one request, once)',
  'other-tool': 'was issued for another tool',
  'other-user': 'was issued for another user',
  'other-arguments': 'was issued for a call with other arguments',
});

/**
 * A retried 2026-07-28 call (multi-round-trip) sent back a `requestState` that Alter refuses:
 * not issued here, changed, expired, already used (an approval), or bound to another tool, user
 * or arguments. The call is
 * not run; the client should call the tool again without the state to start over. Answered on
 * the wire as JSON-RPC -32602 with this message.
 */
export class RequestStateError extends AlterMcpError {
  readonly tool: string;
  readonly reason: RequestStateRefusal;
  constructor(tool: string, reason: RequestStateRefusal) {
    const fix =
      reason === 'other-arguments' || reason === 'other-tool'
        ? `Retry the call it was issued for with its original arguments, or call ${tool} again without requestState to start over.`
        : `Call ${tool} again without requestState to start over (a new authorization link or approval question is issued if one is still needed).`;
    super(
      'ALTER_MCP_REQUEST_STATE',
      `The requestState sent back with this call of ${tool} ${REFUSAL_TEXT[reason]}, so the call was not run. ${fix}`,
    );
    this.tool = tool;
    this.reason = reason;
  }
}

/**
 * The user has several accounts at a provider, the tool named none, and the user was asked which
 * one to use (form elicitation) but declined, cancelled, or answered with an account that is not
 * theirs. Nothing was sent to the provider for that request.
 */
export class AccountNotChosenError extends AlterMcpError {
  readonly tool: string;
  readonly provider: string;
  /** `'decline'` / `'cancel'`: the user's answer; `'invalid'`: the answer named no account of the user. */
  readonly reason: 'decline' | 'cancel' | 'invalid';
  constructor(args: { tool: string; provider: string; reason: 'decline' | 'cancel' | 'invalid' }) {
    const what =
      args.reason === 'invalid'
        ? `the answer did not name one of the user's ${args.provider} accounts`
        : `the user ${args.reason === 'decline' ? 'declined' : 'cancelled'} the question which one to use`;
    // The call pipeline prefixes "Tool <name> failed: ", so the message does not name the tool again.
    super(
      'ALTER_MCP_ACCOUNT_NOT_CHOSEN',
      `several ${args.provider} accounts are connected and ${what}; nothing was sent to ${args.provider}. Call the tool again and choose an account.`,
    );
    this.tool = args.tool;
    this.provider = args.provider;
    this.reason = args.reason;
  }
}

/** Union of every concrete @alter/mcp error, for exhaustive `switch (err.code)`. */
export type AnyAlterMcpError =
  | ReflectMetadataMissingError
  | ToolDefinitionError
  | ToolRegistrationError
  | ToolInputError
  | ToolOutputError
  | ToolNestingError
  | NoUserError
  | ServeError
  | SdkUnsupportedError
  | ToolError
  | VaultStartupError
  | ForeignContextError
  | RequestStateError
  | AccountNotChosenError;

/**
 * Exactly the codes of @alter/mcp's error classes; a record over `AlterMcpErrorCode`, so a code
 * added to the union without an entry here (or an entry without a code) fails to compile.
 */
const ALTER_MCP_ERROR_CODES: Readonly<Record<AlterMcpErrorCode, true>> = Object.freeze({
  ALTER_MCP_REFLECT_METADATA: true,
  ALTER_MCP_TOOL_DEFINITION: true,
  ALTER_MCP_TOOL_REGISTRATION: true,
  ALTER_MCP_TOOL_INPUT: true,
  ALTER_MCP_TOOL_OUTPUT: true,
  ALTER_MCP_NESTING_DEPTH: true,
  ALTER_MCP_NO_USER: true,
  ALTER_MCP_SERVE: true,
  ALTER_MCP_SDK_UNSUPPORTED: true,
  ALTER_MCP_TOOL_ERROR: true,
  ALTER_MCP_VAULT_STARTUP: true,
  ALTER_MCP_FOREIGN_CONTEXT: true,
  ALTER_MCP_REQUEST_STATE: true,
  ALTER_MCP_ACCOUNT_NOT_CHOSEN: true,
});

/**
 * True for an error thrown by @alter/mcp: an {@link AlterMcpError}, or an `Error` whose `code` is
 * one of this package's codes (a duplicate copy of the package). Vault (`isAlterError`) and CLI
 * codes are not matched, nor unknown `ALTER_MCP_*` codes.
 */
export function isAlterMcpError(value: unknown): value is AnyAlterMcpError {
  if (value instanceof AlterMcpError) return true;
  const code: unknown = value instanceof Error ? (value as unknown as { code?: unknown }).code : undefined;
  return typeof code === 'string' && Object.hasOwn(ALTER_MCP_ERROR_CODES, code);
}

function formatProblem(head: string, fixes: readonly string[], indent = '  '): string {
  if (fixes.length === 0) return head;
  return `${head}\n${indent}Likely fixes:\n${fixes.map((f) => `${indent}  * ${f}`).join('\n')}`;
}

/** `- field: why` lines, one per issue. */
export function formatIssues(issues: readonly SchemaIssue[]): string {
  return issues.map((i) => `- ${i.path === '' ? '(arguments)' : i.path}: ${i.message}`).join('\n');
}
