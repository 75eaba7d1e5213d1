/** `alter grants list` and `alter grants revoke`. Grants are shown without any token field. */
import { stringOption } from '../args.js';
import { NotFoundError, UsageError } from '../cli-error.js';
import { write } from '../cli-io.js';
import type { CommandSpec } from '../command.js';
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
          io.stdout,
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
        [{ header: 'ID' }, { header: 'USER' }, { header: 'PROVIDER' }, { header: 'ACCOUNT' }, { header: 'STATUS' }, { header: 'EXPIRES' }, { header: 'SCOPES' }],
        grants.map((g) => [g.id, g.user, g.provider, g.account || '-', g.status, g.expiresAt ? g.expiresAt.toISOString() : '-', g.scopes.join(' ')]),
      ),
    );
    return 0;
  },
};

export const grantsRevoke: CommandSpec = {
  path: ['grants', 'revoke'],
  summary: 'Revoke grants by id, or the grant of a user and provider.',
  details:
    'Revoked grants are kept (for audit) but never used again: the next tool call for that user and\n' +
    'provider answers with a Connect URL. This does not revoke the token at the provider; do that in the\n' +
    "provider's settings too when the token may be compromised.",
  options: {
    user: { type: 'string', value: 'id', description: 'revoke the grant of this user (with --provider)' },
    provider: { type: 'string', value: 'id', description: 'provider of the grant (with --user)' },
    account: { type: 'string', value: 'account', description: 'which account, when the user connected several' },
  },
  positionals: [{ name: 'grant-id', description: 'grant ids as shown by "alter grants list"', required: false, variadic: true }],
  examples: ['alter grants revoke 3f2c9a1e-…', 'alter grants revoke --user alice --provider github'],
  usesVault: true,
  async run({ io, values, positionals, openVault }) {
    const user = stringOption(values, 'user');
    const provider = stringOption(values, 'provider');
    const account = stringOption(values, 'account');
    const bySelector = user !== undefined || provider !== undefined || account !== undefined;
    if (bySelector && positionals.length > 0) throw new UsageError('give grant ids or --user/--provider, not both (see "alter grants revoke --help")');
    if (!bySelector && positionals.length === 0) throw new UsageError('missing <grant-id> or --user and --provider (see "alter grants revoke --help")');
    if (bySelector && (user === undefined || provider === undefined)) {
      throw new UsageError(`${user === undefined ? '--user' : '--provider'} is required with ${user === undefined ? '--provider' : '--user'} (see "alter grants revoke --help")`);
    }
    const vault = await openVault();
    if (bySelector) {
      const done = await vault.grants.revoke({ user: user!, provider: provider!, ...(account !== undefined ? { account } : {}) });
      if (!done) throw new NotFoundError(`no active ${provider} grant for user "${user}"${account !== undefined ? ` (account "${account}")` : ''}`);
      io.stdout.write(`revoked the ${provider} grant of user "${user}"\n`);
      return 0;
    }
    let missing = 0;
    for (const id of positionals) {
      if (await vault.grants.revoke({ id })) io.stdout.write(`revoked ${id}\n`);
      else {
        missing += 1;
        io.stderr.write(`alter: no active grant with id ${id}\n`);
      }
    }
    return missing === 0 ? 0 : 1;
  },
};
