/**
 * Errors raised by the `alter` command itself (as opposed to the vault's `AlterError`s, which the
 * CLI reports as they are). Each has a stable `code` and the exit status the process ends with.
 */

/** Stable codes of every {@link CliError}. */
export type CliErrorCode =
  /** Unknown command or option, missing or malformed argument. Exit status 2. */
  | 'ALTER_CLI_USAGE'
  /** The config file is missing, unreadable or malformed. Exit status 1. */
  | 'ALTER_CLI_CONFIG'
  /** The command ran and found a problem (broken audit chain, failing doctor check). Exit status 1. */
  | 'ALTER_CLI_CHECK_FAILED'
  /** What the command was asked to act on does not exist (no such grant, unknown provider). Exit status 1. */
  | 'ALTER_CLI_NOT_FOUND';

/** Base class of errors thrown by the CLI. `exitCode` is the process exit status. */
export class CliError extends Error {
  readonly code: CliErrorCode;
  readonly exitCode: number;

  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.exitCode = options?.exitCode ?? (code === 'ALTER_CLI_USAGE' ? 2 : 1);
    this.name = new.target.name;
  }
}

/** A command line the CLI cannot run. The message names the argument and points at `--help`. */
export class UsageError extends CliError {
  constructor(message: string) {
    super('ALTER_CLI_USAGE', message);
  }
}

/** The configuration could not be loaded. The message names the file or variable. */
export class ConfigFileError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ALTER_CLI_CONFIG', message, options);
  }
}

/** A check the command performs failed; the report was already printed, this sets the exit status. */
export class CheckFailedError extends CliError {
  constructor(message: string) {
    super('ALTER_CLI_CHECK_FAILED', message);
  }
}

/** The grant, provider or session the command was asked to act on does not exist. */
export class NotFoundError extends CliError {
  constructor(message: string) {
    super('ALTER_CLI_NOT_FOUND', message);
  }
}
