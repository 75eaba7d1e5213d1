// A consumer app that installs only SDK v2 (`@modelcontextprotocol/server` + `client`; no
// `@modelcontextprotocol/sdk`, no class-validator): every @alter/mcp entry's declarations must
// compile here with `skipLibCheck: false`, and the registry must serve a v2 McpServer. A sandbox
// (real OAuth server + fake GitHub), a vault on a SQLite file and the GitHub tool pack, called
// through SDK v2's Client. Prints one JSON line of results; the test reads it.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlterMCP, type McpServerLike, type ServeHttpOptions } from '@alter/mcp';
import type { AlterAuthProviderOptions } from '@alter/mcp/auth';
import type { EventStore, HttpServerHandle } from '@alter/mcp/http';
import { startSandbox } from '@alter/testing';
import { GitHubTools } from '@alter/tools-github';
import { AlterVault } from '@alter/vault';
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';

// Public types must be real types, not `any` (what a missing declaration silently turns them into).
type IsAny<T> = 0 extends 1 & T ? true : false;
const appIsTyped: IsAny<HttpServerHandle['app']> = false;
const authOptionsAreTyped: IsAny<AlterAuthProviderOptions> = false;
const eventStoreIsTyped: IsAny<EventStore> = false;
const eventStoreOptionIsTyped: IsAny<ServeHttpOptions['eventStore']> = false;
// A v2 McpServer is a server @alter/mcp takes; a v2 Client is not.
const takesV2Server: McpServerLike = new McpServer({ name: 'type-check', version: '1.0.0' });
// @ts-expect-error a Client is not a server
const refusesV2Client: McpServerLike = new Client({ name: 'type-check', version: '1.0.0' });

const CONNECT_URL = /https?:\/\/[^\s"')]+\/connect\/[A-Za-z0-9_-]{20,64}/;
type CallResult = Awaited<ReturnType<Client['callTool']>>;
const textOf = (r: CallResult): string => (r.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');

const dir = mkdtempSync(join(tmpdir(), 'alter-consumer-v2-'));
const sandbox = await startSandbox();
const vault = new AlterVault({
  caller: 'consumer-v2',
  store: join(dir, 'vault.db'),
  encryptionKey: randomBytes(32).toString('base64'),
  providers: [sandbox.provider('github')],
});
try {
  const connect = await vault.connect.listen();
  sandbox.registerRedirectUri(`${connect.url}/connect/callback`);
  const server = new McpServer({ name: 'consumer-v2', version: '1.0.0' });
  new AlterMCP(vault, { defaultUser: 'me' }).register(server, [...GitHubTools]);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'consumer-v2-client', version: '1.0.0' });
  await client.connect(clientSide);

  const first = await client.callTool({ name: 'list_repos', arguments: {} });
  const url = CONNECT_URL.exec(textOf(first))?.[0];
  if (url === undefined) throw new Error(`expected a Connect URL, got: ${textOf(first)}`);
  await sandbox.approve(url, { login: 'alice' });
  const repos = await client.callTool({ name: 'list_repos', arguments: {} });
  console.log(
    JSON.stringify({
      typed: !appIsTyped && !authOptionsAreTyped && !eventStoreIsTyped && !eventStoreOptionIsTyped,
      servers: [typeof takesV2Server.connect, typeof refusesV2Client.connect],
      repos: repos.structuredContent,
    }),
  );
  await client.close();
} finally {
  await vault.close();
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
}
