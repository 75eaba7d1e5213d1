/** `alter store prune`: delete expired Connect sessions and auth-server records now. */
import { intOption } from '../args.js';
import { UsageError } from '../cli-error.js';
import type { CommandSpec } from '../command.js';

/** Largest batch the stores accept (GrantStore.kvSweep). */
const MAX_BATCH = 10_000;

export const storePrune: CommandSpec = {
  path: ['store', 'prune'],
  summary: 'Delete expired Connect sessions, auth codes and tokens from the store now.',
  details:
    'Servers do this in the background (every sweep.intervalMs, default 10 minutes); run it after a long\n' +
    'downtime, from cron when servers run with sweep: { intervalMs: 0 }, or to see how much was pending.\n' +
    'Deletes in batches (--batch-size rows per statement), so a large backlog never holds a long lock and\n' +
    'running servers keep working meanwhile. Only entries past their expiry are removed; grants, audit rows,\n' +
    'registered clients and the signing key have no expiry and are never touched.',
  options: {
    'batch-size': { type: 'string', value: 'n', description: `rows deleted per statement (default 1000, at most ${MAX_BATCH})` },
    json: { type: 'boolean', description: 'print {"removed": n, "batches": n} instead of a sentence' },
  },
  positionals: [],
  examples: ['alter store prune', 'alter store prune --batch-size 5000 --json'],
  usesVault: true,
  async run({ io, values, openVault }) {
    const batchSize = intOption(values, 'batch-size', 1000, MAX_BATCH);
    if (batchSize < 1) throw new UsageError('option --batch-size: must be at least 1');
    const vault = await openVault();
    const result = await vault.pruneExpired({ batchSize });
    if (values.json === true) io.raw.stdout.write(`${JSON.stringify({ removed: result.removed, batches: result.batches })}\n`);
    else
      io.stdout.write(
        `removed ${result.removed} expired row${result.removed === 1 ? '' : 's'} (${result.batches} batch${result.batches === 1 ? '' : 'es'})\n`,
      );
    return 0;
  },
};
