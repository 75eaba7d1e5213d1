#!/usr/bin/env node
/**
 * The Alter demo, offline, in one command (`pnpm demo`):
 *
 *  1. starts the sandbox (a real OAuth server + fake Gmail, Calendar, GitHub and Slack APIs on
 *     127.0.0.1), a vault on a SQLite file in a temp folder, and an MCP server with the Google,
 *     GitHub and Slack tool packs over Streamable HTTP; an MCP client (the SDK's) connects;
 *  2. lists the tools;
 *  3. calls a tool before alice has connected Google → the answer is a Connect URL;
 *  4. alice approves in the sandbox, headless (login + consent, as a browser would);
 *  5. the same call succeeds;
 *  6. a nested tool (summarize_inbox → search_emails);
 *  7. GitHub and Slack, connected in one Connect session built from the packs' manifests;
 *  8. the audit trail with its parent chain;
 *  9. the audit hash chain verified.
 *
 * Every step checks what it shows; the first failure prints why and exits 1. `--keep` leaves
 * the vault in its temp folder and prints the `alter` commands that explore it.
 */
import { bold, red } from './report.js';
import { exploreCommands, runDemo } from './run-demo.js';

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--keep');
if (unknown.length > 0) {
  console.error(
    `unknown argument ${unknown.join(' ')}. Usage: pnpm demo [--keep]  (--keep leaves the vault to explore with the alter CLI)`,
  );
  process.exit(2);
}

const started = Date.now();
runDemo({ keep: args.includes('--keep') })
  .then(({ keptDir }) => {
    console.log(`\nDemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s. Every step passed.`);
    if (keptDir) {
      console.log(`\n${bold('The vault is kept')} in ${keptDir}. Explore it from the repository root:`);
      for (const line of exploreCommands(keptDir)) console.log(`  ${line}`);
      console.log(`Remove it when done: rm -rf ${keptDir}`);
    } else {
      console.log('Run `pnpm demo --keep` to keep the vault and explore it with the alter CLI.');
    }
    process.exit(0);
  })
  .catch((err: unknown) => {
    console.error(`\n${red('✗')} ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.DEBUG && err instanceof Error && err.cause instanceof Error) console.error(err.cause.stack);
    process.exit(1);
  });
