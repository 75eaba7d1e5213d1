/** `--help` text, generated from the command specs. */
import { allOptions, commandName } from './args.js';
import type { CommandSpec } from './command.js';

/** Help of one command: usage line, summary, details, arguments, options, examples. */
export function commandHelp(spec: CommandSpec): string {
  const options = allOptions(spec);
  const positionals = spec.positionals.map((p) => {
    const name = `<${p.name}>${p.variadic ? '...' : ''}`;
    return p.required ? name : `[${name}]`;
  });
  const lines = [`Usage: ${[commandName(spec), ...positionals, '[options]'].join(' ')}`, '', spec.summary];
  if (spec.details) lines.push('', spec.details);
  if (spec.positionals.length > 0) {
    lines.push('', 'Arguments:');
    lines.push(...twoColumns(spec.positionals.map((p) => [`<${p.name}>`, p.description])));
  }
  lines.push('', 'Options:');
  lines.push(
    ...twoColumns(
      Object.entries(options).map(([name, o]) => [
        `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` <${o.value ?? 'value'}>` : ''}`,
        o.description,
      ]),
    ),
  );
  if (spec.examples.length > 0) lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return `${lines.join('\n')}\n`;
}

/** Help of a command group (`alter grants --help`) or of the whole CLI (`group` undefined). */
export function groupHelp(specs: readonly CommandSpec[], group: string | undefined, version: string): string {
  const inGroup = group === undefined ? specs : specs.filter((s) => s.path[0] === group);
  const head =
    group === undefined
      ? [
          `alter ${version} — operate an Alter vault: grants, Connect, audit log, keys, health.`,
          '',
          'Usage: alter <command> [options]',
          '',
          'Commands:',
        ]
      : [`Usage: alter ${group} <command> [options]`, '', 'Commands:'];
  const tail =
    group === undefined
      ? [
          '',
          'Configuration: --config <file>, or alter.config.mjs / alter.config.json in the current',
          'directory, plus ALTER_VAULT_STORE, ALTER_VAULT_KEY and ALTER_CALLER. See docs/cli.md.',
          '',
          'Run "alter <command> --help" for a command\'s options. DEBUG=alter:* prints stack traces.',
        ]
      : ['', `Run "alter ${group} <command> --help" for a command's options.`];
  return `${[...head, ...twoColumns(inGroup.map((s) => [s.path.join(' '), s.summary])), ...tail].join('\n')}\n`;
}

function twoColumns(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `  ${a.padEnd(width)}  ${b}`);
}
