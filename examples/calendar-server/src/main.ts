#!/usr/bin/env node
/**
 * `pnpm start -- --sandbox` (offline) or `pnpm start` (real Google; GOOGLE_CLIENT_ID and
 * GOOGLE_CLIENT_SECRET from the environment). Serves http://127.0.0.1:8000/mcp behind
 * AlterAuthProvider, as the Python example does; `--no-auth` serves one local user instead.
 */
import { AlterVault } from '@alter/vault';
import { runMain, runUntilSignal, setupProviders, wantsSandbox } from '@alter-examples/shared';
import { CALENDAR_EVENTS_SCOPE } from './calendar-tools.js';
import { startCalendarServer } from './server.js';

async function main(): Promise<void> {
  const sandboxMode = wantsSandbox();
  const auth = !process.argv.includes('--no-auth');
  const setup = await setupProviders(['google'], sandboxMode);
  const vault = new AlterVault({ caller: 'calendar-mcp', ...setup.vaultOptions });
  const connect = await vault.connect.listen({ port: setup.connectPort });
  setup.connectListening(connect.url);
  const user = process.env.ALTER_USER ?? 'alice';
  const server = await startCalendarServer({ vault, auth, user, port: Number(process.env.PORT ?? 8000) });

  console.log(`calendar-server (Streamable HTTP): ${server.url}`);
  if (server.auth) console.log(`Sign-in: OAuth 2.1 (issuer ${server.auth.issuer}); signing in connects Google (${CALENDAR_EVENTS_SCOPE}).`);
  else console.log(`No sign-in (--no-auth): tools act as user "${user}"; the first call answers with a Connect URL.`);
  console.log(`Connect pages: ${connect.url}/connect/…`);
  if (setup.sandbox)
    console.log(`Sandbox mode: the browser reaches the sandbox login at ${setup.sandbox.url}; sign in as "alice" or "bob".`);

  runUntilSignal([() => server.close(), () => vault.close(), () => setup.close()]);
}

runMain(main);
