/**
 * Errors thrown by @alter/testing. Each carries a stable `code` (switch on it, not on the
 * message) and a message that says what to do next. None ever contains a token or a secret.
 */

/** Stable codes of every {@link SandboxError}. */
export type SandboxErrorCode =
  /** A public function was called with a bad argument; `argument` names it. */
  | 'SANDBOX_INVALID_ARGUMENT'
  /** `approve()` was asked to contact a URL that is not on a loopback host. */
  | 'SANDBOX_NOT_LOOPBACK'
  /** `approve()` followed more redirects than `maxRedirects` (a redirect loop). */
  | 'SANDBOX_REDIRECT_LOOP'
  /** The sandbox was used after `close()`. */
  | 'SANDBOX_CLOSED'
  /**
   * A tool-pack kit check (`expectToolsMatchManifest`, `expectToolsDeclareEndpoints`, a store
   * contract check) found what it guards against; the message lists every difference.
   */
  | 'SANDBOX_CHECK_FAILED';

/** The one error class of @alter/testing. */
export class SandboxError extends Error {
  readonly code: SandboxErrorCode;
  /** For `SANDBOX_INVALID_ARGUMENT`: the argument that was wrong (`'login'`, `'options.status'`). */
  readonly argument: string | undefined;

  constructor(code: SandboxErrorCode, message: string, options?: { argument?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.argument = options?.argument;
    this.name = new.target.name;
  }

  /** A plain view for logs and JSON. */
  toJSON(): { name: string; code: SandboxErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/** Shorthand for a `SANDBOX_INVALID_ARGUMENT` error naming `argument`. */
export function invalidArgument(argument: string, message: string): SandboxError {
  return new SandboxError('SANDBOX_INVALID_ARGUMENT', `${argument}: ${message}`, { argument });
}

/** Shorthand for a `SANDBOX_CHECK_FAILED` error: `what` failed, each of `problems` on its own line. */
export function checkFailed(what: string, problems: readonly string[]): SandboxError {
  return new SandboxError('SANDBOX_CHECK_FAILED', `${what}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}
