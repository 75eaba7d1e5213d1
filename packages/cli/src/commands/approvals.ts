/**
 * `alter approvals list|approve|deny`: the operator side of approvals by URL (docs/approvals.md) —
 * e.g. a second person approving a risky request. Deciding here is the same compare-and-set as the
 * approval page: the first decision wins, and the request is sent only when the app makes it again
 * (once). The audit row records `approvalVia: 'cli'` and `approvalBy`: the operator name from
 * `--by`, else `ALTER_OPERATOR`; one of them is required, so every decision names a person.
 */
import type { ApprovalDecisionResult, PendingApproval, PendingApprovalStatus } from '@alter/vault';
import { stringOption } from '../args.js';
import { CheckFailedError, NotFoundError, UsageError } from '../cli-error.js';
import { type CliIo, write } from '../cli-io.js';
import type { CommandContext, CommandSpec, OptionSpec } from '../command.js';
import { escapeControl } from '../output/sanitize.js';
import { renderTable } from '../output/table.js';

const STATUSES: readonly PendingApprovalStatus[] = ['pending', 'approved', 'denied', 'used', 'expired'];

export const approvalsList: CommandSpec = {
  path: ['approvals', 'list'],
  summary: 'List approvals asked by URL: id, user, tool, the request, status, expiry.',
  details:
    'By default only approvals still waiting for an answer; --all also shows answered, used and\n' +
    'recently expired ones (kept an hour past their expiry). The URL is redacted as in the audit log\n' +
    'and the body is the summary the user is shown; --json prints both, one object per line.',
  options: {
    user: { type: 'string', value: 'id', description: 'only this user' },
    status: { type: 'string', value: 'status', description: `only this status (${STATUSES.join(', ')})` },
    all: { type: 'boolean', short: 'a', description: 'every status, not only pending' },
    json: { type: 'boolean', description: 'one JSON object per line instead of a table' },
  },
  positionals: [],
  examples: ['alter approvals list', 'alter approvals list --user alice --all', 'alter approvals list --json'],
  usesVault: true,
  async run({ io, values, openVault }) {
    const user = stringOption(values, 'user');
    const status = stringOption(values, 'status');
    if (status !== undefined && !STATUSES.includes(status as PendingApprovalStatus))
      throw new UsageError(`--status must be one of ${STATUSES.join(', ')} (see "alter approvals list --help")`);
    if (status !== undefined && values.all === true) throw new UsageError('give --status or --all, not both');
    const vault = await openVault();
    const approvals = await vault.approvals.list({
      ...(user !== undefined ? { user } : {}),
      ...(values.all === true ? {} : { status: (status as PendingApprovalStatus | undefined) ?? 'pending' }),
      limit: 10_000,
    });
    if (values.json === true) {
      for (const a of approvals) await write(io.raw.stdout, `${JSON.stringify(jsonOf(a))}\n`);
      return 0;
    }
    if (approvals.length === 0) {
      io.stderr.write(values.all === true || status !== undefined ? 'no approvals match\n' : 'no approvals are waiting\n');
      return 0;
    }
    await write(
      io.stdout,
      renderTable(
        [{ header: 'ID' }, { header: 'USER' }, { header: 'TOOL' }, { header: 'STATUS' }, { header: 'EXPIRES' }, { header: 'REQUEST' }],
        approvals.map((a) => [
          a.id,
          a.user,
          a.tool ?? '-',
          a.status,
          a.expiresAt.toISOString(),
          `${a.method} ${a.url} (${a.provider}${a.account === null ? '' : `, ${a.account}`})`,
        ]),
      ),
    );
    return 0;
  },
};

const BY_OPTION: Readonly<Record<string, OptionSpec>> = {
  by: { type: 'string', value: 'name', description: 'who decides, recorded in the audit row (default: ALTER_OPERATOR)' },
};

export const approvalsApprove: CommandSpec = {
  path: ['approvals', 'approve'],
  summary: 'Approve a waiting request: sent once when the app makes it again.',
  details:
    'Shows the request it approves. The request is not sent now: the app sends it (once) when it makes\n' +
    'exactly the same request again before the approval expires. The audit row records --by (or\n' +
    'ALTER_OPERATOR) and "cli". Exit 1 when the approval is unknown, expired or already answered.',
  options: BY_OPTION,
  positionals: [{ name: 'approval-id', description: 'an id shown by "alter approvals list"', required: true }],
  examples: ['alter approvals approve q3Xy…  --by carol', 'ALTER_OPERATOR=carol alter approvals approve q3Xy…'],
  usesVault: true,
  run: (ctx) => decideCommand(ctx, 'approve'),
};

export const approvalsDeny: CommandSpec = {
  path: ['approvals', 'deny'],
  summary: 'Deny a waiting request: its retry is refused (audited as declined).',
  details:
    'The next time the app makes exactly this request it is refused with ApprovalRefusedError and the\n' +
    'audit row records the decline (--by or ALTER_OPERATOR, "cli"); a later call asks anew.\n' +
    'Exit 1 when the approval is unknown, expired or already answered.',
  options: BY_OPTION,
  positionals: [{ name: 'approval-id', description: 'an id shown by "alter approvals list"', required: true }],
  examples: ['alter approvals deny q3Xy…  --by carol'],
  usesVault: true,
  run: (ctx) => decideCommand(ctx, 'deny'),
};

async function decideCommand({ io, values, positionals, openVault }: CommandContext, action: 'approve' | 'deny'): Promise<number> {
  const id = positionals[0];
  if (id === undefined || positionals.length > 1)
    throw new UsageError(`give exactly one <approval-id> (see "alter approvals ${action} --help")`);
  const by = operatorOf(values, io);
  const vault = await openVault();
  const decision = { by, via: 'cli' };
  const result = action === 'approve' ? await vault.approvals.approve(id, decision) : await vault.approvals.deny(id, decision);
  if (!result.ok) throw refusalOf(id, result);
  const a = result.approval;
  io.stderr.write(`${describe(a)}\n`);
  await write(
    io.stdout,
    action === 'approve'
      ? `approved ${a.id}: sent once when the app makes this request again (before ${a.expiresAt.toISOString()})\n`
      : `denied ${a.id}: the app's next try of this request is refused\n`,
  );
  return 0;
}

/** `--by`, else `ALTER_OPERATOR`: an approval always names who gave it. */
function operatorOf(values: CommandContext['values'], io: CliIo): string {
  const by = stringOption(values, 'by') ?? io.env.ALTER_OPERATOR?.trim();
  if (by === undefined || by === '') throw new UsageError('say who decides: --by <name> or ALTER_OPERATOR (recorded in the audit row)');
  return by;
}

function refusalOf(id: string, result: Extract<ApprovalDecisionResult, { ok: false }>): Error {
  if (result.reason === 'unknown') return new NotFoundError(`no approval with id ${escapeControl(id)} (see "alter approvals list --all")`);
  const a = result.approval;
  const what = a ? ` (${a.status}${a.decision ? ` by ${escapeControl(a.decision.by)} via ${a.decision.via}` : ''})` : '';
  switch (result.reason) {
    case 'expired':
      return new CheckFailedError(`approval ${id} has expired; nothing was changed. The app asks anew when it tries again`);
    case 'used':
      return new CheckFailedError(`approval ${id} was already used${what}; nothing was changed`);
    default:
      return new CheckFailedError(`approval ${id} was already answered${what}; nothing was changed (the first answer stands)`);
  }
}

/** One line naming the request (stderr: context for the operator; stdout stays the result). */
function describe(a: PendingApproval): string {
  return escapeControl(
    `${a.method} ${a.url} (${a.provider}${a.account === null ? '' : `, account "${a.account}"`}) for user "${a.user}"${a.tool ? ` by tool ${a.tool}` : ''}${a.rule ? `, rule ${a.rule}` : ''}`,
  );
}

function jsonOf(a: PendingApproval): Record<string, unknown> {
  return {
    id: a.id,
    link: a.link,
    user: a.user,
    provider: a.provider,
    account: a.account,
    tool: a.tool,
    method: a.method,
    url: a.url,
    body: a.body,
    status: a.status,
    rule: a.rule,
    createdAt: a.createdAt.toISOString(),
    expiresAt: a.expiresAt.toISOString(),
    decision: a.decision ? { by: a.decision.by, via: a.decision.via, at: a.decision.at.toISOString() } : null,
  };
}
