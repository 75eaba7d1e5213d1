#!/usr/bin/env node
/**
 * One process of a scaled-out deployment: `serveHttp` with CalendarTools and GmailTools on a
 * PostgreSQL vault that every process shares, behind a load balancer whose URL is the public URL
 * (so Connect links and their provider callback go through the balancer and may land in any
 * process). Used by @alter/mcp's scale-out e2e test, which starts three and a round-robin proxy.
 *
 * Environment: ALTER_VAULT_STORE (`postgres://…?schema=…`), ALTER_VAULT_KEY (base64 32-byte key,
 * the same in every process), ALTER_SANDBOX_URL (the sandbox issuer), ALTER_PUBLIC_URL (the load
 * balancer's origin), ALTER_DEFAULT_USER (default "alice"). Prints `ALTER_LISTENING=<mcp url>` on
 * stdout once it serves; shuts down gracefully on SIGTERM/SIGINT.
 */
import { AlterMCP, serveHttp } from '@alter/mcp';
import { providers } from '@alter/testing';
import { AlterVault } from '@alter/vault';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CalendarTools, GmailTools } from './calendar.tools.js';

function env(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`scale-out-server: set ${name}`);
    process.exit(2);
  }
  return value;
}

const vault = new AlterVault({
  caller: `scale-out-${process.pid}`,
  store: env('ALTER_VAULT_STORE'),
  encryptionKey: env('ALTER_VAULT_KEY'),
  providers: [providers.sandbox({ url: env('ALTER_SANDBOX_URL') }, { id: 'google' })],
  // Every process must build the same Connect links: the balancer's, not its own address.
  connect: { baseUrl: env('ALTER_PUBLIC_URL') },
});
const server = new McpServer({ name: 'alter-scale-out-example', version: '1.0.0' });
new AlterMCP(vault, { defaultUser: process.env.ALTER_DEFAULT_USER ?? 'alice' }).register(server, [CalendarTools, GmailTools]);
// The balancer forwards the client's Host (a loopback name here); a public deployment sets allowedHosts.
const http = await serveHttp(server, { port: 0, handleSignals: true });
console.log(`ALTER_LISTENING=${http.url}`);
