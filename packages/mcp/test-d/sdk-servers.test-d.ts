/**
 * Type tests: `register`, `serveStdio` and `serveHttp` take a server of either SDK generation —
 * `McpServer` and `Server` of `@modelcontextprotocol/sdk` 1.x and of `@modelcontextprotocol/server`
 * 2.x — and nothing else, although @alter/mcp's declarations import neither SDK (an app installs
 * one). An event store written against the SDK's own `EventStore` type fits `serveHttp`'s.
 * Every `@ts-expect-error` must fire, or tsc reports it as unused.
 */
import { AlterMCP, type McpServerFactory, type McpServerLike, serveHttp, serveStdio } from '@alter/mcp';
import { Client as V2Client } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { Server as V1Server } from '@modelcontextprotocol/sdk/server/index.js';
import { McpServer as V1McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { EventStore as SdkEventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { Server as V2Server, McpServer as V2McpServer } from '@modelcontextprotocol/server';
import type { AlterVault } from '@alter/vault';

declare const vault: AlterVault;
const alter = new AlterMCP(vault);
const info = { name: 'type-test', version: '1.0.0' };

export async function everyServerOfBothGenerations(): Promise<void> {
  const servers: McpServerLike[] = [new V1McpServer(info), new V1Server(info), new V2McpServer(info), new V2Server(info)];
  for (const server of servers) alter.register(server, []);
  alter.register(new V1McpServer(info), []);
  alter.register(new V1Server(info), []);
  alter.register(new V2McpServer(info), []);
  alter.register(new V2Server(info), []);
  await serveStdio(new V1McpServer(info));
  await serveStdio(new V2McpServer(info));
  await serveHttp(new V1Server(info));
  await serveHttp(new V2Server(info));
  const v1Factory: McpServerFactory = () => new V1McpServer(info);
  const v2Factory: McpServerFactory = async () => new V2McpServer(info);
  await serveHttp(v1Factory);
  await serveHttp(v2Factory);
}

export async function nothingElse(): Promise<void> {
  // @ts-expect-error a client is not a server (it has getServerCapabilities, not getClientCapabilities)
  alter.register(new V1Client(info), []);
  // @ts-expect-error a v2 client is not a server either
  alter.register(new V2Client(info), []);
  // @ts-expect-error a transport is not a server
  await serveStdio(new StdioServerTransport());
  // @ts-expect-error a client transport is not a server
  await serveHttp(new StdioClientTransport({ command: 'node' }));
  // @ts-expect-error connect + close alone is not a server
  alter.register({ connect: async (_t: object) => undefined, close: async () => undefined }, []);
  // @ts-expect-error an McpServer-like wrapper must hold a real low-level server
  await serveStdio({ server: {}, connect: async () => undefined, close: async () => undefined, isConnected: () => false });
  // @ts-expect-error a factory must build a server
  await serveHttp(() => new V1Client(info));
}

export async function sdkEventStoreFits(store: SdkEventStore): Promise<void> {
  await serveHttp(new V1McpServer(info), { eventStore: store });
}
