/**
 * The command dispatcher: finds the command, parses its arguments, runs it, closes the vault, and
 * turns any error into ONE line on stderr plus a non-zero exit status. Stack traces only with
 * `DEBUG=alter:*`.
 */
import { readFileSync } from 'node:fs';
import { isAlterError } from '@alter/vault';
import { parseCommandArgs } from './args.js';
import { CliError, UsageError } from './cli-error.js';
import { type CliIo, type CommandIo, commandIo } from './cli-io.js';
import type { CommandContext, CommandSpec } from './command.js';
import { COMMANDS } from './commands/index.js';
import { commandHelp, groupHelp } from './help.js';
import { escapeControl, escapeControlPerLine } from './output/sanitize.js';
import { VaultSession } from './vault-session.js';

/** The CLI's version (from its package.json). */
export const VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
})();

/**
 * Runs one command line (without `node` and the script path) and resolves to the exit status.
 * Never throws and never calls `process.exit`.
 *
 * @example
 * const code = await run(['grants', 'list', '--user', 'alice'], { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  // Everything below writes through this; only JSON lines, CSV and terminal controls use io.raw.
  const terminal = commandIo(io);
  try {
    return await dispatch(argv, terminal, COMMANDS);
  } catch (err) {
    reportError(err, terminal);
    return err instanceof CliError ? err.exitCode : 1;
  }
}

async function dispatch(argv: readonly string[], io: CommandIo, commands: readonly CommandSpec[]): Promise<number> {
  const [first, second] = argv;
  if (first === undefined) {
    io.stderr.write(groupHelp(commands, undefined, VERSION));
    return 2;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = argv.slice(1).filter((a) => !a.startsWith('-'));
    if (topic.length === 0) {
      io.stdout.write(groupHelp(commands, undefined, VERSION));
      return 0;
    }
    return dispatch([...topic, '--help'], io, commands);
  }
  if (first === '--version' || first === '-v') {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (first.startsWith('-')) throw new UsageError(`unknown option ${first} (see "alter --help")`);

  const group = commands.filter((c) => c.path[0] === first);
  if (group.length === 0) throw new UsageError(`unknown command "${first}" (see "alter --help")`);

  let spec: CommandSpec | undefined;
  let rest: readonly string[];
  const single = group.find((c) => c.path.length === 1);
  if (single) {
    spec = single;
    rest = argv.slice(1);
  } else {
    if (second === undefined || second === '--help' || second === '-h') {
      const help = groupHelp(commands, first, VERSION);
      if (second === undefined) {
        io.stderr.write(help);
        return 2;
      }
      io.stdout.write(help);
      return 0;
    }
    spec = group.find((c) => c.path[1] === second);
    if (!spec) throw new UsageError(`unknown command "${first} ${second}" (see "alter ${first} --help")`);
    rest = argv.slice(2);
  }

  const { values, positionals } = parseCommandArgs(spec, rest);
  if (values.help === true) {
    io.stdout.write(commandHelp(spec));
    return 0;
  }

  const session = new VaultSession(io, values);
  const ctx: CommandContext = {
    io,
    values,
    positionals,
    openVault: (options) => session.open(options),
    loadConfig: () => session.config(),
  };
  try {
    return await spec.run(ctx);
  } finally {
    await session.close();
  }
}

/**
 * Prints an error as one line: `alter: <message> [<code>]`; the stack too when DEBUG asks for it.
 * The message is escaped whatever stream it goes to: vault errors quote stored values (the
 * accounts an AccountAmbiguousError lists come from whoever connected them).
 */
export function reportError(err: unknown, io: CliIo): void {
  const message = err instanceof Error ? err.message : String(err);
  const code = err instanceof CliError ? undefined : isAlterError(err) ? err.code : (err as { code?: unknown } | null)?.code;
  const oneLine = message.replace(/\s*\n\s*/g, ' ').trim() || 'unknown error';
  io.stderr.write(`${escapeControl(`alter: ${oneLine}${typeof code === 'string' ? ` [${code}]` : ''}`)}\n`);
  if (debugEnabled(io.env) && err instanceof Error) {
    let e: unknown = err;
    for (let i = 0; i < 5 && e instanceof Error; i++) {
      io.stderr.write(`${escapeControlPerLine(`${i === 0 ? '' : 'caused by: '}${e.stack ?? e.message}`)}\n`);
      e = e.cause;
    }
  }
}

function debugEnabled(env: NodeJS.ProcessEnv): boolean {
  return (env.DEBUG ?? '').split(/[\s,]+/).some((p) => p === '*' || p.startsWith('alter:'));
}
