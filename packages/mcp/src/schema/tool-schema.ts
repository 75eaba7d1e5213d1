/**
 * The one schema seam (MCP-Nest's idea): every supported way to describe a tool's input or output
 * (zod 4, zod 3, class-validator DTO classes) becomes a {@link ToolSchema}. The registry calls
 * `toJsonSchema()` once at startup and `validate()` on every call.
 */
import type { SchemaIssue } from '../errors.js';

/** A JSON Schema object (2020-12 unless its `$schema` says otherwise). */
export type JsonSchemaObject = { readonly [key: string]: unknown };

/** Result of {@link ToolSchema.validate}: the parsed value (defaults applied) or every issue. */
export type SchemaValidation<T = unknown> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly SchemaIssue[] };

/** A schema adapter. */
export interface ToolSchema {
  /** Which adapter built it: 'zod4', 'zod3', 'dto' or 'empty'. */
  readonly kind: 'zod4' | 'zod3' | 'dto' | 'empty';
  /** The JSON Schema (computed once; callers must not mutate it). */
  toJsonSchema(): JsonSchemaObject;
  /**
   * Validates (and for zod/DTOs, transforms) an input value. Never throws for bad input.
   * Synchronous when the schema allows (zod without async refinements): the call path then
   * awaits nothing for it.
   */
  validate(input: unknown): SchemaValidation | Promise<SchemaValidation>;
}

/** Formats a path array (`['a', 0, 'b']`) as `a[0].b`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][\w$-]*$/.test(part)) out += out === '' ? part : `.${part}`;
    // Keys that are empty or hold separators are quoted, so the path always names the field.
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}
