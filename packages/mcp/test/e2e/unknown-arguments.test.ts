/**
 * Issue #13, finding 4: one rule for argument names a tool does not declare. The Python docs'
 * `list_events(max_results)` ported as `maxResults` used to take `{ "max_results": 1 }`, drop it
 * (zod strips unknown keys) and return every event; DTO and no-input tools already refused.
 * Now every kind refuses naming each key (nested ones too), `tools/list` says
 * `additionalProperties: false`, and `unknownArguments: 'strip'` opts a tool out.
 * Real parts: the SDK's Client over the in-memory transport, the sandbox, a SQLite vault.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { z as z3 } from 'zod/v3';
import { AlterMCP, AlterTool, type AlterContext } from '@alter/mcp';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';

type ToolResultT = { content: Array<{ type: string; text?: string }>; isError?: boolean };

export class MaxResultsDto {
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(250)
  maxResults?: number;
}

const zod4Input = z.object({ maxResults: z.number().int().default(10), filter: z.object({ label: z.string() }).optional() });
const zod3Input = z3.object({ maxResults: z3.number().int().default(10), filter: z3.object({ label: z3.string() }).optional() });

class ArgumentTools {
  @AlterTool({ description: 'zod 4 input.', input: zod4Input })
  async zod4Tool(_ctx: AlterContext, input: { maxResults: number }) {
    return input;
  }

  @AlterTool({ description: 'zod 3 input.', input: zod3Input })
  async zod3Tool(_ctx: AlterContext, input: { maxResults: number }) {
    return input;
  }

  @AlterTool({ description: 'DTO input.', input: MaxResultsDto })
  async dtoTool(_ctx: AlterContext, input: MaxResultsDto) {
    return { maxResults: input.maxResults ?? 10 };
  }

  @AlterTool({ description: 'No input.' })
  async noInput(_ctx: AlterContext) {
    return 'ok';
  }

  @AlterTool({ description: 'zod 4 input, unknown arguments stripped.', input: zod4Input, unknownArguments: 'strip' })
  async lenient(_ctx: AlterContext, input: { maxResults: number }) {
    return input;
  }

  @AlterTool({ description: 'No input, unknown arguments ignored.', unknownArguments: 'strip' })
  async lenientNoInput(_ctx: AlterContext) {
    return 'ok';
  }
}

let h: McpHarness;
let client: Client;
let closeAll: () => Promise<void>;

beforeAll(async () => {
  h = await createMcpHarness({ listen: false });
  const alter = new AlterMCP(h.vault, { defaultUser: 'alice', logger: h.leak.logger });
  const server = new McpServer({ name: 'args', version: '1.0.0' });
  alter.register(server, [ArgumentTools]);
  const [a, b] = InMemoryTransport.createLinkedPair();
  client = new Client({ name: 'args-client', version: '1.0.0' });
  await Promise.all([server.connect(a), client.connect(b)]);
  closeAll = async () => {
    await client.close();
    await server.close();
  };
});
afterAll(async () => {
  await closeAll?.();
  await h?.close();
});

async function call(name: string, args: Record<string, unknown>): Promise<ToolResultT> {
  return (await client.callTool({ name, arguments: args })) as ToolResultT;
}

describe('unknown argument names', () => {
  it.each(['zod4_tool', 'zod3_tool', 'dto_tool'])(
    '%s refuses { max_results } naming the key instead of running with the default',
    async (tool) => {
      const r = await call(tool, { max_results: 1 });
      expect(r.isError).toBe(true);
      expect(r.content[0]!.text).toContain('max_results');
      expect(r.content[0]!.text).toMatch(/unknown argument "max_results"/);
    },
  );

  it.each(['zod4_tool', 'zod3_tool'])('%s names every unknown key, nested ones with their path', async (tool) => {
    const r = await call(tool, { maxResults: 2, max_results: 1, extra: true, filter: { label: 'x', lable: 'y' } });
    expect(r.isError).toBe(true);
    const text = r.content[0]!.text!;
    for (const key of ['max_results', 'extra', 'filter.lable']) expect(text).toContain(key);
    expect(text).toContain('expected one of: maxResults, filter');
  });

  it('a no-input tool refuses any argument by name', async () => {
    const r = await call('no_input', { max_results: 1 });
    expect(r.isError).toBe(true);
    expect(r.content[0]!.text).toMatch(/unknown argument "max_results"/);
  });

  it('known arguments still work', async () => {
    expect(JSON.parse((await call('zod4_tool', { maxResults: 3, filter: { label: 'a' } })).content[0]!.text!)).toEqual({
      maxResults: 3,
      filter: { label: 'a' },
    });
    expect(JSON.parse((await call('zod3_tool', { maxResults: 3 })).content[0]!.text!)).toEqual({ maxResults: 3 });
    expect(JSON.parse((await call('dto_tool', { maxResults: 3 })).content[0]!.text!)).toEqual({ maxResults: 3 });
  });

  it("unknownArguments: 'strip' opts a tool out: extra keys are dropped", async () => {
    const r = await call('lenient', { max_results: 1, filter: { label: 'a', other: 1 } });
    expect(r.isError).toBeFalsy();
    expect(JSON.parse(r.content[0]!.text!)).toEqual({ maxResults: 10, filter: { label: 'a' } });
    expect((await call('lenient_no_input', { anything: 1 })).isError).toBeFalsy();
  });

  it('tools/list publishes additionalProperties: false for every closed object, and not for opted-out tools', async () => {
    const { tools } = await client.listTools();
    const schema = (name: string) =>
      tools.find((t) => t.name === name)!.inputSchema as Record<string, unknown> & { properties: Record<string, Record<string, unknown>> };
    for (const name of ['zod4_tool', 'zod3_tool', 'dto_tool', 'no_input']) expect(schema(name).additionalProperties).toBe(false);
    expect(schema('zod4_tool').properties.filter!.additionalProperties).toBe(false);
    expect(schema('lenient').additionalProperties).toBeUndefined();
  });

  it('leaves the user’s zod schema untouched (no strict copy written into it)', async () => {
    expect(zod4Input.safeParse({ maxResults: 1, max_results: 2 })).toEqual({ success: true, data: { maxResults: 1 } });
    expect(zod3Input.safeParse({ maxResults: 1, max_results: 2 })).toEqual({ success: true, data: { maxResults: 1 } });
  });
});
