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
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AlterMCP } from '@alter/mcp';
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/server';
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
    expect((err as Error | undefined)?.message).toContain(`did not offer pinned protocol version ${MODERN_PROTOCOL_VERSION} via server/discover`);
    await server.close();
  });

  it('a client in auto negotiation falls back to 2025-11-25, and the Connect recovery is the 2025 one (-32042)', async () => {
    const alter = new AlterMCP(h.vault, { defaultUser: 'carol', logger: h.leak.logger });
    const server = v2.mcpServer('auto', { modern: true });
    alter.register(server, [UtilityTools, GmailTools]);
    const [a, b] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'auto', version: '1.0.0' }, { capabilities: { elicitation: { url: {} } }, versionNegotiation: { mode: 'auto' } });
    await Promise.all([server.connect(a), client.connect(b)]);
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe('2025-11-25');
      expect(await client.callTool({ name: 'echo', arguments: { text: 'hi', times: 2 } })).toEqual({ content: [{ type: 'text', text: 'hihi' }] });
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
