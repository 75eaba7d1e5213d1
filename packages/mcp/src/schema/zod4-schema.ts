/** zod 4 adapter: JSON Schema from zod's own `toJSONSchema` (2020-12), validation by `safeParseAsync`. */
import { toJSONSchema } from 'zod/v4/core';
import type { $ZodType } from 'zod/v4/core';
import { formatPath, type JsonSchemaObject, type SchemaValidation, type ToolSchema } from './tool-schema.js';
import { closeObjectSchemas, type UnknownArgumentsMode, unknownArgumentIssues } from './unknown-arguments.js';

interface Zod4Like {
  readonly _zod: { readonly def: { readonly type: string } };
  safeParseAsync(
    input: unknown,
  ): Promise<
    | { success: true; data: unknown }
    | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string; code?: string; keys?: string[] }> } }
  >;
}

/** True for a zod 4 schema (classic or mini; `zod` ≥ 4 or `zod/v4` from zod 3.25). */
export function isZod4Schema(value: unknown): boolean {
  const zod = (value as { _zod?: { def?: unknown } } | null)?._zod;
  return typeof value === 'object' && value !== null && typeof zod === 'object' && zod !== null && typeof zod.def === 'object';
}

/** The zod type name (`object`, `string`, …) of a zod 4 schema. */
export function zod4TypeName(value: unknown): string {
  return (value as Zod4Like)._zod.def.type;
}

/**
 * Wraps a zod 4 schema. `io: 'input'` describes what callers send (defaults optional),
 * `'output'` what the tool returns.
 * @throws Error when zod cannot express the schema in JSON Schema (e.g. `z.custom`, transforms on output).
 */
export function zod4Schema(schema: unknown, io: 'input' | 'output', unknownArguments: UnknownArgumentsMode = 'reject'): ToolSchema {
  const zod = schema as Zod4Like;
  const raw = toJSONSchema(schema as $ZodType, { target: 'draft-2020-12', io, unrepresentable: 'throw' }) as JsonSchemaObject;
  const strict = io === 'input' && unknownArguments === 'reject';
  const json = strict ? closeObjectSchemas(raw) : Object.freeze(raw);
  return {
    kind: 'zod4',
    toJsonSchema: () => json,
    validate: (input) => validateZod(zod, json, strict, input),
  };
}

/**
 * Parses with zod (never a modified copy of the user's schema) and, when `strict`, adds an issue
 * for every argument name the published JSON Schema does not allow (zod would strip them).
 */
export async function validateZod(
  zod: Pick<Zod4Like, 'safeParseAsync'>,
  json: JsonSchemaObject,
  strict: boolean,
  input: unknown,
): Promise<SchemaValidation> {
  const unknown = strict ? unknownArgumentIssues(json, input) : [];
  const r = await zod.safeParseAsync(input);
  if (r.success && unknown.length === 0) return { ok: true, value: r.data };
  const issues = [...unknown, ...(r.success ? [] : r.error.issues.flatMap(zodIssueToIssues))];
  // zod's own `unrecognized_keys` (strict objects) names the same keys again.
  const seen = new Set(unknown.map((i) => i.path));
  return { ok: false, issues: issues.filter((i, n) => n < unknown.length || !(seen.has(i.path) && i.message.startsWith('unknown field'))) };
}

/** zod reports unknown keys at the object's path with a `keys` list: name each key as the field. */
export function zodIssueToIssues(issue: {
  path: ReadonlyArray<PropertyKey>;
  message: string;
  code?: string;
  keys?: string[];
}): Array<{ path: string; message: string }> {
  if (issue.code === 'unrecognized_keys' && Array.isArray(issue.keys) && issue.keys.length > 0) {
    return issue.keys.map((k) => ({ path: formatPath([...issue.path, k]), message: 'unknown field (not in the schema)' }));
  }
  return [{ path: formatPath(issue.path), message: issue.message }];
}
