/**
 * The listing checks every tool pack's e2e test makes: the server lists exactly the manifest's
 * tools, every input field carries a description (the model reads them), and every tool declares
 * an output schema. Each pack's test adds its own annotation checks after this.
 */
import { expect } from '@jest/globals';
import type { ToolPackManifest } from '@alter/mcp';

/** The parts of a listed tool (the SDK's `Tool`) these checks read. */
export interface ListedTool {
  readonly name: string;
  readonly inputSchema: { readonly properties?: unknown };
  readonly outputSchema?: unknown;
}

/** Asserts the listing matches `manifest` (names), and every tool describes its fields and declares an output schema. */
export function expectToolsMatchManifest(tools: readonly ListedTool[], manifest: Pick<ToolPackManifest, 'scopesByTool'>): void {
  expect(tools.map((t) => t.name).sort()).toEqual(Object.keys(manifest.scopesByTool).sort());
  for (const tool of tools) {
    const props = (tool.inputSchema.properties ?? {}) as Record<string, { description?: string }>;
    // Compared as an object so a failure names the tool and the field.
    for (const [field, schema] of Object.entries(props))
      expect({ tool: tool.name, field, described: !!schema.description }).toEqual({ tool: tool.name, field, described: true });
    expect(tool.outputSchema).toBeDefined();
  }
}
