/**
 * Every error @alter/vault throws. Each class carries a stable string `code` (switch on it, not on
 * the message), a `cause` where one exists, and a message that says what failed and what to do
 * next. No message ever contains a token, a refresh token, a client secret or a key.
 */

/** Stable codes of every {@link AlterError}. */
export type AlterErrorCode =
  | 'ALTER_CONFIG'
  | 'ALTER_INVALID_ARGUMENT'
  | 'ALTER_GRANT_NOT_FOUND'
  | 'ALTER_GRANT_REVOKED'
  | 'ALTER_ACCOUNT_AMBIGUOUS'
  | 'ALTER_SCOPE_REAUTH_REQUIRED'
  | 'ALTER_HOST_NOT_ALLOWED'
  | 'ALTER_URL_TEMPLATE'
  | 'ALTER_TOKEN_REFRESH'
  | 'ALTER_PROVIDER_HTTP'
  | 'ALTER_REQUEST_TIMEOUT'
  | 'ALTER_REQUEST_ABORTED'
  | 'ALTER_ENCRYPTION_KEY'
  | 'ALTER_STORE'
  | 'ALTER_CONNECT_SESSION'
  | 'ALTER_PROVIDER_API'
  | 'ALTER_GRANT_TOKEN_BINDING'
  | 'ALTER_HEADER_NOT_ALLOWED'
  | 'ALTER_RESPONSE_TOO_LARGE'
  | 'ALTER_NATIVE_MODULE'
  | 'ALTER_POLICY_DENIED'
  | 'ALTER_DEPENDENCY_MISSING'
  | 'ALTER_APPROVAL_REFUSED'
  | 'ALTER_APPROVAL_PENDING';

/** Base class of every error thrown by @alter/vault (other packages have their own bases and codes). */
export class AlterError extends Error {
  readonly code: AlterErrorCode;

  constructor(code: AlterErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }

  /** A plain, secret-free view for logs and JSON. */
  toJSON(): { name: string; code: AlterErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/** The vault (or one of its parts) was configured wrongly. The message names the option. */
export class VaultConfigError extends AlterError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ALTER_CONFIG', message, options);
  }
}

/** A public function was called with a bad argument. `argument` names it. */
export class InvalidArgumentError extends AlterError {
  readonly argument: string;
  constructor(argument: string, message: string) {
    super('ALTER_INVALID_ARGUMENT', `${argument}: ${message}`);
    this.argument = argument;
  }
}

/** The user has no usable grant for the provider (never connected, or the grant was revoked). */
export class GrantNotFoundError extends AlterError {
  readonly user: string;
  readonly provider: string;
  readonly account: string | undefined;
  /** True when a grant existed but was revoked (by the user, the provider, or `invalid_grant`). */
  readonly revoked: boolean;

  constructor(args: { user: string; provider: string; account?: string; revoked?: boolean }) {
    const who = `user "${args.user}"${args.account ? ` (account "${args.account}")` : ''}`;
    const what = args.revoked ? `The ${args.provider} grant of ${who} was revoked` : `${who} has not connected ${args.provider}`;
    super(
      args.revoked ? 'ALTER_GRANT_REVOKED' : 'ALTER_GRANT_NOT_FOUND',
      `${what}. Create a Connect session (vault.connect.createSession) and have the user open its URL.`,
    );
    this.user = args.user;
    this.provider = args.provider;
    this.account = args.account;
    this.revoked = args.revoked ?? false;
  }
}

/** Several grants exist for (user, provider) and the request named no `account`. */
export class AccountAmbiguousError extends AlterError {
  readonly user: string;
  readonly provider: string;
  readonly accounts: readonly string[];
  constructor(args: { user: string; provider: string; accounts: readonly string[] }) {
    super(
      'ALTER_ACCOUNT_AMBIGUOUS',
      `user "${args.user}" has ${args.accounts.length} ${args.provider} accounts (${args.accounts.join(', ')}). Pass { account } to choose one.`,
    );
    this.user = args.user;
    this.provider = args.provider;
    this.accounts = Object.freeze([...args.accounts]);
  }
}

/** The grant does not cover the scopes the request needs. `missingScopes` lists them. */
export class ScopeReauthRequiredError extends AlterError {
  readonly user: string;
  readonly provider: string;
  readonly missingScopes: readonly string[];
  /**
   * The HTTP status of the provider answer that reported the shortfall (403, or Slack's 200 with
   * `missing_scope`); undefined when the vault found it before sending (a tool's declared scopes).
   */
  readonly providerStatus: number | undefined;
  constructor(args: { user: string; provider: string; missingScopes: readonly string[]; providerStatus?: number }) {
    super('ALTER_SCOPE_REAUTH_REQUIRED', scopeReauthMessage(args));
    this.user = args.user;
    this.provider = args.provider;
    this.missingScopes = Object.freeze([...args.missingScopes]);
    this.providerStatus = args.providerStatus;
  }
}

function scopeReauthMessage(args: { user: string; provider: string; missingScopes: readonly string[]; providerStatus?: number }): string {
  const fix = 'Create a Connect session with these scopes and have the user re-authorize.';
  if (args.providerStatus === undefined) {
    return `The ${args.provider} grant of user "${args.user}" lacks scopes: ${args.missingScopes.join(' ')}. ${fix}`;
  }
  // The provider refused the token for its scopes; it may not say which one it wanted.
  if (args.missingScopes.length === 0) {
    return `The ${args.provider} API refused the token of user "${args.user}" for insufficient scope (HTTP ${args.providerStatus}) without naming the scope. Declare the scopes the call needs (@AlterTool scopes or request({ scopes })) and have the user re-authorize.`;
  }
  return `The ${args.provider} API refused the token of user "${args.user}" for insufficient scope (HTTP ${args.providerStatus}); it needs: ${args.missingScopes.join(' ')}. ${fix}`;
}

/** The URL's host (or scheme) is not allowed for the provider; nothing was sent. */
export class HostNotAllowedError extends AlterError {
  readonly provider: string;
  readonly host: string;
  constructor(args: { provider: string; host: string; reason?: string }) {
    super(
      'ALTER_HOST_NOT_ALLOWED',
      `${args.reason ?? `Host "${args.host}" is not in the ${args.provider} allowlist`}; the request was not sent. Use a URL on one of the provider's hosts, or add the host to its allowedHosts.`,
    );
    this.provider = args.provider;
    this.host = args.host;
  }
}

/** A `{placeholder}` in the URL and the `pathParams` given do not match. */
export class UrlTemplateError extends AlterError {
  constructor(message: string) {
    super('ALTER_URL_TEMPLATE', message);
  }
}

/** Refreshing an access token failed for a reason other than a revoked grant. */
export class TokenRefreshError extends AlterError {
  readonly provider: string;
  readonly user: string;
  constructor(args: { provider: string; user: string; detail: string; cause?: unknown }) {
    super(
      'ALTER_TOKEN_REFRESH',
      `Refreshing the ${args.provider} token of user "${args.user}" failed: ${args.detail}. Retry later; if it persists, have the user reconnect.`,
      { cause: args.cause },
    );
    this.provider = args.provider;
    this.user = args.user;
  }
}

/** The provider could not be reached (network error); non-2xx responses are returned, not thrown. */
export class ProviderHttpError extends AlterError {
  readonly provider: string;
  constructor(args: { provider: string; detail: string; cause?: unknown }) {
    super('ALTER_PROVIDER_HTTP', `Request to ${args.provider} failed: ${args.detail}.`, { cause: args.cause });
    this.provider = args.provider;
  }
}

/** The request took longer than `timeoutMs`. */
export class RequestTimeoutError extends AlterError {
  readonly timeoutMs: number;
  constructor(args: { provider: string; timeoutMs: number }) {
    super('ALTER_REQUEST_TIMEOUT', `Request to ${args.provider} timed out after ${args.timeoutMs} ms. Raise timeoutMs or retry.`);
    this.timeoutMs = args.timeoutMs;
  }
}

/** The caller's `signal` aborted the request. */
export class RequestAbortedError extends AlterError {
  constructor(args: { provider: string }) {
    super('ALTER_REQUEST_ABORTED', `Request to ${args.provider} was aborted by its signal.`);
  }
}

/** The encryption key is missing, malformed, or not the one the stored secrets were written with. */
export class EncryptionKeyError extends AlterError {
  readonly keyId: string | undefined;
  constructor(message: string, args?: { keyId?: string; cause?: unknown }) {
    super('ALTER_ENCRYPTION_KEY', message, { cause: args?.cause });
    this.keyId = args?.keyId;
  }
}

/** The store failed (database unreachable, migration failed, constraint broken). */
export class StoreError extends AlterError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ALTER_STORE', message, options);
  }
}

/**
 * The store could not be reached, lost its connection during an operation, or did not answer in
 * time (`reason`). Same code as {@link StoreError} (`ALTER_STORE`), so existing handling keeps
 * working; `retryable` is always true: the pool reconnects by itself, so retry later.
 */
export class StoreUnavailableError extends StoreError {
  readonly reason: 'connect' | 'connection-lost' | 'timeout';
  readonly retryable = true;
  constructor(args: { reason: StoreUnavailableError['reason']; message: string; cause?: unknown }) {
    super(args.message, args.cause === undefined ? undefined : { cause: args.cause });
    this.reason = args.reason;
  }
}

/** A Connect session is unknown, expired, already used, or ended with a provider error. */
export class ConnectSessionError extends AlterError {
  readonly reason: 'unknown' | 'expired' | 'used' | 'state_mismatch' | 'denied' | 'provider_error' | 'timeout';
  constructor(reason: ConnectSessionError['reason'], message: string, options?: { cause?: unknown }) {
    super('ALTER_CONNECT_SESSION', message, options);
    this.reason = reason;
  }
}

/**
 * The provider answered with an error: a non-2xx status, or a 200 that says it failed (Slack's
 * `ok: false`). `vault.request()` never throws this (it returns non-2xx responses); tool packs do,
 * so the model reads what the provider objected to and can correct its call. `providerError` is
 * the provider's own short error text (`channel_not_found`, `Not Found`), never a token.
 */
export class ProviderApiError extends AlterError {
  readonly provider: string;
  readonly status: number;
  readonly providerError: string | undefined;
  constructor(args: {
    provider: string;
    status: number;
    operation: string;
    providerError?: string | undefined;
    hint?: string | undefined;
  }) {
    // The provider's text often ends with a period; the message adds its own.
    const detail = args.providerError ? `: ${args.providerError.slice(0, 300).replace(/\.+$/, '')}` : '';
    super(
      'ALTER_PROVIDER_API',
      `${args.operation} failed: ${args.provider} answered ${args.status}${detail}. ${args.hint ?? 'Check the arguments (ids, names, access rights) and retry.'}`,
    );
    this.provider = args.provider;
    this.status = args.status;
    this.providerError = args.providerError?.slice(0, 300);
  }
}

/**
 * A vault policy refused the request before its token was read (docs/policies.md): outside the
 * tool's declared endpoints, a rule (`deny`, `rateLimit`, `timeWindow`), deny-by-default for
 * undeclared requests, or the policy function (which also refuses when it fails). Nothing was sent.
 */
export class PolicyDeniedError extends AlterError {
  readonly provider: string;
  readonly tool: string | null;
  readonly method: string;
  /** The path (no query) the request was for. */
  readonly path: string;
  /** The rule that refused (recorded in the audit row as `policyRule`). */
  readonly rule: string;
  constructor(args: { provider: string; tool: string | null; method: string; path: string; rule: string; detail: string }) {
    super(
      'ALTER_POLICY_DENIED',
      `${args.tool ? `Tool ${args.tool}: ` : ''}${args.method} ${args.path} (${args.provider}) was refused by the vault policy (${args.rule}): ${args.detail} Nothing was sent.`,
    );
    this.provider = args.provider;
    this.tool = args.tool;
    this.method = args.method;
    this.path = args.path;
    this.rule = args.rule;
  }
}

/** Why a request that needed a human approval was not sent. */
export type ApprovalRefusal = 'declined' | 'cancelled' | 'expired' | 'mismatch' | 'replayed' | 'unavailable' | 'failed';

const REFUSAL_TEXT: Readonly<Record<ApprovalRefusal, string>> = {
  declined: 'the user declined it',
  cancelled: 'the user cancelled the question',
  expired: 'the approval expired before it was given; call the tool again to be asked again',
  mismatch: 'the approval was given for a different request (method, URL or body changed); a changed request needs a new approval',
  replayed: 'the approval was already used; each approval sends one request',
  unavailable:
    'the client cannot show an approval form (it does not support form elicitation) and no approval link can be made (Connect has no base URL: set connect.baseUrl or call vault.connect.listen())',
  failed: 'the client did not answer the approval question',
};

/**
 * A request that needs the user's approval (a tool declared `approval: 'required'`,
 * docs/approvals.md) was not approved: declined, cancelled, expired, answered for a
 * different request, replayed, or the client could not be asked. Nothing was sent and no token was read.
 */
export class ApprovalRefusedError extends AlterError {
  readonly provider: string;
  readonly tool: string | null;
  readonly reason: ApprovalRefusal;
  constructor(args: { provider: string; tool: string | null; method: string; url: string; reason: ApprovalRefusal; cause?: unknown }) {
    super(
      'ALTER_APPROVAL_REFUSED',
      `${args.method} ${args.url} (${args.provider}) needs the user's approval and was not sent: ${REFUSAL_TEXT[args.reason]}. Nothing was sent.`,
      args.cause !== undefined ? { cause: args.cause } : undefined,
    );
    this.provider = args.provider;
    this.tool = args.tool;
    this.reason = args.reason;
  }
}

/**
 * A request that needs the user's approval could not be asked inline (no form elicitation, or a
 * plain `vault.request` with no gate), so it waits for an approval by URL (docs/approvals.md):
 * `approvalUrl` is the page where the user (or `alter approvals approve`) approves or denies
 * exactly this request. Calling again with the very same request after the approval sends it once.
 * Nothing was sent and no token was read.
 */
export class ApprovalPendingError extends AlterError {
  readonly provider: string;
  readonly tool: string | null;
  /** The approval's id (`alter approvals approve <id>`). */
  readonly approvalId: string;
  /** `<connect base>/connect/approvals/<id>`: shows the request; Approve / Deny. */
  readonly approvalUrl: string;
  /** After this instant the approval can no longer be given or used. */
  readonly expiresAt: Date;
  constructor(args: {
    provider: string;
    tool: string | null;
    method: string;
    url: string;
    approvalId: string;
    approvalUrl: string;
    expiresAt: Date;
  }) {
    super(
      'ALTER_APPROVAL_PENDING',
      `${args.method} ${args.url} (${args.provider}) needs the user's approval before it is sent. Ask the user to open ${args.approvalUrl} and approve it (before ${args.expiresAt.toISOString()}), then make exactly the same request again${args.tool ? ` (call ${args.tool} again with the same arguments)` : ''}. Nothing was sent.`,
    );
    this.provider = args.provider;
    this.tool = args.tool;
    this.approvalId = args.approvalId;
    this.approvalUrl = args.approvalUrl;
    this.expiresAt = args.expiresAt;
  }
}

/**
 * `extraHeaders` named a header the vault refuses: one that frames the request (`Content-Length`,
 * `Transfer-Encoding`, `Host`, `Connection`, …) and would let one request smuggle another onto a
 * shared keep-alive socket, one the vault sets itself (`Authorization`), or a name/value that is
 * not a valid header. Nothing was sent and no token was read.
 */
export class HeaderNotAllowedError extends AlterError {
  /** The header name as the caller wrote it. */
  readonly header: string;
  /** `options.extraHeaders.<name>`. */
  readonly argument: string;
  constructor(args: { header: string; reason: string }) {
    super(
      'ALTER_HEADER_NOT_ALLOWED',
      `options.extraHeaders.${args.header}: ${args.reason}; the request was not sent. Remove this header from extraHeaders.`,
    );
    this.header = args.header;
    this.argument = `options.extraHeaders.${args.header}`;
  }
}

/**
 * The provider's response body was larger than the cap (`maxResponseBytes`, default 10 MiB),
 * counted after decompression. Reading stopped at the cap and the connection was closed; nothing
 * past it was kept.
 */
export class ResponseTooLargeError extends AlterError {
  readonly provider: string;
  /** The cap that was exceeded, in bytes. */
  readonly limitBytes: number;
  /** HTTP status of the refused response. */
  readonly status: number;
  constructor(args: { provider: string; limitBytes: number; status: number }) {
    super(
      'ALTER_RESPONSE_TOO_LARGE',
      `The ${args.provider} response (status ${args.status}) is larger than ${args.limitBytes} bytes (after decompression) and was discarded. Ask for less (pagination, fewer fields), or raise the cap with request({ maxResponseBytes }) or the provider's maxResponseBytes.`,
    );
    this.provider = args.provider;
    this.limitBytes = args.limitBytes;
    this.status = args.status;
  }
}

/** Union of every concrete error class, for exhaustive `switch (err.code)`. */
export type AnyAlterError =
  | VaultConfigError
  | InvalidArgumentError
  | GrantNotFoundError
  | AccountAmbiguousError
  | ScopeReauthRequiredError
  | HostNotAllowedError
  | UrlTemplateError
  | TokenRefreshError
  | ProviderHttpError
  | RequestTimeoutError
  | RequestAbortedError
  | EncryptionKeyError
  | StoreError
  | StoreUnavailableError
  | ConnectSessionError
  | ProviderApiError
  | GrantTokenBindingError
  | HeaderNotAllowedError
  | ResponseTooLargeError
  | NativeModuleError
  | DependencyMissingError
  | ApprovalRefusedError
  | ApprovalPendingError;

/**
 * Exactly the codes of @alter/vault's error classes. Typed as a record over `AlterErrorCode`, so
 * adding a code to the union without listing it here (or listing a code no class has) fails to
 * compile; the type test `CodesAreTheExportedUnion` ties the union to the classes' codes.
 */
const ALTER_ERROR_CODES: Readonly<Record<AlterErrorCode, true>> = Object.freeze({
  ALTER_CONFIG: true,
  ALTER_INVALID_ARGUMENT: true,
  ALTER_GRANT_NOT_FOUND: true,
  ALTER_GRANT_REVOKED: true,
  ALTER_ACCOUNT_AMBIGUOUS: true,
  ALTER_SCOPE_REAUTH_REQUIRED: true,
  ALTER_HOST_NOT_ALLOWED: true,
  ALTER_URL_TEMPLATE: true,
  ALTER_TOKEN_REFRESH: true,
  ALTER_PROVIDER_HTTP: true,
  ALTER_REQUEST_TIMEOUT: true,
  ALTER_REQUEST_ABORTED: true,
  ALTER_ENCRYPTION_KEY: true,
  ALTER_STORE: true,
  ALTER_CONNECT_SESSION: true,
  ALTER_PROVIDER_API: true,
  ALTER_GRANT_TOKEN_BINDING: true,
  ALTER_HEADER_NOT_ALLOWED: true,
  ALTER_RESPONSE_TOO_LARGE: true,
  ALTER_NATIVE_MODULE: true,
  ALTER_POLICY_DENIED: true,
  ALTER_DEPENDENCY_MISSING: true,
  ALTER_APPROVAL_REFUSED: true,
  ALTER_APPROVAL_PENDING: true,
});

/**
 * True for an error thrown by @alter/vault: an {@link AlterError}, or an `Error` whose `code` is
 * one of the vault's own codes (a duplicate copy of the package). Errors of @alter/mcp
 * (`ALTER_MCP_*`, see `isAlterMcpError`) and of the CLI (`ALTER_CLI_*`) are not vault errors.
 */
export function isAlterError(value: unknown): value is AnyAlterError {
  if (value instanceof AlterError) return true;
  const code: unknown = value instanceof Error ? (value as unknown as { code?: unknown }).code : undefined;
  return typeof code === 'string' && Object.hasOwn(ALTER_ERROR_CODES, code);
}

/**
 * The grant's access token expired and there is no refresh token to renew it: the user has to
 * reconnect. Same code as {@link GrantNotFoundError} (recovery is identical: a Connect URL).
 */
export class GrantExpiredError extends GrantNotFoundError {
  readonly expired = true;
  constructor(args: { user: string; provider: string; account?: string }) {
    super({ ...args, revoked: false });
    const who = `user "${args.user}"${args.account ? ` (account "${args.account}")` : ''}`;
    this.message = `The ${args.provider} access token of ${who} expired and the grant has no refresh token. Create a Connect session (vault.connect.createSession) and have the user reconnect.`;
  }
}

/**
 * `appendAudit` refused a batch because its first row's `prevHash` is not the hash of the newest
 * stored row (another writer appended meanwhile). The audit writer re-reads the tail and retries.
 */
export class AuditChainConflictError extends StoreError {
  constructor() {
    super('The audit chain moved (another writer appended rows); re-read lastAudit() and re-hash the batch.');
  }
}

/**
 * A grant's sealed token is not bound to that grant: it was sealed for another grant (another
 * user, provider, account, or the other token field) and moved into this row by someone who can
 * write the database, or it predates binding (format `v1`). Nothing was sent to the provider.
 * The message never names the grant the value was sealed for (that would tell one user about
 * another) and never contains the token.
 */
export class GrantTokenBindingError extends AlterError {
  readonly grantId: string;
  readonly user: string;
  readonly provider: string;
  readonly account: string | undefined;
  readonly field: 'access' | 'refresh';
  /** `'other-grant'`: sealed for another grant (the database was edited); `'unbound'`: a `v1` value from before binding. */
  readonly reason: 'other-grant' | 'unbound';

  constructor(args: {
    grantId: string;
    user: string;
    provider: string;
    account?: string;
    field: 'access' | 'refresh';
    reason: 'other-grant' | 'unbound';
  }) {
    const who = `user "${args.user}"${args.account ? ` (account "${args.account}")` : ''}`;
    const what =
      args.reason === 'other-grant'
        ? `The stored ${args.field} token of the ${args.provider} grant ${args.grantId} of ${who} was sealed for a different grant: the database was edited (a token was copied between rows). Nothing was sent. Revoke this grant (vault.grants.revoke({ id: '${args.grantId}' }) or \`alter grants revoke ${args.grantId}\`), have the user reconnect, and check who can write the database.`
        : `The stored ${args.field} token of the ${args.provider} grant ${args.grantId} of ${who} is in the unbound v1 format (sealed before tokens were bound to their grant), so it cannot be trusted to belong to this grant. Nothing was sent. Have the user reconnect (or put the grant again), or run vault.rotateKey once to re-seal every v1 grant token bound to its row.`;
    super('ALTER_GRANT_TOKEN_BINDING', what);
    this.grantId = args.grantId;
    this.user = args.user;
    this.provider = args.provider;
    this.account = args.account;
    this.field = args.field;
    this.reason = args.reason;
  }
}

/**
 * A native module the store needs (better-sqlite3) cannot be loaded: it was compiled for another
 * Node (`reason: 'abi-mismatch'`, e.g. an MCP client starts the server with another Node than the
 * one that installed it), it was never compiled (`'not-built'`), or the OS refused it
 * (`'load-failed'`). The message names both Node versions and the command that fixes it.
 */
export class NativeModuleError extends AlterError {
  /** The npm package, e.g. `better-sqlite3`. */
  readonly module: string;
  readonly reason: 'abi-mismatch' | 'not-built' | 'load-failed';
  /** NODE_MODULE_VERSION the module was built for (abi-mismatch only). */
  readonly builtForAbi: number | undefined;
  /** Node major that NODE_MODULE_VERSION belongs to, when known. */
  readonly builtForNode: number | undefined;
  /** The command that rebuilds the module for the running Node, e.g. `pnpm rebuild better-sqlite3`. */
  readonly fix: string;

  constructor(args: {
    module: string;
    reason: NativeModuleError['reason'];
    message: string;
    fix: string;
    builtForAbi?: number;
    builtForNode?: number;
    cause?: unknown;
  }) {
    super('ALTER_NATIVE_MODULE', args.message, { cause: args.cause });
    this.module = args.module;
    this.reason = args.reason;
    this.builtForAbi = args.builtForAbi;
    this.builtForNode = args.builtForNode;
    this.fix = args.fix;
  }
}

/**
 * An optional package this feature needs is not installed: a database driver (`better-sqlite3` for
 * SQLite stores, `pg` for PostgreSQL) is an optional peer dependency, installed only by the apps
 * that use it; so is each MCP SDK generation, an optional peer of `@alter/mcp` (`serveHttp` of a
 * v1 server whose HTTP transport cannot be loaded). The message names the feature and the install command.
 */
export class DependencyMissingError extends AlterError {
  /** The npm package that is missing, e.g. `pg`. */
  readonly module: string;
  /** The command that installs it, e.g. `npm install pg`. */
  readonly install: string;

  /**
   * @param args.dependencyOf the package whose optional peer `module` is (default `@alter/vault`;
   *   `@alter/mcp` for the MCP SDK), named in the message.
   */
  constructor(args: { module: string; feature: string; dependencyOf?: string; cause?: unknown }) {
    const install = `npm install ${args.module}`;
    super(
      'ALTER_DEPENDENCY_MISSING',
      `${args.feature} needs the package "${args.module}", which is not installed (it is an optional peer dependency of ${args.dependencyOf ?? '@alter/vault'}). Run \`${install}\` (pnpm add ${args.module} / yarn add ${args.module}) in your app. In a bundle, keep it out of the bundle and install it beside it: see docs/bundling.md.`,
      { cause: args.cause },
    );
    this.module = args.module;
    this.install = install;
  }
}
