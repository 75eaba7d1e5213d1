/** `alter grants list` and `alter grants revoke`. Grants are shown without any token field. */
import { createInterface } from 'node:readline/promises';
import type { RevokeGrantResult } from '@alter/vault';
import { stringOption } from '../args.js';
import { CheckFailedError, NotFoundError, UsageError } from '../cli-error.js';
import { type CommandIo, write } from '../cli-io.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { escapeControl } from '../output/sanitize.js';
import { renderTable } from '../output/table.js';

export const grantsList: CommandSpec = {
  path: ['grants', 'list'],
  summary: 'List grants: user, provider, account, status, expiry, scopes (never a token).',
  options: {
    user: { type: 'string', value: 'id', description: 'only this user' },
    provider: { type: 'string', value: 'id', description: 'only this provider' },
    account: { type: 'string', value: 'account', description: 'only this provider account' },
    all: { type: 'boolean', short: 'a', description: 'include revoked grants' },
    json: { type: 'boolean', description: 'one JSON object per line instead of a table' },
  },
  positionals: [],
  examples: ['alter grants list', 'alter grants list --user alice --all', 'alter grants list --provider github --json'],
  usesVault: true,
  async run({ io, values, openVault }) {
    const vault = await openVault();
    const user = stringOption(values, 'user');
    const provider = stringOption(values, 'provider');
    const account = stringOption(values, 'account');
    const grants = await vault.grants.list({
      ...(user !== undefined ? { user } : {}),
      ...(provider !== undefined ? { provider } : {}),
      ...(account !== undefined ? { account } : {}),
      includeRevoked: values.all === true,
    });
    if (values.json === true) {
      for (const g of grants) {
        await write(
          io.raw.stdout,
          `${JSON.stringify({
            id: g.id,
            user: g.user,
            provider: g.provider,
            account: g.account,
            scopes: g.scopes,
            status: g.status,
            expiresAt: g.expiresAt?.toISOString() ?? null,
            createdAt: g.createdAt.toISOString(),
            updatedAt: g.updatedAt.toISOString(),
          })}\n`,
        );
      }
      return 0;
    }
    if (grants.length === 0) {
      io.stderr.write('no grants match\n');
      return 0;
    }
    await write(
      io.stdout,
      renderTable(
        [
          { header: 'ID' },
          { header: 'USER' },
          { header: 'PROVIDER' },
          { header: 'ACCOUNT' },
          { header: 'STATUS' },
          { header: 'EXPIRES' },
          { header: 'SCOPES' },
        ],
        grants.map((g) => [
          g.id,
          g.user,
          g.provider,
          g.account || '-',
          g.status,
          g.expiresAt ? g.expiresAt.toISOString() : '-',
          g.scopes.join(' '),
        ]),
      ),
    );
    return 0;
  },
};

export const grantsRevoke: CommandSpec = {
  path: ['grants', 'revoke'],
  summary: 'Revoke grants (here and at the provider) by id, by user and provider, or --all matching.',
  details:
    'Revoked grants are kept (for audit) but never used again: the next tool call for that user and\n' +
    'provider answers with a Connect URL. The provider is asked to revoke the token too (RFC 7009,\n' +
    "GitHub's grant deletion, Slack's auth.revoke); each line says whether it confirmed. When a provider\n" +
    'cannot be reached the grant is still revoked here, the line says "failed" and the exit status is 1:\n' +
    "revoke it in the provider's settings. --all (incident response) revokes every active grant matching\n" +
    '--provider/--user/--account, printing N/M progress on stderr and a summary on stdout; it needs --yes\n' +
    '(or answers a prompt when run in a terminal).',
  options: {
    user: { type: 'string', value: 'id', description: 'revoke the grant of this user (with --provider, or a filter with --all)' },
    provider: { type: 'string', value: 'id', description: 'provider of the grant (with --user, or a filter with --all)' },
    account: { type: 'string', value: 'account', description: 'which account, when the user connected several' },
    all: { type: 'boolean', description: 'revoke every active grant matching --provider/--user/--account' },
    yes: { type: 'boolean', short: 'y', description: 'with --all: do not ask for confirmation' },
  },
  positionals: [{ name: 'grant-id', description: 'grant ids as shown by "alter grants list"', required: false, variadic: true }],
  examples: [
    'alter grants revoke 3f2c9a1e-…',
    'alter grants revoke --user alice --provider github',
    'alter grants revoke --all --provider github --yes',
    'alter grants revoke --all --user alice --yes',
  ],
  usesVault: true,
  async run({ io, values, positionals, openVault }) {
    const user = stringOption(values, 'user');
    const provider = stringOption(values, 'provider');
    const account = stringOption(values, 'account');
    if (values.all === true) {
      if (positionals.length > 0) throw new UsageError('give grant ids or --all, not both (see "alter grants revoke --help")');
      return revokeAll({ io, openVault, yes: values.yes === true, filter: { user, provider, account } });
    }
    if (values.yes === true) throw new UsageError('--yes is only used with --all (see "alter grants revoke --help")');
    const bySelector = user !== undefined || provider !== undefined || account !== undefined;
    if (bySelector && positionals.length > 0)
      throw new UsageError('give grant ids or --user/--provider, not both (see "alter grants revoke --help")');
    if (!bySelector && positionals.length === 0)
      throw new UsageError('missing <grant-id>, --user and --provider, or --all (see "alter grants revoke --help")');
    if (bySelector && (user === undefined || provider === undefined)) {
      throw new UsageError(
        `${user === undefined ? '--user' : '--provider'} is required with ${user === undefined ? '--provider' : '--user'} (see "alter grants revoke --help")`,
      );
    }
    const vault = await openVault();
    if (bySelector) {
      const done = await vault.grants.revoke({ user: user!, provider: provider!, ...(account !== undefined ? { account } : {}) });
      if (!done.revoked)
        throw new NotFoundError(`no active ${provider} grant for user "${user}"${account !== undefined ? ` (account "${account}")` : ''}`);
      io.stdout.write(`revoked the ${provider} grant of user "${user}"\n`);
      io.stderr.write(`${done.provider}: ${upstreamText(done)}\n`);
      return done.upstream === 'failed' ? 1 : 0;
    }
    let missing = 0;
    let failed = 0;
    for (const id of positionals) {
      const done = await vault.grants.revoke({ id });
      if (done.revoked) {
        io.stdout.write(`revoked ${id}\n`);
        io.stderr.write(`${id}: ${done.provider} ${upstreamText(done)}\n`);
        if (done.upstream === 'failed') failed += 1;
      } else {
        missing += 1;
        io.stderr.write(`alter: no active grant with id ${id}\n`);
      }
    }
    return missing === 0 && failed === 0 ? 0 : 1;
  },
};

/** One line about what the provider said (never a token: reasons are token-free by contract). */
function upstreamText(r: RevokeGrantResult): string {
  if (!r.revoked) return 'nothing to revoke';
  if (r.upstream === 'confirmed') return 'provider confirmed the revocation';
  if (r.upstream === 'unsupported') return `provider cannot revoke (${r.reason}); revoked here only`;
  return `provider revocation FAILED (${r.reason}); revoked here only, revoke it at the provider`;
}

/** `--all`: every active grant matching the filter, one at a time, with N/M progress on stderr. */
async function revokeAll(args: {
  io: CommandIo;
  openVault: CommandContext['openVault'];
  yes: boolean;
  filter: { user: string | undefined; provider: string | undefined; account: string | undefined };
}): Promise<number> {
  const { io, filter } = args;
  const vault = await args.openVault();
  const grants = await vault.grants.list({
    ...(filter.user !== undefined ? { user: filter.user } : {}),
    ...(filter.provider !== undefined ? { provider: filter.provider } : {}),
    ...(filter.account !== undefined ? { account: filter.account } : {}),
  });
  const scope = describeFilter(filter);
  if (grants.length === 0) {
    io.stderr.write(`no active grants match ${scope}\n`);
    return 0;
  }
  if (!args.yes) {
    // Revoking every grant is not undoable (users must reconnect): ask, or insist on --yes.
    if (io.stdin?.isTTY !== true) {
      throw new UsageError(
        `--all would revoke ${grants.length} grant(s) of ${scope}; add --yes to confirm (see "alter grants revoke --help")`,
      );
    }
    if (!(await confirm(io, `Revoke ${grants.length} grant(s) of ${scope}, here and at the provider? [y/N] `))) {
      io.stderr.write('nothing revoked\n');
      return 1;
    }
  }
  const counts = { confirmed: 0, unsupported: 0, failed: 0, skipped: 0 };
  let done = 0;
  for (const g of grants) {
    if (io.signal?.aborted) break;
    const r = await vault.grants.revoke({ id: g.id });
    done += 1;
    counts[r.upstream] += 1;
    const who = `${g.provider} grant ${g.id} of user "${g.user}"${g.account ? ` (account ${g.account})` : ''}`;
    io.stderr.write(`revoking ${done}/${grants.length}: ${who}: ${r.revoked ? upstreamText(r) : 'already revoked'}\n`);
  }
  const revoked = counts.confirmed + counts.unsupported + counts.failed;
  const interrupted = done < grants.length ? ` (interrupted after ${done} of ${grants.length})` : '';
  await write(
    io.stdout,
    `revoked ${revoked} grant(s) of ${scope}${interrupted}: ${counts.confirmed} confirmed, ${counts.unsupported} unsupported, ${counts.failed} failed at the provider\n`,
  );
  if (counts.failed > 0) {
    throw new CheckFailedError(
      `${counts.failed} grant(s) were revoked here but not at the provider; revoke them in the provider's settings (see the FAILED lines above)`,
    );
  }
  return interrupted ? 130 : 0;
}

function describeFilter(filter: { user: string | undefined; provider: string | undefined; account: string | undefined }): string {
  const parts = [
    filter.provider !== undefined ? `provider ${filter.provider}` : undefined,
    filter.user !== undefined ? `user "${filter.user}"` : undefined,
    filter.account !== undefined ? `account ${filter.account}` : undefined,
  ].filter((p): p is string => p !== undefined);
  return parts.length > 0 ? parts.join(', ') : 'every provider and user';
}

/**
 * Asks a yes/no question on the terminal (stderr, so stdout stays data). readline draws the line
 * with its own terminal controls, so it gets the raw stderr and the question is escaped here.
 */
async function confirm(io: CommandIo, question: string): Promise<boolean> {
  const rl = createInterface({ input: io.stdin!, output: io.raw.stderr });
  try {
    const answer = await rl.question(escapeControl(question));
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
