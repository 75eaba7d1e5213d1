/**
 * zod 4 adapter: JSON Schema from zod's own `toJSONSchema` (2020-12), validation by `safeParse`
 * (`safeParseAsync` for schemas with async refinements or transforms).
 */
import { toJSONSchema } from 'zod/v4/core';
import type { $ZodType } from 'zod/v4/core';
import type { SchemaIssue } from '../errors.js';
import { formatPath, type JsonSchemaObject, type SchemaValidation, type ToolSchema } from './tool-schema.js';
import { closeObjectSchemas, type UnknownArgumentsMode, unknownArgumentIssues } from './unknown-arguments.js';

/** What zod 3 and zod 4 answer to a parse. */
type ZodParseResult =
  | { success: true; data: unknown }
  | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string; code?: string; keys?: string[] }> } };

interface Zod4Like {
  readonly _zod: { readonly def: { readonly type: string } };
  safeParse(input: unknown): ZodParseResult;
  safeParseAsync(input: unknown): Promise<ZodParseResult>;
}

/** The parse methods validation uses (zod 3 and zod 4 schemas alike). */
export type ZodParsers = Pick<Zod4Like, 'safeParse' | 'safeParseAsync'>;

/**
 * Whether a schema can be parsed synchronously. Starts true; the first parse that throws (zod
 * throws when it meets an async refinement or transform in a synchronous parse) turns it false for
 * good, and that parse and every later one run with `safeParseAsync`. A synchronous parse costs no
 * promise per call; only the first call of an async schema runs its synchronous checks twice.
 */
export interface ParseMode {
  sync: boolean;
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
  const mode: ParseMode = { sync: true };
  return {
    kind: 'zod4',
    toJsonSchema: () => json,
    validate: (input) => validateZod(zod, json, strict, input, mode),
  };
}

/**
 * Parses with zod (never a modified copy of the user's schema) and, when `strict`, adds an issue
 * for every argument name the published JSON Schema does not allow (zod would strip them).
 * Synchronous while `mode.sync` holds (see {@link ParseMode}).
 */
export function validateZod(
  zod: ZodParsers,
  json: JsonSchemaObject,
  strict: boolean,
  input: unknown,
  mode: ParseMode,
): SchemaValidation | Promise<SchemaValidation> {
  const unknown = strict ? unknownArgumentIssues(json, input) : [];
  if (mode.sync) {
    let r: ZodParseResult;
    try {
      r = zod.safeParse(input);
    } catch {
      mode.sync = false;
      return zod.safeParseAsync(input).then((a) => validationOf(a, unknown));
    }
    return validationOf(r, unknown);
  }
  return zod.safeParseAsync(input).then((a) => validationOf(a, unknown));
}

function validationOf(r: ZodParseResult, unknown: readonly SchemaIssue[]): SchemaValidation {
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
