/** `alter audit tail | verify | export`. */
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { AuditRecord } from '@alter/vault';
import { intOption, stringOption } from '../args.js';
import { CheckFailedError, UsageError } from '../cli-error.js';
import { Progress, RunningCount, write } from '../cli-io.js';
import type { CommandSpec, OptionSpec, OptionValues } from '../command.js';
import { auditCsvHeader, auditCsvLine, auditJsonLine, CHAIN_SEPARATOR } from '../output/audit-format.js';
import { renderTable } from '../output/table.js';
import { parseSince } from '../time.js';
import type { CliVault } from '../vault-session.js';

const FILTER_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  user: { type: 'string', value: 'id', description: 'only rows of this user' },
  tool: { type: 'string', value: 'name', description: 'only rows of this tool' },
  provider: { type: 'string', value: 'id', description: 'only rows for this provider' },
  since: { type: 'string', value: 'when', description: 'only rows at or after: 2026-11-01, 2026-11-01T08:00:00Z, or 30m / 24h / 7d ago' },
};

/** Rows per store query when paging through the log. */
const PAGE = 1_000;

interface AuditFilterValues {
  readonly user?: string;
  readonly tool?: string;
  readonly provider?: string;
  readonly since?: Date;
}

function filters(values: OptionValues): AuditFilterValues {
  const user = stringOption(values, 'user');
  const tool = stringOption(values, 'tool');
  const provider = stringOption(values, 'provider');
  const since = stringOption(values, 'since');
  return {
    ...(user !== undefined ? { user } : {}),
    ...(tool !== undefined ? { tool } : {}),
    ...(provider !== undefined ? { provider } : {}),
    ...(since !== undefined ? { since: parseSince(since, new Date()) } : {}),
  };
}

/**
 * Every matching row with seq > `afterSeq`, oldest first, one page at a time (the store's
 * `afterSeq` query), so memory stays flat however long the log is.
 */
async function* rowsAfter(vault: CliVault, filter: AuditFilterValues, afterSeq: number): AsyncGenerator<AuditRecord[]> {
  let after = afterSeq;
  for (;;) {
    const page = await vault.store.queryAudit({ ...filter, afterSeq: after, limit: PAGE });
    if (page.length === 0) return;
    yield page;
    after = page[page.length - 1]!.seq;
    if (page.length < PAGE) return;
  }
}

function tableOf(rows: readonly AuditRecord[]): string {
  return renderTable(
    [
      { header: 'SEQ', align: 'right' },
      { header: 'TIME' },
      { header: 'USER' },
      { header: 'PROVIDER' },
      { header: 'TOOL' },
      { header: 'METHOD' },
      { header: 'STATUS', align: 'right' },
      { header: 'MS', align: 'right' },
      { header: 'URL' },
    ],
    rows.map((r) => [
      String(r.seq),
      r.at.toISOString(),
      r.user,
      r.provider,
      r.chain.length > 0 ? r.chain.join(CHAIN_SEPARATOR) : (r.tool ?? '-'),
      r.method,
      r.status === null ? (r.errorCode ?? '-') : String(r.status),
      String(Math.round(r.durationMs)),
      r.url,
    ]),
  );
}

/** Resolves after `ms`, or early when the signal aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export const auditTail: CommandSpec = {
  path: ['audit', 'tail'],
  summary: 'Show the newest audit rows; --follow keeps printing new ones.',
  details: 'Rows are printed oldest first. Control characters in values are shown escaped (\\x1b).',
  options: {
    ...FILTER_OPTIONS,
    lines: { type: 'string', short: 'n', value: 'count', description: 'how many rows (default 20)' },
    follow: { type: 'boolean', short: 'f', description: 'keep watching for new rows until Ctrl-C' },
    interval: { type: 'string', value: 'ms', description: 'how often --follow polls the store (default 1000)' },
    json: { type: 'boolean', description: 'one JSON object per line instead of a table' },
  },
  positionals: [],
  examples: ['alter audit tail', 'alter audit tail -n 100 --user alice', 'alter audit tail --tool list_events --follow --json'],
  usesVault: true,
  async run({ io, values, openVault }) {
    const count = intOption(values, 'lines', 20, 100_000);
    const interval = Math.max(50, intOption(values, 'interval', 1_000, 3_600_000));
    const filter = filters(values);
    const vault = await openVault();
    const newest = count === 0 ? [] : await vault.audit.query({ ...filter, limit: count });
    const rows = [...newest].reverse();
    const json = values.json === true;
    if (json) for (const r of rows) await write(io.raw.stdout, auditJsonLine(r));
    else if (rows.length > 0) await write(io.stdout, tableOf(rows));
    else if (values.follow !== true) io.stderr.write('no audit rows match\n');
    if (values.follow !== true) return 0;

    let lastSeq = rows.at(-1)?.seq ?? (await vault.store.lastAudit())?.seq ?? 0;
    io.stderr.write('following new rows (Ctrl-C to stop)\n');
    while (!io.signal?.aborted) {
      await sleep(interval, io.signal);
      if (io.signal?.aborted) break;
      for await (const page of rowsAfter(vault, filter, lastSeq)) {
        if (json) for (const r of page) await write(io.raw.stdout, auditJsonLine(r));
        // Follow mode prints rows without the header after the first screen: one row, one line.
        else await write(io.stdout, tableOf(page).split('\n').slice(1).join('\n'));
        lastSeq = page.at(-1)!.seq;
      }
    }
    return 0;
  },
};

export const auditVerify: CommandSpec = {
  path: ['audit', 'verify'],
  summary: 'Check the audit hash chain; exit 1 naming the first changed or missing row.',
  details:
    'The last hash printed anchors the chain: keep it somewhere else (a ticket, a log service) and compare\n' +
    'later, to also detect rows cut off the end.',
  options: {
    json: { type: 'boolean', description: 'print the result as JSON' },
  },
  positionals: [],
  examples: ['alter audit verify', 'alter audit verify --json'],
  usesVault: true,
  async run({ io, values, openVault }) {
    const vault = await openVault();
    const count = new RunningCount(io.raw.stderr, (n) => `verifying audit chain: ${n} rows checked`);
    let result: Awaited<ReturnType<CliVault['audit']['verify']>>;
    try {
      result = await vault.audit.verify({ onProgress: (n) => count.update(n) });
    } finally {
      count.finish();
    }
    if (values.json === true) io.raw.stdout.write(`${JSON.stringify(result)}\n`);
    if (!result.ok) {
      throw new CheckFailedError(
        `audit chain BROKEN at row ${result.firstBadSeq}: ${result.problem} (${result.checked} rows before it are intact)`,
      );
    }
    io.stderr.write(`verified: ${result.checked} rows\n`);
    if (values.json !== true) io.stdout.write(`audit chain intact: ${result.checked} rows, last hash ${result.lastHash}\n`);
    return 0;
  },
};

export const auditExport: CommandSpec = {
  path: ['audit', 'export'],
  summary: 'Export audit rows, oldest first, as JSON lines or CSV.',
  details:
    'Every field is exported, including prevHash and hash, so an export can be checked elsewhere. CSV follows\n' +
    'RFC 4180 (CRLF, quoted fields); the chain column is "outer > inner". The count goes to stderr.',
  options: {
    format: { type: 'string', value: 'jsonl|csv', description: 'output format (default jsonl)' },
    ...FILTER_OPTIONS,
    output: { type: 'string', short: 'o', value: 'file', description: 'write to this file instead of stdout' },
  },
  positionals: [],
  examples: ['alter audit export --format csv --since 7d > audit.csv', 'alter audit export --user alice --tool send_email -o alice.jsonl'],
  usesVault: true,
  async run({ io, values, openVault }) {
    const format = stringOption(values, 'format') ?? 'jsonl';
    if (format !== 'jsonl' && format !== 'csv')
      throw new UsageError(`option --format: "${format}" is not one of jsonl, csv (see "alter audit export --help")`);
    const filter = filters(values);
    const file = stringOption(values, 'output');
    const vault = await openVault();
    // JSON lines escape by themselves; CSV stays byte-exact (an export must parse back to the same values).
    const out = file ? createWriteStream(file, { mode: 0o600 }) : io.raw.stdout;
    const progress = new Progress(io.raw.stderr, 'exported');
    let interrupted = false;
    try {
      if (format === 'csv') await write(out, auditCsvHeader());
      const line = format === 'csv' ? auditCsvLine : auditJsonLine;
      for await (const page of rowsAfter(vault, filter, 0)) {
        if (io.signal?.aborted) {
          interrupted = true;
          break;
        }
        await write(out, page.map(line).join(''));
        progress.add(page.length);
      }
    } finally {
      if (file) {
        (out as NodeJS.WritableStream).end();
        await finished(out as NodeJS.WritableStream);
      }
    }
    progress.done(`rows${file ? ` to ${file}` : ''}${interrupted ? ' (interrupted: the export is incomplete)' : ''}`);
    return interrupted ? 130 : 0;
  },
};
