#!/usr/bin/env node
/**
 * The Python Complete Example: `pnpm start -- --sandbox` (offline) or `pnpm start` (real Google;
 * GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET). Serves http://127.0.0.1:8000/mcp behind
 * AlterAuthProvider.
 */
import { AlterVault } from '@alter/vault';
import { runMain, runUntilSignal, setupProviders, wantsSandbox } from '@alter-examples/shared';
import { startCompleteExample } from './server.js';

async function main(): Promise<void> {
  const setup = await setupProviders(['google'], wantsSandbox());
  const vault = new AlterVault({ caller: 'calendar-mcp', ...setup.vaultOptions });
  const connect = await vault.connect.listen({ port: setup.connectPort });
  setup.connectListening(connect.url);
  const server = await startCompleteExample({ vault, port: Number(process.env.PORT ?? 8000) });
  console.log(`calendar-server (Streamable HTTP): ${server.url}; sign-in connects Google (calendar.events).`);
  if (setup.sandbox) console.log(`Sandbox mode: sign in as "alice" or "bob" at ${setup.sandbox.url}.`);
  runUntilSignal([() => server.close(), () => vault.close(), () => setup.close()]);
}

runMain(main);
