/**
 * Throws random JSON arguments at every tool the server lists: each answer must be a result (no
 * protocol error), and no failure may be an internal error or an output-schema mismatch — bad
 * input is rejected by the schema naming the field, and a provider refusal is a ProviderApiError.
 * Internal to our packs' tests (it needs fast-check); the published kit is in @alter/testing.
 */
import { type SdkClientLike, textOf, type ToolPackHarness } from '@alter/testing';
import fc from 'fast-check';

export async function fuzzEveryTool(stack: ToolPackHarness<SdkClientLike>, runsPerTool = 25): Promise<number> {
  const { tools } = await stack.client.listTools();
  let calls = 0;
  for (const tool of tools) {
    const fields = Object.keys((tool.inputSchema.properties ?? {}) as Record<string, unknown>);
    const args = fc.dictionary(fc.oneof(fc.constantFrom(...fields, 'extra'), fc.string()), fc.jsonValue(), { maxKeys: 6 });
    await fc.assert(
      fc.asyncProperty(args, async (input) => {
        calls += 1;
        const result = await stack.call(tool.name, input as Record<string, unknown>);
        const text = textOf(result);
        if (/internal error|does not match its output schema/i.test(text))
          throw new Error(`${tool.name}(${JSON.stringify(input)}) → ${text}`);
      }),
      { numRuns: runsPerTool },
    );
  }
  return calls;
}
