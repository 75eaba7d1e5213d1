#!/usr/bin/env node
/**
 * `pnpm start -- --sandbox` (offline) or `pnpm start` (real Google; GOOGLE_CLIENT_ID and
 * GOOGLE_CLIENT_SECRET from the environment). Serves http://127.0.0.1:8000/mcp.
 */
import { AlterVault } from '@alter/vault';
import { CALENDAR_EVENTS_SCOPE } from './calendar-tools.js';
import { MissingCredentialsError, setupProviders, wantsSandbox } from './provider-setup.js';
import { startCalendarServer } from './server.js';

async function main(): Promise<void> {
  const sandboxMode = wantsSandbox();
  const setup = await setupProviders(['google'], sandboxMode);
  const vault = new AlterVault({ caller: 'calendar-mcp', ...setup.vaultOptions });
  const connect = await vault.connect.listen({ port: sandboxMode ? 0 : Number(process.env.ALTER_CONNECT_PORT ?? 8787) });
  const user = process.env.ALTER_USER ?? 'alice';
  const server = await startCalendarServer({ vault, user, port: Number(process.env.PORT ?? 8000) });

  console.log(`calendar-server (Streamable HTTP): ${server.url}`);
  console.log(`Connect pages: ${connect.url}/connect/…   tools act as user "${user}"`);
  console.log(`Scope asked on first use: ${CALENDAR_EVENTS_SCOPE}`);
  if (setup.sandbox) console.log(`Sandbox mode: the Connect URL opens the sandbox login at ${setup.sandbox.url}; sign in as "alice".`);

  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await server.close();
    await vault.close(); // flushes the audit log
    await setup.close();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  if (err instanceof MissingCredentialsError) console.error(err.message);
  else console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
