#!/usr/bin/env node
/**
 * A GitHub MCP server over stdio, for desktop MCP clients (Claude Desktop, Claude Code).
 * `node dist/main.js --sandbox` runs offline; without it, GITHUB_CLIENT_ID and
 * GITHUB_CLIENT_SECRET must be set. stdout carries the protocol: every message here goes to stderr.
 */
import { serveStdio } from '@alter/mcp';
import { AlterVault } from '@alter/vault';
import { runMain, runUntilSignal, setupProviders, wantsSandbox } from '@alter-examples/shared';
import { createGitHubServer } from './server.js';

async function main(): Promise<void> {
  const sandboxMode = wantsSandbox();
  const setup = await setupProviders(['github'], sandboxMode);
  const vault = new AlterVault({ caller: 'github-stdio', ...setup.vaultOptions });
  const connect = await vault.connect.listen({ port: setup.connectPort });
  setup.connectListening(connect.url);
  const user = process.env.ALTER_USER ?? 'me';
  const server = createGitHubServer(vault, user);
  console.error(`alter github-stdio: ${setup.mode} mode, acting as user "${user}", Connect pages at ${connect.url}`);
  if (setup.sandbox) console.error(`alter github-stdio: sandbox login at ${setup.sandbox.url}; sign in as "alice" or "bob".`);

  // Our own shutdown (not serveStdio's) so the sandbox and its temp folder go too.
  const handle = await serveStdio(server, { handleSignals: false });
  // handle.close() closes the server, flushes the audit log and closes the vault. A desktop
  // client ends a stdio server by closing its stdin (then SIGTERM).
  runUntilSignal([() => handle.close(), () => setup.close()], { stdinEnd: true });
}

runMain(main);
