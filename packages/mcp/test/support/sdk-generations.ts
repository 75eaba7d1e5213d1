/**
 * Both MCP SDK generations behind one small kit, so e2e suites run unchanged against each with
 * that generation's real `McpServer`, `Server`, `Client` and transports:
 * `describe.each(SDK_GENERATIONS)('… (SDK $name)', (sdk) => …)`.
 * v1 = `@modelcontextprotocol/sdk` 1.x; v2 = `@modelcontextprotocol/server` + `client` 2.x.
 */
import type { Readable } from 'node:stream';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as StdioClientTransportV1 } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport as InMemoryTransportV1 } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server as ServerV1 } from '@modelcontextprotocol/sdk/server/index.js';
import { McpServer as McpServerV1 } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ElicitationCompleteNotificationSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { Client as ClientV2, ProtocolError as ClientProtocolErrorV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioClientTransportV2 } from '@modelcontextprotocol/client/stdio';
import {
  InMemoryTransport as InMemoryTransportV2,
  McpServer as McpServerV2,
  SUPPORTED_PROTOCOL_VERSIONS,
  Server as ServerV2,
} from '@modelcontextprotocol/server';
import type { McpServerLike } from '@alter/mcp';
import { z } from 'zod';

export type ToolResultT = {
  content: Array<{ type: string; text?: string }>;
  isError?: boolean;
  structuredContent?: unknown;
  _meta?: Record<string, unknown>;
};
export type ToolT = {
  name: string;
  description?: string;
  inputSchema: { properties?: Record<string, unknown> };
  outputSchema?: unknown;
  annotations?: unknown;
};

/** The protocol revision after 2025-11-25, which only SDK v2 implements. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** A connected client of one generation, with the calls the suites make. */
export interface TestClient {
  listTools(): Promise<{ tools: ToolT[] }>;
  callTool(
    name: string,
    args: Record<string, unknown>,
    options?: {
      onprogress?: (p: { progress: number }) => void;
      signal?: AbortSignal /** The request's `_meta` (e.g. trace context). */;
      meta?: Record<string, unknown>;
    },
  ): Promise<ToolResultT>;
  onElicitationComplete(handler: (elicitationId: string) => void): void;
  /** The protocol version the client negotiated (v2 only; v1's Client does not expose it). */
  protocolVersion(): string | undefined;
  close(): Promise<void>;
}

export interface ClientOptions {
  /** Declare URL-mode elicitation. */
  readonly urlElicitation?: boolean;
  /** v2 only: pin the protocol version (`versionNegotiation: { mode: { pin } }`). */
  readonly pinProtocolVersion?: string;
}

export interface StdioSpawn {
  readonly command: string;
  readonly args: string[];
  readonly env: Record<string, string>;
}

export interface SdkKit {
  readonly name: 'v1' | 'v2';
  /** The value of ALTER_MCP_SDK for the example servers. */
  readonly envValue: string;
  /** `modern`: v2 only — also offer protocol revision 2026-07-28 (`supportedProtocolVersions`; the SDK's default offers 2025-era revisions only). */
  mcpServer(name: string, options?: { modern?: boolean }): McpServerLike;
  lowLevelServer(name: string): McpServerLike;
  /** `registerTool` with the SDK's own API: `who` (string) → text from `reply`. */
  registerSdkTool(
    server: McpServerLike,
    name: string,
    description: string,
    reply: (who: string | undefined) => string,
    withWho: boolean,
  ): void;
  /** Connects `server` to a new client over the generation's in-memory transport pair. */
  connectInMemory(server: McpServerLike, options?: ClientOptions): Promise<TestClient>;
  /** Spawns a stdio server and connects a client; `stderr` is piped and returned. */
  connectStdio(spawn: StdioSpawn): Promise<{ client: TestClient; stderr: Readable; pid(): number | null }>;
  /** `{ code, data }` when `e` is this generation's protocol error class. */
  protocolError(e: unknown): { code: number; data: unknown } | undefined;
}

type AnyClient = ClientV1 | ClientV2;

function wrap(client: AnyClient, kit: 'v1' | 'v2'): TestClient {
  return {
    listTools: () => client.listTools() as Promise<{ tools: ToolT[] }>,
    async callTool(name, args, options = {}) {
      const { meta, ...requestOptions } = options;
      const params = { name, arguments: args, ...(meta ? { _meta: meta } : {}) };
      if (kit === 'v1') return (await (client as ClientV1).callTool(params, undefined, requestOptions)) as ToolResultT;
      return (await (client as ClientV2).callTool(params, requestOptions)) as ToolResultT;
    },
    onElicitationComplete(handler) {
      if (kit === 'v1')
        (client as ClientV1).setNotificationHandler(ElicitationCompleteNotificationSchema, (n) => handler(n.params.elicitationId));
      else (client as ClientV2).setNotificationHandler('notifications/elicitation/complete', (n) => handler(n.params.elicitationId));
    },
    protocolVersion: () => (kit === 'v1' ? undefined : (client as ClientV2).getNegotiatedProtocolVersion()),
    close: () => client.close(),
  };
}

const v1: SdkKit = {
  name: 'v1',
  envValue: 'v1',
  mcpServer: (name) => new McpServerV1({ name, version: '1.0.0' }),
  lowLevelServer: (name) => new ServerV1({ name, version: '1.0.0' }),
  registerSdkTool(server, name, description, reply, withWho) {
    const s = server as McpServerV1;
    if (withWho)
      s.registerTool(name, { description, inputSchema: { who: z.string() } }, ({ who }) => ({
        content: [{ type: 'text', text: reply(who) }],
      }));
    else s.registerTool(name, { description }, () => ({ content: [{ type: 'text', text: reply(undefined) }] }));
  },
  async connectInMemory(server, options = {}) {
    const [a, b] = InMemoryTransportV1.createLinkedPair();
    const client = new ClientV1(
      { name: 'e2e-client', version: '1.0.0' },
      { capabilities: options.urlElicitation ? { elicitation: { url: {} } } : {} },
    );
    await Promise.all([(server as McpServerV1).connect(a), client.connect(b)]);
    return wrap(client, 'v1');
  },
  async connectStdio(spawn) {
    const transport = new StdioClientTransportV1({ ...spawn, stderr: 'pipe' });
    const client = new ClientV1({ name: 'stdio-e2e', version: '1.0.0' });
    const stderr = transport.stderr as Readable;
    await client.connect(transport);
    return { client: wrap(client, 'v1'), stderr, pid: () => transport.pid };
  },
  protocolError: (e) => (e instanceof McpError ? { code: e.code, data: e.data } : undefined),
};

const v2: SdkKit = {
  name: 'v2',
  envValue: 'v2',
  mcpServer: (name, options = {}) =>
    new McpServerV2(
      { name, version: '1.0.0' },
      options.modern ? { supportedProtocolVersions: [...SUPPORTED_PROTOCOL_VERSIONS, MODERN_PROTOCOL_VERSION] } : {},
    ),
  lowLevelServer: (name) => new ServerV2({ name, version: '1.0.0' }),
  registerSdkTool(server, name, description, reply, withWho) {
    const s = server as McpServerV2;
    if (withWho)
      s.registerTool(name, { description, inputSchema: z.object({ who: z.string() }) }, ({ who }) => ({
        content: [{ type: 'text', text: reply(who) }],
      }));
    else s.registerTool(name, { description }, () => ({ content: [{ type: 'text', text: reply(undefined) }] }));
  },
  async connectInMemory(server, options = {}) {
    const [a, b] = InMemoryTransportV2.createLinkedPair();
    const client = new ClientV2(
      { name: 'e2e-client', version: '1.0.0' },
      {
        capabilities: options.urlElicitation ? { elicitation: { url: {} } } : {},
        ...(options.pinProtocolVersion ? { versionNegotiation: { mode: { pin: options.pinProtocolVersion } } } : {}),
      },
    );
    await Promise.all([(server as McpServerV2).connect(a), client.connect(b)]);
    return wrap(client, 'v2');
  },
  async connectStdio(spawn) {
    const transport = new StdioClientTransportV2({ ...spawn, stderr: 'pipe' });
    const client = new ClientV2({ name: 'stdio-e2e', version: '1.0.0' });
    const stderr = transport.stderr as Readable;
    await client.connect(transport);
    return { client: wrap(client, 'v2'), stderr, pid: () => transport.pid };
  },
  protocolError: (e) => (e instanceof ClientProtocolErrorV2 ? { code: e.code, data: e.data } : undefined),
};

/** Both generations, for `describe.each`. */
export const SDK_GENERATIONS: readonly SdkKit[] = [v1, v2];
