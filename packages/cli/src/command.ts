/**
 * How a command is declared: its path (`['audit', 'export']`), options, positionals and help text.
 * Parsing (`args.ts`) and help (`help.ts`) are generated from this one description, so `--help`
 * can never drift from what the parser accepts.
 */
import type { CommandIo } from './cli-io.js';
import type { LoadedConfig } from './config.js';
import type { CliVault, OpenOptions } from './vault-session.js';

/** One `--option`. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Placeholder shown in help: `--user <id>`. */
  readonly value?: string;
  readonly description: string;
}

/** One positional argument. */
export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  readonly required: boolean;
  /** Accepts one or more values (`grants revoke <grant-id>...`). */
  readonly variadic?: boolean;
}

/** Parsed option values, by long name. */
export type OptionValues = Readonly<Record<string, string | boolean | undefined>>;

/** What a command's `run` gets. */
export interface CommandContext {
  /** Human-readable output escaped by default; `io.raw` for JSON lines and CSV. */
  readonly io: CommandIo;
  readonly values: OptionValues;
  readonly positionals: readonly string[];
  /** Loads the config and opens the vault (once); the CLI closes it after `run`. */
  openVault(options?: OpenOptions): Promise<CliVault>;
  /** Loads the config without opening the vault (`doctor` checks each step itself). */
  loadConfig(): Promise<LoadedConfig>;
}

export interface CommandSpec {
  /** `['grants', 'list']`, `['doctor']`. */
  readonly path: readonly string[];
  readonly summary: string;
  /** Extra paragraphs shown in `--help` under the usage line. */
  readonly details?: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly positionals: readonly PositionalSpec[];
  readonly examples: readonly string[];
  /** Whether the command opens the vault (and so accepts the config options). */
  readonly usesVault: boolean;
  /** Resolves to the exit status (0 for success). */
  run(ctx: CommandContext): Promise<number>;
}

/** Options every vault command accepts. */
export const VAULT_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  config: { type: 'string', value: 'file', description: 'config file (default: alter.config.mjs, .js or .json in the current directory)' },
  store: {
    type: 'string',
    value: 'path|url',
    description: 'SQLite file or postgres:// URL (overrides ALTER_VAULT_STORE and the config file)',
  },
  caller: { type: 'string', value: 'name', description: 'caller name the vault is opened as (overrides ALTER_CALLER and the config file)' },
};

/** `--help`, accepted by every command. */
export const HELP_OPTION: Readonly<Record<string, OptionSpec>> = {
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};
