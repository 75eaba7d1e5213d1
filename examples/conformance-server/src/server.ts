/** Builds the conformance server: one McpServer per HTTP session, tools from the @AlterTool classes. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AlterMCP, type HttpServerHandle, serveHttp } from '@alter/mcp';
import { AlterVault, type Logger, silentLogger } from '@alter/vault';
import { ContentTools, InteractionTools } from './conformance.tools.js';
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
  const modules = [ContentTools, InteractionTools];
  return serveHttp(
    () => {
      const server = new McpServer(
        { name: 'alter-conformance-server', version: '1.0.0' },
        { capabilities: { logging: {}, resources: { subscribe: true, listChanged: true }, prompts: { listChanged: true }, completions: {} } },
      );
      alter.register(server, modules);
      registerSdkFixtures(server);
      return server;
    },
    { port: options.port ?? 0, logger },
  );
}
