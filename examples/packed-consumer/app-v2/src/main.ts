// A consumer app that installs only SDK v2 (`@modelcontextprotocol/server` + `client`; no
// `@modelcontextprotocol/sdk`, no class-validator): every @alter/mcp entry's declarations must
// compile here with `skipLibCheck: false`, and everything it imports from us must run. A sandbox
// (real OAuth server + fake GitHub), a vault on a SQLite file and the GitHub tool pack on a v2
// McpServer, served with `serveHttp` on 127.0.0.1:0 and called through SDK v2's Client over
// Streamable HTTP: a 2025-11-25 session, and a 2026-07-28 (stateless) client. A second serveHttp
// behind `AlterAuthProvider` answers its metadata and refuses a request without a token.
// Prints one JSON line of results; the test reads it.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlterMCP, type McpServerLike, type ServeHttpOptions } from '@alter/mcp';
import { AlterAuthProvider, type AlterAuthProviderOptions } from '@alter/mcp/auth';
import { type EventStore, type HttpServerHandle, serveHttp } from '@alter/mcp/http';
import { startSandbox } from '@alter/testing';
import { GitHubTools } from '@alter/tools-github';
import { AlterVault } from '@alter/vault';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';

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

/** The stateless protocol revision only SDK v2 implements. */
const MODERN_PROTOCOL_VERSION = '2026-07-28';

const CONNECT_URL = /https?:\/\/[^\s"')]+\/connect\/[A-Za-z0-9_-]{20,64}/;
type CallResult = Awaited<ReturnType<Client['callTool']>>;
const textOf = (r: CallResult): string => (r.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');
type Repos = { repositories: Array<{ fullName: string }> };

const dir = mkdtempSync(join(tmpdir(), 'alter-consumer-v2-'));
const sandbox = await startSandbox();
const vault = new AlterVault({
  caller: 'consumer-v2',
  store: join(dir, 'vault.db'),
  encryptionKey: randomBytes(32).toString('base64'),
  providers: [sandbox.provider('github')],
});
const alter = new AlterMCP(vault, { defaultUser: 'me' });
const handles: HttpServerHandle[] = [];
const clients: Client[] = [];
try {
  // One v2 McpServer per session (and per 2026 request), offering the 2026 revision too (SDK v2's
  // default offers the 2025-era revisions only).
  const handle = await serveHttp(
    () => {
      const server = new McpServer(
        { name: 'consumer-v2', version: '1.0.0' },
        { supportedProtocolVersions: [...SUPPORTED_PROTOCOL_VERSIONS, MODERN_PROTOCOL_VERSION] },
      );
      alter.register(server, [...GitHubTools]);
      return server;
    },
    { closeVault: false },
  );
  handles.push(handle);
  // The vault has no Connect base URL: serveHttp serves the Connect links on its own origin.
  sandbox.registerRedirectUri(`${handle.baseUrl}/connect/callback`);

  // 2025-11-25: a session.
  const sessionTransport = new StreamableHTTPClientTransport(new URL(handle.url));
  const session = new Client({ name: 'consumer-v2-session', version: '1.0.0' });
  clients.push(session);
  await session.connect(sessionTransport);
  const first = await session.callTool({ name: 'list_repos', arguments: {} });
  const url = CONNECT_URL.exec(textOf(first))?.[0];
  if (url === undefined) throw new Error(`expected a Connect URL, got: ${textOf(first)}`);
  await sandbox.approve(url, { login: 'alice' });
  const repos = await session.callTool({ name: 'list_repos', arguments: {} });

  // 2026-07-28: no session, every request stands alone; the grant is the same user's.
  const stateless = new Client(
    { name: 'consumer-v2-stateless', version: '1.0.0' },
    { capabilities: {}, versionNegotiation: { mode: { pin: MODERN_PROTOCOL_VERSION } } },
  );
  clients.push(stateless);
  await stateless.connect(new StreamableHTTPClientTransport(new URL(handle.url)));
  const modernRepos = await stateless.callTool({ name: 'list_repos', arguments: {} });

  // The authorization server of @alter/mcp/auth in front of a second endpoint.
  const auth = new AlterAuthProvider(vault, { providers: { github: ['read:user'] }, rateLimit: false });
  const guarded = await serveHttp(
    () => {
      const server = new McpServer({ name: 'consumer-v2-auth', version: '1.0.0' });
      alter.register(server, [...GitHubTools]);
      return server;
    },
    { auth, closeVault: false },
  );
  handles.push(guarded);
  const metadata = (await (await fetch(`${guarded.baseUrl}/.well-known/oauth-authorization-server`)).json()) as { issuer?: string };
  const refused = await fetch(guarded.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });

  console.log(
    JSON.stringify({
      typed: !appIsTyped && !authOptionsAreTyped && !eventStoreIsTyped && !eventStoreOptionIsTyped,
      servers: [typeof takesV2Server.connect, typeof refusesV2Client.connect],
      session: {
        protocolVersion: session.getNegotiatedProtocolVersion(),
        hasSessionId: typeof sessionTransport.sessionId === 'string',
        repos: repos.structuredContent as Repos,
      },
      stateless: {
        protocolVersion: stateless.getNegotiatedProtocolVersion(),
        isError: modernRepos.isError === true,
        repos: modernRepos.structuredContent as Repos,
      },
      auth: {
        issuer: metadata.issuer,
        origin: guarded.baseUrl,
        status: refused.status,
        challenge: refused.headers.get('www-authenticate') ?? '',
      },
    }),
  );
} finally {
  for (const client of clients) await client.close().catch(() => {});
  for (const handle of handles) await handle.close();
  await alter.close();
  await vault.close();
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
}
