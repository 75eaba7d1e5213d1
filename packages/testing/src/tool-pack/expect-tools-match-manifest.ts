/**
 * The listing check every tool pack's test makes: the server lists exactly the manifest's tools,
 * every input field carries a description (the model reads them), and every tool declares an
 * output schema. Runner-agnostic: it throws, so it works under Jest, Vitest and node:test alike.
 */
import { checkFailed } from '../errors.js';

/** The parts of a listed tool (the SDK's `Tool`) the check reads. */
export interface ListedTool {
  readonly name: string;
  readonly inputSchema: { readonly properties?: unknown };
  readonly outputSchema?: unknown;
}

/** The part of a pack manifest (`defineManifest()` of `@alter/mcp`) the check reads. */
export interface ManifestLike {
  readonly scopesByTool: Readonly<Record<string, readonly string[]>>;
}

/**
 * Checks the `tools/list` answer against the pack's manifest.
 * @throws {SandboxError} `SANDBOX_CHECK_FAILED` listing every difference: a tool listed but not in
 *   the manifest (or the reverse), an input field without a description, a tool without an output schema.
 * @example
 * ```ts
 * const { tools } = await pack.client.listTools();
 * expectToolsMatchManifest(tools, notesManifest);
 * ```
 */
export function expectToolsMatchManifest(tools: readonly ListedTool[], manifest: ManifestLike): void {
  const listed = new Set(tools.map((t) => t.name));
  const declared = new Set(Object.keys(manifest.scopesByTool));
  const problems: string[] = [];
  for (const name of listed)
    if (!declared.has(name)) problems.push(`${name} is listed by the server but missing from the manifest's scopesByTool`);
  for (const name of declared) if (!listed.has(name)) problems.push(`${name} is in the manifest but the server does not list it`);
  for (const tool of tools) {
    const props = (tool.inputSchema.properties ?? {}) as Record<string, { description?: unknown }>;
    for (const [field, schema] of Object.entries(props)) {
      if (typeof schema?.description !== 'string' || schema.description === '')
        problems.push(`${tool.name}: input field "${field}" has no description (add .describe() or @Description)`);
    }
    if (tool.outputSchema === undefined) problems.push(`${tool.name} declares no output schema (add \`output\` to @AlterTool)`);
  }
  if (problems.length > 0) throw checkFailed('The tool listing does not match the pack manifest', problems);
}
