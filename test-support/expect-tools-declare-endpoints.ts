/**
 * Every tool of a pack declares the endpoints it calls (docs/policies.md): read from the tool
 * classes' own metadata, so a tool added without `endpoints` fails here by name (and, in the pack
 * e2e suites, which run with `undeclared: 'deny'`, cannot reach its provider at all).
 */
import { expect } from '@jest/globals';
import { type ToolMetadata, TOOL_MEMBERS, TOOL_METADATA } from '@alter/mcp';

/** What reflect-metadata (loaded by @alter/mcp) adds to `Reflect`. */
const reflect = Reflect as unknown as { getMetadata(key: string, target: object, property?: string): unknown };

/** The metadata of every tool of `classes`, by tool name. */
export function toolMetadataOf(classes: readonly (abstract new (...args: never[]) => object)[]): Map<string, ToolMetadata> {
  const out = new Map<string, ToolMetadata>();
  for (const cls of classes) {
    const members = (reflect.getMetadata(TOOL_MEMBERS.key, cls.prototype) ?? []) as readonly string[];
    for (const member of members) {
      const metadata = reflect.getMetadata(TOOL_METADATA.key, cls.prototype, member) as ToolMetadata;
      out.set(metadata.name, metadata);
    }
  }
  return out;
}

/** Asserts that each tool names its provider and declares its endpoints (possibly none), and that `toolNames` are all there. */
export function expectToolsDeclareEndpoints(
  classes: readonly (abstract new (...args: never[]) => object)[],
  toolNames: readonly string[],
): void {
  const tools = toolMetadataOf(classes);
  expect([...tools.keys()].sort()).toEqual([...toolNames].sort());
  // An empty list is a declaration too: the tool itself calls nothing (e.g. it only calls other tools).
  const undeclared = [...tools].filter(([, m]) => m.provider === null || m.endpoints === undefined).map(([name]) => name);
  expect(undeclared).toEqual([]);
  for (const [, m] of tools) expect(Object.isFrozen(m.endpoints)).toBe(true);
}
