/** zod 4 adapter: JSON Schema from zod's own `toJSONSchema` (2020-12), validation by `safeParseAsync`. */
import { toJSONSchema } from 'zod/v4/core';
import type { $ZodType } from 'zod/v4/core';
import { formatPath, type JsonSchemaObject, type SchemaValidation, type ToolSchema } from './tool-schema.js';

interface Zod4Like {
  readonly _zod: { readonly def: { readonly type: string } };
  safeParseAsync(input: unknown): Promise<{ success: true; data: unknown } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string; code?: string; keys?: string[] }> } }>;
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
export function zod4Schema(schema: unknown, io: 'input' | 'output'): ToolSchema {
  const zod = schema as Zod4Like;
  const json = Object.freeze(toJSONSchema(schema as $ZodType, { target: 'draft-2020-12', io, unrepresentable: 'throw' }) as JsonSchemaObject);
  return {
    kind: 'zod4',
    toJsonSchema: () => json,
    async validate(input: unknown): Promise<SchemaValidation> {
      const r = await zod.safeParseAsync(input);
      if (r.success) return { ok: true, value: r.data };
      return { ok: false, issues: r.error.issues.flatMap(zodIssueToIssues) };
    },
  };
}

/** zod reports unknown keys at the object's path with a `keys` list: name each key as the field. */
export function zodIssueToIssues(issue: { path: ReadonlyArray<PropertyKey>; message: string; code?: string; keys?: string[] }): Array<{ path: string; message: string }> {
  if (issue.code === 'unrecognized_keys' && Array.isArray(issue.keys) && issue.keys.length > 0) {
    return issue.keys.map((k) => ({ path: formatPath([...issue.path, k]), message: 'unknown field (not in the schema)' }));
  }
  return [{ path: formatPath(issue.path), message: issue.message }];
}
