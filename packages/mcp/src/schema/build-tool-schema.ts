/** Picks the adapter for a schema value: zod 4, zod 3 or a class-validator DTO class. */
import { dtoSchema, dtoSupportProblem, isDtoClass } from './dto-schema.js';
import { formatPath, type JsonSchemaObject, type ToolSchema } from './tool-schema.js';
import { isZod3Schema, zod3Schema, zod3TypeName } from './zod3-schema.js';
import type { UnknownArgumentsMode } from './unknown-arguments.js';
import { isZod4Schema, zod4Schema, zod4TypeName } from './zod4-schema.js';

const EMPTY_INPUT: JsonSchemaObject = Object.freeze({ type: 'object', properties: Object.freeze({}), additionalProperties: false });

const OPEN_EMPTY_INPUT: JsonSchemaObject = Object.freeze({ type: 'object', properties: Object.freeze({}) });

/**
 * The schema of a tool that takes no input: `{}` only (unknown arguments are rejected by name),
 * or with `unknownArguments: 'strip'` any object, its keys ignored.
 */
export function emptyInputSchema(unknownArguments: UnknownArgumentsMode = 'reject'): ToolSchema {
  return {
    kind: 'empty',
    toJsonSchema: () => (unknownArguments === 'reject' ? EMPTY_INPUT : OPEN_EMPTY_INPUT),
    validate(input) {
      if (input === undefined || input === null) return { ok: true, value: {} };
      if (typeof input !== 'object' || Array.isArray(input))
        return { ok: false, issues: [{ path: '', message: 'arguments must be an object' }] };
      const keys = Object.keys(input);
      if (keys.length === 0 || unknownArguments === 'strip') return { ok: true, value: {} };
      return {
        ok: false,
        issues: keys.map((k) => ({ path: formatPath([k]), message: `unknown argument "${k}" (this tool takes no arguments)` })),
      };
    },
  };
}

/** What kind of schema value this is, or undefined when it is none we support. */
export function schemaKind(value: unknown): 'zod4' | 'zod3' | 'dto' | undefined {
  if (isZod4Schema(value)) return 'zod4';
  if (isZod3Schema(value)) return 'zod3';
  if (isDtoClass(value)) return 'dto';
  return undefined;
}

/**
 * Builds the {@link ToolSchema} of a tool's `input` or `output`. Tool inputs must be objects
 * (MCP requires `inputSchema.type === 'object'`); argument names the input does not declare are
 * rejected by name unless `options.unknownArguments` is `'strip'`.
 * @throws Error saying what is wrong with the value.
 */
export function buildToolSchema(
  value: unknown,
  io: 'input' | 'output',
  options: { readonly unknownArguments?: UnknownArgumentsMode } = {},
): ToolSchema {
  const mode = options.unknownArguments ?? 'reject';
  if (isZod4Schema(value)) {
    const type = zod4TypeName(value);
    if (type !== 'object') throw new Error(`a zod ${type} schema was given, but tool ${io}s must be z.object(...)`);
    return zod4Schema(value, io, mode);
  }
  if (isZod3Schema(value)) {
    const type = zod3TypeName(value);
    if (type !== 'ZodObject') throw new Error(`a zod 3 ${type} was given, but tool ${io}s must be z.object(...)`);
    return zod3Schema(value, io, mode);
  }
  if (typeof value === 'function') {
    const problem = dtoSupportProblem();
    if (problem) throw new Error(problem);
    if (!isDtoClass(value)) {
      throw new Error(
        `class ${(value as Function).name || '(anonymous)'} has no class-validator decorators, so it is not a DTO (decorate its properties with @IsString(), @IsInt(), … or pass a zod object)`,
      );
    }
    if (io === 'output') throw new Error('output schemas must be zod objects (DTO classes are supported for input only)');
    return dtoSchema(value, mode);
  }
  throw new Error(`expected a zod object or a class-validator DTO class, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'a plain object (did you pass a zod shape { a: z.string() }? wrap it in z.object(...))';
  return typeof value;
}
