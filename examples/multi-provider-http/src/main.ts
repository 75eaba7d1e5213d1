#!/usr/bin/env node
/**
 * `pnpm start -- --sandbox` (offline) or `pnpm start` (real Google, GitHub and Slack; client ids
 * from the environment). Serves MCP over Streamable HTTP on http://127.0.0.1:3000/mcp.
 */
import { AlterVault } from '@alter/vault';
import { runMain, runUntilSignal, setupProviders, wantsSandbox } from '@alter-examples/shared';
import { ALL_SCOPES, startMultiProviderServer } from './server.js';

async function main(): Promise<void> {
  const sandboxMode = wantsSandbox();
  const setup = await setupProviders(['google', 'github', 'slack'], sandboxMode);
  const vault = new AlterVault({ caller: 'multi-provider-http', ...setup.vaultOptions });
  const connect = await vault.connect.listen({ port: setup.connectPort });
  setup.connectListening(connect.url);
  const user = process.env.ALTER_USER ?? 'alice';
  const server = await startMultiProviderServer({ vault, user, port: Number(process.env.PORT ?? 3000) });

  console.log(`MCP server (Streamable HTTP): ${server.url}`);
  console.log(`Connect pages:                ${connect.url}/connect/…`);
  console.log(`Tools act as user "${user}" (set ALTER_USER to change).`);
  if (setup.sandbox) {
    console.log(`Sandbox mode: Connect URLs open the sandbox login at ${setup.sandbox.url}; sign in as "alice" or "bob".`);
  }
  const session = await vault.connect.createSession({ user, providers: { ...ALL_SCOPES } });
  console.log(`To connect all three providers at once, open (valid 10 minutes): ${session.url}`);

  runUntilSignal([() => server.close(), () => vault.close(), () => setup.close()]);
}

runMain(main);
