#!/usr/bin/env node
/**
 * A GitHub MCP server over stdio, for desktop MCP clients (Claude Desktop, Claude Code).
 * `node dist/main.js --sandbox` runs offline; without it, GITHUB_CLIENT_ID and
 * GITHUB_CLIENT_SECRET must be set. stdout carries the protocol: every message here goes to stderr.
 */
import { serveStdio } from '@alter/mcp';
import { AlterVault } from '@alter/vault';
import { MissingCredentialsError, setupProviders, wantsSandbox } from './provider-setup.js';
import { createGitHubServer } from './server.js';

async function main(): Promise<void> {
  const sandboxMode = wantsSandbox();
  const setup = await setupProviders(['github'], sandboxMode);
  const vault = new AlterVault({ caller: 'github-stdio', ...setup.vaultOptions });
  const connect = await vault.connect.listen({ port: sandboxMode ? 0 : Number(process.env.ALTER_CONNECT_PORT ?? 8787) });
  setup.connectListening(connect.url);
  const user = process.env.ALTER_USER ?? 'me';
  const server = createGitHubServer(vault, user);
  console.error(`alter github-stdio: ${setup.mode} mode, acting as user "${user}", Connect pages at ${connect.url}`);
  if (setup.sandbox) console.error(`alter github-stdio: sandbox login at ${setup.sandbox.url}; sign in as "alice" or "bob".`);

  // Our own shutdown (not serveStdio's) so the sandbox and its temp folder go too.
  const handle = await serveStdio(server, { handleSignals: false });
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await handle.close(); // closes the server, flushes the audit log, closes the vault
    await setup.close();
    process.exit(0);
  };
  // A desktop client ends a stdio server by closing its stdin (then SIGTERM).
  process.stdin.on('end', shutdown);
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  if (err instanceof MissingCredentialsError) console.error(err.message);
  else console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
