/**
 * Every tool of a pack names its provider and declares the endpoints it calls (docs/policies.md),
 * read from the tool classes' own metadata: a tool added without `endpoints` fails here by name
 * (and under the harness's `undeclared: 'deny'` policy it cannot reach its provider at all).
 * Runner-agnostic: it throws.
 */
import { checkFailed, invalidArgument } from '../errors.js';
import { TOOL_MEMBERS_KEY, TOOL_METADATA_KEY } from './tool-metadata-keys.js';

/** The parts of `@alter/mcp`'s `ToolMetadata` the check reads. */
interface ToolMetadataView {
  readonly name: string;
  readonly provider: string | null;
  readonly endpoints?: readonly unknown[] | undefined;
}

/** What reflect-metadata (loaded by `@alter/mcp`) adds to `Reflect`. */
interface ReflectMetadata {
  getMetadata(key: string, target: object, property?: string): unknown;
}

/** A tool class: what `@AlterTool` decorates. */
export type ToolClass = abstract new (...args: never[]) => object;

function reflectMetadata(): ReflectMetadata {
  const reflect = Reflect as unknown as Partial<ReflectMetadata>;
  if (typeof reflect.getMetadata !== 'function')
    throw invalidArgument('classes', "reflect-metadata is not loaded: import '@alter/mcp' (it loads it) before the check.");
  return reflect as ReflectMetadata;
}

function isToolMetadata(value: unknown): value is ToolMetadataView {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.name === 'string' && (v.provider === null || typeof v.provider === 'string');
}

/**
 * Checks that `classes` declare exactly the tools `toolNames`, each naming its provider and
 * declaring its endpoints (an empty list is a declaration too: a tool that only calls other tools).
 * @throws {SandboxError} `SANDBOX_CHECK_FAILED` listing every tool that is missing, extra, has no
 *   provider, or declares no (or unfrozen) endpoints; `SANDBOX_INVALID_ARGUMENT` when a class
 *   carries no `@AlterTool` metadata or reflect-metadata is not loaded.
 * @example
 * ```ts
 * expectToolsDeclareEndpoints([NotesTools], Object.keys(notesManifest.scopesByTool));
 * ```
 */
export function expectToolsDeclareEndpoints(classes: readonly ToolClass[], toolNames: readonly string[]): void {
  const reflect = reflectMetadata();
  const tools = new Map<string, ToolMetadataView>();
  for (const cls of classes) {
    const members = reflect.getMetadata(TOOL_MEMBERS_KEY, cls.prototype);
    if (!Array.isArray(members) || members.length === 0)
      throw invalidArgument(
        'classes',
        `${cls.name} has no @AlterTool methods (is it a tool class, compiled with experimentalDecorators?).`,
      );
    for (const member of members) {
      const metadata = reflect.getMetadata(TOOL_METADATA_KEY, cls.prototype, String(member));
      if (!isToolMetadata(metadata))
        throw invalidArgument(
          'classes',
          `${cls.name}.${String(member)} has no readable @AlterTool metadata (two different @alter/mcp versions?).`,
        );
      tools.set(metadata.name, metadata);
    }
  }
  const expected = new Set(toolNames);
  const problems: string[] = [];
  for (const name of expected) if (!tools.has(name)) problems.push(`${name} is expected but no class declares it`);
  for (const [name, m] of tools) {
    if (!expected.has(name)) problems.push(`${name} is declared but not expected`);
    if (m.provider === null) problems.push(`${name} names no provider`);
    if (m.endpoints === undefined) problems.push(`${name} declares no endpoints (add endpoints: ['GET /path/{id}', …] to @AlterTool)`);
    else if (!Object.isFrozen(m.endpoints)) problems.push(`${name}: its endpoints list is not frozen`);
  }
  if (problems.length > 0) throw checkFailed('The pack tools do not all declare their endpoints', problems);
}
