#!/usr/bin/env node
/**
 * The Python Quick Start as a stdio MCP server. `node dist/main.js --sandbox` runs offline;
 * without it, GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET must be set. stdout carries the
 * protocol: every message here goes to stderr.
 */
import { serveStdio } from '@alter/mcp';
import { AlterVault } from '@alter/vault';
import { runMain, runUntilSignal, setupProviders, wantsSandbox } from '@alter-examples/shared';
import { createQuickStartServer } from './server.js';

async function main(): Promise<void> {
  const setup = await setupProviders(['google'], wantsSandbox());
  const vault = new AlterVault({ caller: 'my-mcp-server', ...setup.vaultOptions });
  const connect = await vault.connect.listen({ port: setup.connectPort });
  setup.connectListening(connect.url);
  const user = process.env.ALTER_USER ?? 'me';
  const handle = await serveStdio(createQuickStartServer(vault, user), { handleSignals: false });
  console.error(`python-quick-start: ${setup.mode} mode, acting as "${user}", Connect pages at ${connect.url}`);
  runUntilSignal([() => handle.close(), () => setup.close()], { stdinEnd: true });
}

runMain(main);
