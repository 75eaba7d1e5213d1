/** `alter connect <provider> --user <id>`: create a Connect session, print its URL, wait for the grant. */
import { intOption, stringOption } from '../args.js';
import { CheckFailedError, UsageError } from '../cli-error.js';
import type { CommandSpec } from '../command.js';
import { escapeControl } from '../output/sanitize.js';

export const connect: CommandSpec = {
  path: ['connect'],
  summary: 'Print a Connect URL for a user and wait until they have connected.',
  details:
    'Connect URLs need the Connect HTTP handler. When the config sets connect.baseUrl, the server mounted\n' +
    'there serves it (this command only waits, polling the store). Otherwise this command serves it itself\n' +
    'on 127.0.0.1 (--port) until the session ends; register <that URL>/connect/callback as a redirect URI\n' +
    "in the provider's OAuth app.",
  options: {
    user: { type: 'string', value: 'id', description: 'the user the grant is stored for (required)' },
    scopes: {
      type: 'string',
      value: 'a,b',
      description: "scopes to ask for, comma- or space-separated (the provider's defaults are added)",
    },
    timeout: { type: 'string', value: 'seconds', description: 'give up after this long (default: when the session expires, 10 minutes)' },
    port: {
      type: 'string',
      value: 'port',
      description: 'port for the local Connect server when no connect.baseUrl is configured (default: any free port)',
    },
  },
  positionals: [{ name: 'provider', description: 'provider id from the config (google, github, slack, …)', required: true }],
  examples: [
    'alter connect github --user alice',
    'alter connect google --user alice --scopes https://www.googleapis.com/auth/calendar.readonly --port 8765',
  ],
  usesVault: true,
  async run({ io, values, positionals, openVault, loadConfig }) {
    const provider = positionals[0]!;
    const user = stringOption(values, 'user');
    if (user === undefined || user.trim() === '')
      throw new UsageError('option --user is required: the user the grant is stored for (see "alter connect --help")');
    const scopes = (stringOption(values, 'scopes') ?? '').split(/[\s,]+/).filter((s) => s !== '');
    const timeoutSec = values.timeout === undefined ? undefined : intOption(values, 'timeout', 0, 86_400);
    const port = intOption(values, 'port', 0, 65_535);

    const config = await loadConfig();
    const problem = config.problems.find((p) => p.startsWith(`providers.${provider}.`));
    if (problem) throw new UsageError(`cannot connect ${provider}: ${problem}`);

    // Connecting may be the first thing done with a new vault: let it create the SQLite file.
    const vault = await openVault({ requireExistingStore: false });
    if (vault.connect.baseUrl === undefined) {
      const server = await vault.connect.listen({ port });
      io.stderr.write(`serving Connect on ${server.url} (redirect URI: ${server.url}/connect/callback)\n`);
    } else if (values.port !== undefined) {
      throw new UsageError(`option --port: the config sets connect.baseUrl (${vault.connect.baseUrl}), so the server there serves Connect`);
    } else {
      io.stderr.write(`Connect is served by ${vault.connect.baseUrl} (connect.baseUrl); that server must be running\n`);
    }

    // Bound to the browser that confirms it (an interstitial names the user, provider and scopes),
    // so a link that reaches the wrong person cannot attach their account to this user after the
    // user has started; see docs/connect.md.
    const session = await vault.connect.createSession({ user, providers: { [provider]: scopes }, bind: 'confirm' });
    io.stdout.write(`${session.url}\n`);
    io.stderr.write(
      `open the URL above to connect ${provider} for user "${user}" (expires ${session.expiresAt.toISOString()}); waiting, Ctrl-C to cancel\n`,
    );

    let result: Awaited<ReturnType<typeof vault.connect.waitFor>>;
    try {
      result = await vault.connect.waitFor(session.id, {
        ...(io.signal ? { signal: io.signal } : {}),
        ...(timeoutSec !== undefined ? { timeoutMs: timeoutSec * 1000 } : {}),
      });
    } catch (err) {
      if (io.signal?.aborted) {
        io.stderr.write('cancelled; the session stays unused until it expires\n');
        return 130;
      }
      throw err;
    }
    if (result.status !== 'complete') {
      throw new CheckFailedError(`Connect session ${result.status}${result.error ? `: ${result.error.message}` : ''}`);
    }
    for (const g of result.grants) {
      // The account and scopes come from the provider: shown escaped, like every table value.
      io.stdout.write(
        `${escapeControl(`connected ${g.provider} for user "${result.user ?? user}": account ${g.account || '-'}, scopes ${g.scopes.join(' ') || '-'}, grant ${g.grantId}`)}\n`,
      );
    }
    return 0;
  },
};
