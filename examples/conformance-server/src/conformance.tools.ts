/**
 * The fixture tools `@modelcontextprotocol/conformance` 0.2.0-alpha.12 expects of a server, written as
 * ordinary @AlterTool classes (none needs provider credentials).
 */
import { z } from 'zod';
import { AlterTool, type AlterContext, ToolError, ToolResult } from '@alter/mcp';

// A 1×1 red PNG and a tiny silent WAV (base64).
const RED_PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const SILENT_WAV = 'UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const Address = z.object({ street: z.string().optional(), city: z.string().optional() }).meta({ id: 'address' });

export class ContentTools {
  @AlterTool({ description: 'Returns simple text content.' })
  testSimpleText(_ctx: AlterContext): string {
    return 'This is a simple text response for testing.';
  }

  @AlterTool({ description: 'Returns image content.' })
  testImageContent(_ctx: AlterContext): ToolResult {
    return ToolResult.image(RED_PIXEL_PNG, 'image/png');
  }

  @AlterTool({ description: 'Returns audio content.' })
  testAudioContent(_ctx: AlterContext): ToolResult {
    return ToolResult.audio(SILENT_WAV, 'audio/wav');
  }

  @AlterTool({ description: 'Returns an embedded resource.' })
  testEmbeddedResource(_ctx: AlterContext): ToolResult {
    return ToolResult.resource({ uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' });
  }

  @AlterTool({ description: 'Returns text, image and resource content together.' })
  testMultipleContentTypes(_ctx: AlterContext): ToolResult {
    return ToolResult.of([
      ToolResult.textItem('Multiple content types test:'),
      ToolResult.imageItem(RED_PIXEL_PNG, 'image/png'),
      ToolResult.resourceItem({ uri: 'test://mixed-content-resource', mimeType: 'application/json', text: '{"test":"data","value":123}' }),
    ]);
  }

  @AlterTool({ description: 'Always fails with an error result.' })
  testErrorHandling(_ctx: AlterContext): never {
    throw new ToolError('This tool intentionally returns an error for testing');
  }

  @AlterTool({
    name: 'json_schema_2020_12_tool',
    description: 'Tool with JSON Schema 2020-12 features',
    input: z.object({ name: z.string().optional(), address: Address.optional() }).strict(),
  })
  jsonSchema202012(_ctx: AlterContext, input: { name?: string }): string {
    return `Hello ${input.name ?? 'anonymous'}`;
  }
}

export class InteractionTools {
  @AlterTool({ description: 'Closes its SSE stream mid-call; the result arrives after the client reconnects (SSE polling, SEP-1699).' })
  async testReconnection(ctx: AlterContext): Promise<string> {
    ctx.closeSseStream();
    await sleep(100);
    return 'Reconnection test completed: the result was delivered on the resumed stream.';
  }

  @AlterTool({ description: 'Sends log messages while it runs.' })
  async testToolWithLogging(ctx: AlterContext): Promise<string> {
    await ctx.log.info('Tool execution started');
    await sleep(50);
    await ctx.log.info('Tool processing data');
    await sleep(50);
    await ctx.log.info('Tool execution completed');
    return 'Logging test completed';
  }

  @AlterTool({ description: 'Logs at info level; on 2026-07-28 a log reaches the client only if its request set a log level.' })
  async testLoggingTool(ctx: AlterContext): Promise<string> {
    await ctx.log.info('test_logging_tool ran');
    return 'Logged (if the request asked for logs).';
  }

  @AlterTool({ description: 'Reports progress while it runs.' })
  async testToolWithProgress(ctx: AlterContext): Promise<string> {
    for (const done of [0, 50, 100]) {
      await ctx.progress(done, 100, `Completed step ${done / 50 + 1} of 3`);
      await sleep(50);
    }
    return 'Progress test completed';
  }

  @AlterTool({ description: 'Asks the client for an LLM completion.', input: z.object({ prompt: z.string() }) })
  async testSampling(ctx: AlterContext, { prompt }: { prompt: string }): Promise<string> {
    const result = await ctx.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 100 });
    const content = result.content as { type?: string; text?: string } | undefined;
    return `LLM response: ${content?.type === 'text' ? content.text : JSON.stringify(content)}`;
  }

  @AlterTool({ description: 'Asks the user for input.', input: z.object({ message: z.string() }) })
  async testElicitation(ctx: AlterContext, { message }: { message: string }): Promise<string> {
    const result = await ctx.elicitInput({
      message,
      requestedSchema: {
        type: 'object',
        properties: {
          username: { type: 'string', description: "User's response" },
          email: { type: 'string', description: "User's email address" },
        },
        required: ['username', 'email'],
      },
    });
    return `User response: action=${String(result.action)}, content=${JSON.stringify(result.content ?? {})}`;
  }

  @AlterTool({ description: 'Elicitation with defaults for every primitive type (SEP-1034).' })
  async testElicitationSep1034Defaults(ctx: AlterContext): Promise<string> {
    const result = await ctx.elicitInput({
      message: 'Please review and update the form fields with defaults',
      requestedSchema: {
        type: 'object',
        properties: {
          name: { type: 'string', description: 'User name', default: 'John Doe' },
          age: { type: 'integer', description: 'User age', default: 30 },
          score: { type: 'number', description: 'User score', default: 95.5 },
          status: { type: 'string', description: 'User status', enum: ['active', 'inactive', 'pending'], default: 'active' },
          verified: { type: 'boolean', description: 'Verification status', default: true },
        },
      },
    });
    return `Elicitation completed: action=${String(result.action)}, content=${JSON.stringify(result.content ?? {})}`;
  }

  @AlterTool({ description: 'Elicitation with every enum variant (SEP-1330).' })
  async testElicitationSep1330Enums(ctx: AlterContext): Promise<string> {
    const result = await ctx.elicitInput({
      message: 'Please select options from the enum fields',
      requestedSchema: {
        type: 'object',
        properties: {
          untitledSingle: { type: 'string', description: 'Select one option', enum: ['option1', 'option2', 'option3'] },
          titledSingle: {
            type: 'string',
            description: 'Select one option with titles',
            oneOf: [
              { const: 'value1', title: 'First Option' },
              { const: 'value2', title: 'Second Option' },
              { const: 'value3', title: 'Third Option' },
            ],
          },
          legacyEnum: {
            type: 'string',
            description: 'Select one option (legacy)',
            enum: ['opt1', 'opt2', 'opt3'],
            enumNames: ['Option One', 'Option Two', 'Option Three'],
          },
          untitledMulti: {
            type: 'array',
            description: 'Select multiple options',
            minItems: 1,
            maxItems: 3,
            items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
          },
          titledMulti: {
            type: 'array',
            description: 'Select multiple options with titles',
            minItems: 1,
            maxItems: 3,
            items: {
              anyOf: [
                { const: 'value1', title: 'First Choice' },
                { const: 'value2', title: 'Second Choice' },
                { const: 'value3', title: 'Third Choice' },
              ],
            },
          },
        },
      },
    });
    return `Elicitation completed: action=${String(result.action)}, content=${JSON.stringify(result.content ?? {})}`;
  }
}
