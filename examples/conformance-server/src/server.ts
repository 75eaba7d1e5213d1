/**
 * Builds the conformance server: ONE SDK v2 `McpServer` (the README's shape) served by
 * `serveHttp` to 2025-11-25 clients (a session each) and 2026-07-28 clients (stateless) on the
 * same endpoint. Tools from the @AlterTool classes; resources, prompts and the multi-round-trip
 * fixtures with the SDK's own API.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequestStateCodec, McpServer } from '@modelcontextprotocol/server';
import { AlterMCP, type HttpServerHandle, serveHttp } from '@alter/mcp';
import { AlterVault, type Logger, silentLogger } from '@alter/vault';
import { ContentTools, InteractionTools } from './conformance.tools.js';
import { registerInputRequiredFixtures } from './input-required.fixtures.js';
import { registerSdkFixtures } from './sdk-fixtures.js';

export interface ConformanceServerOptions {
  readonly port?: number;
  readonly logger?: Logger;
}

/**
 * Starts the server on 127.0.0.1. The vault (a SQLite file in a temp dir, no providers) exists
 * because AlterMCP is built on one; none of these tools calls a provider.
 */
export async function startConformanceServer(options: ConformanceServerOptions = {}): Promise<HttpServerHandle> {
  const logger = options.logger ?? silentLogger;
  const dir = mkdtempSync(path.join(tmpdir(), 'alter-conformance-'));
  const vault = new AlterVault({
    caller: 'conformance-server',
    store: path.join(dir, 'vault.db'),
    encryptionKey: randomBytes(32).toString('base64'),
    providers: [],
    logger,
  });
  const alter = new AlterMCP(vault, { defaultUser: 'conformance', logger });
  // Seals multi-round-trip requestState (HMAC-SHA256, 10 minutes); one process serves every round here.
  const requestState = createRequestStateCodec<{ step: string; name?: string }>({ key: randomBytes(32) });
  const server = new McpServer(
    { name: 'alter-conformance-server', version: '1.0.0' },
    {
      capabilities: { logging: {}, resources: { subscribe: true, listChanged: true }, prompts: { listChanged: true }, completions: {} },
      requestState: { verify: (state, ctx) => requestState.verify(state, ctx) },
    },
  );
  alter.register(server, [ContentTools, InteractionTools]);
  registerSdkFixtures(server);
  registerInputRequiredFixtures(server, requestState);
  return serveHttp(server, { port: options.port ?? 0, logger });
}
