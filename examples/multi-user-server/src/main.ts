#!/usr/bin/env node
/**
 * `pnpm start -- --sandbox` (offline) or `pnpm start` (real Google and GitHub; client ids from
 * the environment). Serves a multi-user MCP server on http://127.0.0.1:8000/mcp whose clients sign
 * in through AlterAuthProvider.
 */
import { AlterVault } from '@alter/vault';
import { MissingCredentialsError, setupProviders, wantsSandbox } from './provider-setup.js';
import { startMultiUserServer } from './server.js';

async function main(): Promise<void> {
  const sandboxMode = wantsSandbox();
  const setup = await setupProviders(sandboxMode);
  const vault = new AlterVault({ caller: 'multi-user-server', ...setup.vaultOptions });
  const connect = await vault.connect.listen({ port: sandboxMode ? 0 : Number(process.env.ALTER_CONNECT_PORT ?? 8787) });
  if (setup.sandbox) setup.sandbox.registerRedirectUri(`${connect.url}/connect/callback`);
  const server = await startMultiUserServer({ vault, port: Number(process.env.PORT ?? 8000), publicUrl: process.env.PUBLIC_URL });

  console.log(`MCP server (Streamable HTTP, OAuth 2.1): ${server.url}`);
  console.log(`Authorization server (issuer):           ${server.auth.issuer}`);
  console.log(`Connect pages:                           ${connect.url}/connect/…`);
  if (setup.sandbox) console.log(`Sandbox mode: sign in as "alice" or "bob" at ${setup.sandbox.url} when the browser gets there.`);

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
