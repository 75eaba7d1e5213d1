#!/usr/bin/env node
/**
 * `pnpm start -- --sandbox` (offline) or `pnpm start` (real Google and GitHub; client ids from
 * the environment). Serves a multi-user MCP server on http://127.0.0.1:8000/mcp whose clients sign
 * in through AlterAuthProvider.
 */
import { AlterVault } from '@alter/vault';
import { runMain, runUntilSignal, setupProviders, wantsSandbox } from '@alter-examples/shared';
import { startMultiUserServer } from './server.js';

async function main(): Promise<void> {
  const sandboxMode = wantsSandbox();
  const setup = await setupProviders(['google', 'github'], sandboxMode);
  const vault = new AlterVault({ caller: 'multi-user-server', ...setup.vaultOptions });
  const connect = await vault.connect.listen({ port: setup.connectPort });
  setup.connectListening(connect.url);
  const server = await startMultiUserServer({ vault, port: Number(process.env.PORT ?? 8000), publicUrl: process.env.PUBLIC_URL });

  console.log(`MCP server (Streamable HTTP, OAuth 2.1): ${server.url}`);
  console.log(`Authorization server (issuer):           ${server.auth.issuer}`);
  console.log(`Connect pages:                           ${connect.url}/connect/…`);
  if (setup.sandbox) console.log(`Sandbox mode: sign in as "alice" or "bob" at ${setup.sandbox.url} when the browser gets there.`);

  runUntilSignal([() => server.close(), () => vault.close(), () => setup.close()]);
}

runMain(main);
