/** Parses a command's arguments with node's own `util.parseArgs`, turning its errors into one-line usage errors. */
import { parseArgs } from 'node:util';
import { UsageError } from './cli-error.js';
import { type CommandSpec, HELP_OPTION, type OptionSpec, type OptionValues, VAULT_OPTIONS } from './command.js';

/** Every option a command accepts: its own, the config options when it opens the vault, and `--help`. */
export function allOptions(spec: CommandSpec): Readonly<Record<string, OptionSpec>> {
  return { ...spec.options, ...(spec.usesVault ? VAULT_OPTIONS : {}), ...HELP_OPTION };
}

/** `alter grants list` */
export function commandName(spec: CommandSpec): string {
  return ['alter', ...spec.path].join(' ');
}

/**
 * Parses `args` (everything after the command path) against `spec`.
 *
 * @throws UsageError for an unknown option, a missing option value, a missing or extra positional;
 *   the message names the argument and the command's `--help`.
 */
export function parseCommandArgs(spec: CommandSpec, args: readonly string[]): { values: OptionValues; positionals: string[] } {
  const options = allOptions(spec);
  const hint = `see "${commandName(spec)} --help"`;
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...args],
      options: Object.fromEntries(
        Object.entries(options).map(([name, o]) => [name, o.short ? { type: o.type, short: o.short } : { type: o.type }]),
      ),
      allowPositionals: true,
      strict: true,
    }) as typeof parsed;
  } catch (err) {
    throw new UsageError(`${describeParseError(err, options)} (${hint})`);
  }
  if (parsed.values.help === true) return { values: parsed.values, positionals: parsed.positionals };

  const required = spec.positionals.filter((p) => p.required);
  if (parsed.positionals.length < required.length) {
    const missing = required[parsed.positionals.length]!;
    throw new UsageError(`missing <${missing.name}> (${hint})`);
  }
  const variadic = spec.positionals.some((p) => p.variadic);
  if (!variadic && parsed.positionals.length > spec.positionals.length) {
    throw new UsageError(`unexpected argument "${parsed.positionals[spec.positionals.length]}" (${hint})`);
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

function describeParseError(err: unknown, options: Readonly<Record<string, OptionSpec>>): string {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  const quoted = /'([^']+)'/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted ?? ''}`.trim();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const name = /--([\w-]+)/.exec(message)?.[1];
      const spec = name ? options[name] : undefined;
      return spec?.type === 'boolean' ? `option --${name} takes no value` : `option ${name ? `--${name}` : (quoted ?? '')} needs a value`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${quoted ?? ''}`.trim();
    default:
      return message.split('\n')[0]!;
  }
}

/** Reads a non-negative integer option, naming it when the value is not one. */
export function intOption(values: OptionValues, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n > max)
    throw new UsageError(`option --${name}: "${String(raw)}" is not a whole number between 0 and ${max}`);
  return n;
}

/** Reads a string option (undefined when absent). */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}
