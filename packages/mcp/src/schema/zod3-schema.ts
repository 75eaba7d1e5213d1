/**
 * zod 3 adapter (`zod@3` or `zod/v3`): JSON Schema from `zod-to-json-schema` (which returns an
 * EMPTY schema for zod 4 objects — zod 4 never comes here), validation by `safeParse`
 * (`safeParseAsync` for schemas with async refinements; see zod4-schema.ts `ParseMode`).
 */
import { zodToJsonSchema } from 'zod-to-json-schema';
import type { JsonSchemaObject, ToolSchema } from './tool-schema.js';
import { closeObjectSchemas, type UnknownArgumentsMode } from './unknown-arguments.js';
import { type ParseMode, validateZod, type ZodParsers } from './zod4-schema.js';

interface Zod3Like extends ZodParsers {
  readonly _def: { readonly typeName: string };
}

/** True for a zod 3 schema (has `_def.typeName`, no zod 4 `_zod`). */
export function isZod3Schema(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || '_zod' in value) return false;
  const def = (value as { _def?: { typeName?: unknown } })._def;
  return (
    typeof def === 'object' &&
    def !== null &&
    typeof def.typeName === 'string' &&
    typeof (value as { safeParseAsync?: unknown }).safeParseAsync === 'function'
  );
}

/** The zod type name (`ZodObject`, …) of a zod 3 schema. */
export function zod3TypeName(value: unknown): string {
  return (value as Zod3Like)._def.typeName;
}

/** Wraps a zod 3 schema. */
export function zod3Schema(schema: unknown, io: 'input' | 'output', unknownArguments: UnknownArgumentsMode = 'reject'): ToolSchema {
  const zod = schema as Zod3Like;
  // `$refStrategy: 'none'` inlines repeated sub-schemas so the result has no draft-07 `definitions`.
  const raw = zodToJsonSchema(schema as Parameters<typeof zodToJsonSchema>[0], {
    target: 'jsonSchema7',
    $refStrategy: 'none',
    pipeStrategy: io,
  }) as Record<string, unknown>;
  // zod-to-json-schema already says `additionalProperties: false` for stripping objects (which
  // zod 3 then strips silently); the published schema and the check below make that true.
  const strict = io === 'input' && unknownArguments === 'reject';
  const json = strict ? closeObjectSchemas(raw as JsonSchemaObject) : Object.freeze(raw as JsonSchemaObject);
  const mode: ParseMode = { sync: true };
  return {
    kind: 'zod3',
    toJsonSchema: () => json,
    validate: (input) => validateZod(zod, json, strict, input, mode),
  };
}
