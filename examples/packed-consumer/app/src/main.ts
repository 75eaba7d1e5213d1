// A consumer app built only from the packed tarballs: a sandbox (real OAuth server + fake GitHub),
// a vault on a SQLite file, the GitHub tool pack and two tools of its own, called through the MCP
// SDK's Client. Prints one JSON line of results; the test reads it.
import 'reflect-metadata';
import '@alter/mcp/class-validator';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlterMCP, type HttpServerHandle } from '@alter/mcp';
import type { AlterAuthProviderOptions } from '@alter/mcp/auth';
import { startSandbox } from '@alter/testing';
import { GitHubTools } from '@alter/tools-github';
import { AlterVault, isAlterError, PostgresGrantStore } from '@alter/vault';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { NoteTools } from './note-tools.js';

// Public types must be real types, not `any` (what a missing declaration silently turns them into).
type IsAny<T> = 0 extends 1 & T ? true : false;
const appIsTyped: IsAny<HttpServerHandle['app']> = false;
const authOptionsAreTyped: IsAny<AlterAuthProviderOptions> = false;

const CONNECT_URL = /https?:\/\/[^\s"')]+\/connect\/[A-Za-z0-9_-]{20,64}/;
type CallResult = Awaited<ReturnType<Client['callTool']>>;
const textOf = (r: CallResult): string => (r.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');

// pg is an optional peer this app did not install: the PostgreSQL store must say so, by code.
let missingDriver: { code: string; message: string } | undefined;
try {
  new PostgresGrantStore({ connectionString: 'postgres://127.0.0.1:9/unused' });
} catch (err) {
  if (!isAlterError(err)) throw err;
  missingDriver = { code: err.code, message: err.message };
}

const dir = mkdtempSync(join(tmpdir(), 'alter-consumer-'));
const sandbox = await startSandbox();
const vault = new AlterVault({
  caller: 'consumer',
  store: join(dir, 'vault.db'),
  encryptionKey: randomBytes(32).toString('base64'),
  providers: [sandbox.provider('github')],
});
try {
  const connect = await vault.connect.listen();
  sandbox.registerRedirectUri(`${connect.url}/connect/callback`);
  const server = new McpServer({ name: 'consumer', version: '1.0.0' });
  new AlterMCP(vault, { defaultUser: 'me' }).register(server, [...GitHubTools, NoteTools]);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'consumer-client', version: '1.0.0' });
  await client.connect(clientSide);

  const first = await client.callTool({ name: 'list_repos', arguments: {} });
  const url = CONNECT_URL.exec(textOf(first))?.[0];
  if (url === undefined) throw new Error(`expected a Connect URL, got: ${textOf(first)}`);
  await sandbox.approve(url, { login: 'alice' });
  const repos = await client.callTool({ name: 'list_repos', arguments: {} });
  const words = await client.callTool({ name: 'count_words', arguments: { text: 'packed and installed' } });
  const note = await client.callTool({ name: 'echo_note', arguments: { title: 'hello' } });
  const badNote = await client.callTool({ name: 'echo_note', arguments: { title: 42 } });
  console.log(
    JSON.stringify({
      typed: !appIsTyped && !authOptionsAreTyped,
      missingDriver,
      repos: repos.structuredContent,
      words: textOf(words),
      note: textOf(note),
      badNote: { isError: badNote.isError === true, text: textOf(badNote) },
    }),
  );
  await client.close();
} finally {
  await vault.close();
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
}
