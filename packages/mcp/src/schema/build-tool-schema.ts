/** Picks the adapter for a schema value: zod 4, zod 3 or a class-validator DTO class. */
import { dtoSchema, dtoSupportProblem, isDtoClass } from './dto-schema.js';
import { formatPath, type JsonSchemaObject, type ToolSchema } from './tool-schema.js';
import { isZod3Schema, zod3Schema, zod3TypeName } from './zod3-schema.js';
import { isZod4Schema, zod4Schema, zod4TypeName } from './zod4-schema.js';

const EMPTY_INPUT: JsonSchemaObject = Object.freeze({ type: 'object', properties: Object.freeze({}), additionalProperties: false });

/** The schema of a tool that takes no input: `{}` only (unknown fields are rejected). */
export function emptyInputSchema(): ToolSchema {
  return {
    kind: 'empty',
    toJsonSchema: () => EMPTY_INPUT,
    async validate(input) {
      if (input === undefined || input === null) return { ok: true, value: {} };
      if (typeof input !== 'object' || Array.isArray(input)) return { ok: false, issues: [{ path: '', message: 'arguments must be an object' }] };
      const keys = Object.keys(input);
      if (keys.length === 0) return { ok: true, value: {} };
      return { ok: false, issues: keys.map((k) => ({ path: formatPath([k]), message: 'unknown field (this tool takes no arguments)' })) };
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
 * (MCP requires `inputSchema.type === 'object'`).
 * @throws Error saying what is wrong with the value.
 */
export function buildToolSchema(value: unknown, io: 'input' | 'output'): ToolSchema {
  if (isZod4Schema(value)) {
    const type = zod4TypeName(value);
    if (type !== 'object') throw new Error(`a zod ${type} schema was given, but tool ${io}s must be z.object(...)`);
    return zod4Schema(value, io);
  }
  if (isZod3Schema(value)) {
    const type = zod3TypeName(value);
    if (type !== 'ZodObject') throw new Error(`a zod 3 ${type} was given, but tool ${io}s must be z.object(...)`);
    return zod3Schema(value, io);
  }
  if (typeof value === 'function') {
    const problem = dtoSupportProblem();
    if (problem) throw new Error(problem);
    if (!isDtoClass(value)) {
      throw new Error(`class ${(value as Function).name || '(anonymous)'} has no class-validator decorators, so it is not a DTO (decorate its properties with @IsString(), @IsInt(), … or pass a zod object)`);
    }
    if (io === 'output') throw new Error('output schemas must be zod objects (DTO classes are supported for input only)');
    return dtoSchema(value);
  }
  throw new Error(`expected a zod object or a class-validator DTO class, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'a plain object (did you pass a zod shape { a: z.string() }? wrap it in z.object(...))';
  return typeof value;
}
