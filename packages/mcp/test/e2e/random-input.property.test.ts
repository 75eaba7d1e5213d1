/**
 * Property test: random JSON arguments thrown at every example tool through the real Client. The
 * server never crashes (every call answers with a well-formed result), and every rejection
 * names the offending field(s).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AlterMCP } from '@alter/mcp';
import { CalendarTools, GmailTools, UtilityTools } from '../fixtures/example.tools.js';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';

type Result = { content: Array<{ type: string; text?: string }>; isError?: boolean };

let h: McpHarness;
let client: Client;
let server: McpServer;
let tools: Array<{ name: string; inputSchema: { properties?: Record<string, unknown>; required?: string[] } }>;

beforeAll(async () => {
  h = await createMcpHarness();
  // A user with no grants: provider tools answer with a Connect URL instead of calling out.
  const alter = new AlterMCP(h.vault, { defaultUser: 'nobody', logger: h.leak.logger });
  server = new McpServer({ name: 'prop', version: '1' });
  // `crash`, `refuse` and `runaway` fail by design; the property is about input handling.
  alter.register(server, [CalendarTools, GmailTools, UtilityTools]);
  const [a, b] = InMemoryTransport.createLinkedPair();
  client = new Client({ name: 'prop-client', version: '1' });
  await Promise.all([server.connect(a), client.connect(b)]);
  tools = (await client.listTools()).tools as typeof tools;
});
afterAll(async () => {
  await client?.close();
  await server?.close();
  await h?.close();
});

/** Objects mixing the tool's own property names with random keys, all with random JSON values. */
function argumentsFor(props: string[]): fc.Arbitrary<Record<string, unknown>> {
  const known =
    props.length > 0 ? fc.record(Object.fromEntries(props.map((p) => [p, fc.jsonValue()])), { requiredKeys: [] }) : fc.constant({});
  return fc
    .tuple(known, fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }))
    .map(([k, extra]) => ({ ...extra, ...k }));
}

describe('random JSON at every example tool', () => {
  it('never crashes; every rejection names the field', async () => {
    expect(tools.length).toBeGreaterThanOrEqual(8);
    for (const tool of tools) {
      const props = Object.keys(tool.inputSchema.properties ?? {});
      await fc.assert(
        fc.asyncProperty(argumentsFor(props), async (args) => {
          const res = (await client.callTool({ name: tool.name, arguments: args })) as Result;
          expect(Array.isArray(res.content)).toBe(true);
          if (!res.isError) return;
          expect(res.content.length).toBeGreaterThan(0);
          const text = res.content[0]!.text ?? '';
          if (!text.startsWith('Invalid arguments')) return;
          const lines = text.split('\n').slice(1);
          expect(lines.length).toBeGreaterThan(0);
          for (const line of lines) {
            // `- field.sub[0]: why`, or `- ["odd key"]: why` for keys that are empty or hold separators.
            const m = /^- (?:\[("(?:[^"\\]|\\.)*")\]|([^:.[]+))/.exec(line);
            expect(m).not.toBeNull();
            const head = m![1] !== undefined ? (JSON.parse(m![1]) as string) : m![2]!;
            // The named field is one the caller sent or one the schema requires.
            expect(Object.keys(args).includes(head) || (tool.inputSchema.required ?? []).includes(head)).toBe(true);
          }
        }),
        { numRuns: 100 },
      );
    }
  }, 120_000);
});
