#!/usr/bin/env node
/**
 * A stdio MCP server with CalendarTools and GmailTools, against the offline sandbox from
 * @alter/testing (used by @alter/mcp's stdio e2e test, runnable by hand too).
 *
 * Environment: ALTER_SANDBOX_URL (the sandbox issuer), ALTER_VAULT_DB (SQLite file),
 * ALTER_VAULT_KEY (base64 32-byte key), ALTER_DEFAULT_USER (default "alice"), ALTER_MCP_SDK (`v1`, the
 * default: `@modelcontextprotocol/sdk` 1.x; `v2`: `@modelcontextprotocol/server` 2.x).
 * Prints `ALTER_CONNECT_URL=<url>` on stderr once Connect listens (stdout carries the protocol).
 */
import { AlterMCP, serveStdio } from '@alter/mcp';
import { providers } from '@alter/testing';
import { AlterVault } from '@alter/vault';
import { CalendarTools, GmailTools } from './calendar.tools.js';

function env(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`stdio-server: set ${name}`);
    process.exit(2);
  }
  return value;
}

const vault = new AlterVault({
  caller: 'stdio-example',
  store: env('ALTER_VAULT_DB'),
  encryptionKey: env('ALTER_VAULT_KEY'),
  providers: [providers.sandbox({ url: env('ALTER_SANDBOX_URL') }, { id: 'google' })],
});
const connect = await vault.connect.listen();
console.error(`ALTER_CONNECT_URL=${connect.url}`);

// The same tools on either SDK generation; only the server class differs.
const info = { name: 'alter-stdio-example', version: '1.0.0' };
const server =
  process.env.ALTER_MCP_SDK === 'v2'
    ? new (await import('@modelcontextprotocol/server')).McpServer(info)
    : new (await import('@modelcontextprotocol/sdk/server/mcp.js')).McpServer(info);
const alter = new AlterMCP(vault, { defaultUser: process.env.ALTER_DEFAULT_USER ?? 'alice' });
alter.register(server, [CalendarTools, GmailTools]);
await serveStdio(server);
