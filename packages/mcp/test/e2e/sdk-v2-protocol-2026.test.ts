/**
 * SDK v2 and protocol revision 2026-07-28 (which only v2 implements) over the in-memory
 * transport, with v2's real Client.
 *
 * What the SDK does (2.4.0): a server attached with `server.connect(transport)` — how @alter/mcp's
 * `serveStdio` and every in-memory setup attach it — is bound to an era only by the `initialize`
 * handshake, so it answers `server/discover` with -32601 even when its `supportedProtocolVersions`
 * list 2026-07-28 (only the SDK's own serving entries, `createMcpHandler` / its `serveStdio`, bind
 * an instance to the 2026 era). A client pinned to 2026-07-28 therefore cannot connect; a client in
 * `auto` negotiation falls back to 2025-11-25, where Alter's recovery (-32042) works unchanged.
 *
 * Served through the SDK's own entries, the 2026-07-28 era works: tools run, and a missing grant
 * for a client that does not declare URL elicitation is the isError result with the Connect URL
 * (that revision has no -32042; a client that declares URL elicitation gets input_required —
 * recovery-2026-input-required.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AlterMCP, CONNECT_META_KEY } from '@alter/mcp';
import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createMcpHandler, InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import { serveStdio as sdkServeStdio } from '@modelcontextprotocol/server/stdio';
import { GmailTools, UtilityTools } from '../fixtures/example.tools.js';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';
import { MODERN_PROTOCOL_VERSION, SDK_GENERATIONS } from '../support/sdk-generations.js';

const v2 = SDK_GENERATIONS.find((g) => g.name === 'v2')!;
let h: McpHarness;

beforeAll(async () => {
  h = await createMcpHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('SDK v2 and protocol revision 2026-07-28 (in-memory)', () => {
  it('a client pinned to 2026-07-28 is refused by a connect()-attached server (the SDK binds the era only in its own serving entries)', async () => {
    const alter = new AlterMCP(h.vault, { defaultUser: 'carol', logger: h.leak.logger });
    const server = v2.mcpServer('pinned', { modern: true });
    alter.register(server, [UtilityTools]);
    const err = await v2.connectInMemory(server, { pinProtocolVersion: MODERN_PROTOCOL_VERSION }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as Error | undefined)?.message).toContain(
      `did not offer pinned protocol version ${MODERN_PROTOCOL_VERSION} via server/discover`,
    );
    await server.close();
  });

  it('a client in auto negotiation falls back to 2025-11-25, and the Connect recovery is the 2025 one (-32042)', async () => {
    const alter = new AlterMCP(h.vault, { defaultUser: 'carol', logger: h.leak.logger });
    const server = v2.mcpServer('auto', { modern: true });
    alter.register(server, [UtilityTools, GmailTools]);
    const [a, b] = InMemoryTransport.createLinkedPair();
    const client = new Client(
      { name: 'auto', version: '1.0.0' },
      { capabilities: { elicitation: { url: {} } }, versionNegotiation: { mode: 'auto' } },
    );
    await Promise.all([server.connect(a), client.connect(b)]);
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe('2025-11-25');
      expect(await client.callTool({ name: 'echo', arguments: { text: 'hi', times: 2 } })).toEqual({
        content: [{ type: 'text', text: 'hihi' }],
      });
      const err = await client.callTool({ name: 'list_emails', arguments: { query: 'x' } }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(v2.protocolError(err)?.code).toBe(-32042);
      h.leak.inspect(err, 'elicitation error');
    } finally {
      await client.close();
      await server.close();
      await alter.close();
    }
    h.leak.assertClean();
  });
});

/** Connects a v2 client pinned to 2026-07-28 to servers built by `factory`, through one of the SDK's serving entries. */
type ModernEntry = (factory: () => McpServer, client: Client) => Promise<() => Promise<void>>;

const viaStdioEntry: ModernEntry = async (factory, client) => {
  const [a, b] = InMemoryTransport.createLinkedPair();
  const handle = sdkServeStdio(factory, { transport: a });
  await client.connect(b);
  return () => handle.close();
};

const viaHttpEntry: ModernEntry = async (factory, client) => {
  const handler = createMcpHandler(factory);
  // The web-standard handler called in-process: real HTTP requests and responses, no socket.
  const transport = new StreamableHTTPClientTransport(new URL('http://127.0.0.1/mcp'), {
    fetch: (url, init) => handler.fetch(new Request(url, init)),
  });
  await client.connect(transport);
  return () => handler.close();
};

describe.each([
  { entry: "the SDK's stdio entry (serveStdio over an in-memory pair)", connect: viaStdioEntry, user: 'alice' },
  { entry: "the SDK's HTTP entry (createMcpHandler, fetch in-process)", connect: viaHttpEntry, user: 'bob' },
])('SDK v2 on the 2026-07-28 era, served by $entry', ({ connect, user }) => {
  it('runs tools, and a missing grant is an isError result with the Connect URL for a client without URL elicitation', async () => {
    const alter = new AlterMCP(h.vault, { defaultUser: user, logger: h.leak.logger });
    const client = new Client(
      { name: 'pinned', version: '1.0.0' },
      { capabilities: {}, versionNegotiation: { mode: { pin: MODERN_PROTOCOL_VERSION } } },
    );
    const close = await connect(() => {
      const server = new McpServer({ name: 'modern', version: '1.0.0' });
      alter.register(server, [UtilityTools, GmailTools]);
      return server;
    }, client);
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe(MODERN_PROTOCOL_VERSION);
      const echoed = await client.callTool({ name: 'echo', arguments: { text: 'hi', times: 2 } });
      expect(echoed.content).toEqual([{ type: 'text', text: 'hihi' }]);
      const first = await client.callTool({ name: 'list_emails', arguments: { query: 'x' } });
      expect(first.isError).toBe(true);
      const text = (first.content as Array<{ text?: string }>)[0]!.text!;
      const url = /(http:\/\/127\.0\.0\.1:\d+\/connect\/[A-Za-z0-9_-]+)/.exec(text)?.[1];
      expect(url).toBeDefined();
      expect((first._meta?.[CONNECT_META_KEY] as { url?: string } | undefined)?.url).toBe(url);
      await h.sandbox.approve(url!, { login: user });
      const second = await client.callTool({ name: 'list_emails', arguments: { query: 'x' } });
      expect(second.isError).toBeFalsy();
      h.leak.inspect(first, 'connect result');
      h.leak.inspect(second, 'tool result');
    } finally {
      await client.close();
      await close();
      await alter.close();
    }
    await h.collectTokens();
    h.leak.assertClean();
  });
});
