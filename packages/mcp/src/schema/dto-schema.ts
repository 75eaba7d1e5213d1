/**
 * class-validator DTO adapter. JSON Schema is read from class-validator's metadata storage (plus
 * `design:type` and class-transformer's `@Type()` for nested DTOs, and `@Description()`);
 * validation is `plainToInstance` + `validate` with unknown properties rejected.
 */
import { DESIGN_TYPE, FIELD_DESCRIPTION } from '../metadata-keys.js';
import { getMetadata } from '../metadata-reflect.js';
import { dtoLibraries, type ValidationErrorLike, type ValidationMetadataLike } from '../internal/optional-deps.js';
import { formatPath, type JsonSchemaObject, type SchemaValidation, type ToolSchema } from './tool-schema.js';
import type { UnknownArgumentsMode } from './unknown-arguments.js';

type Mutable = Record<string, unknown>;

const PRIMITIVES = new Set<unknown>([String, Number, Boolean, Object, Array, Date, Function, Promise, Symbol, BigInt]);

/**
 * True when `value` is a class that carries class-validator metadata (a DTO).
 * Primitive constructors (`String`, `Object`, …) are never DTOs.
 */
export function isDtoClass(value: unknown): value is Function {
  if (typeof value !== 'function' || PRIMITIVES.has(value)) return false;
  const { classValidator } = dtoLibraries();
  if (!classValidator) return false;
  return classValidator.getMetadataStorage().getTargetValidationMetadatas(value, '', true, false).length > 0;
}

/** Why DTO support is unavailable, or undefined when it is. */
export function dtoSupportProblem(): string | undefined {
  const { classValidator, classTransformer } = dtoLibraries();
  if (!classValidator || !classTransformer) {
    return "DTO classes need the class-validator and class-transformer packages; install them (npm i class-validator class-transformer). In a bundle, add `import '@alter/mcp/class-validator';` to your entry so the bundler includes them (docs/bundling.md).";
  }
  return undefined;
}

/** Wraps a class-validator DTO class. @throws Error naming the property that cannot be described. */
export function dtoSchema(dto: Function, unknownArguments: UnknownArgumentsMode = 'reject'): ToolSchema {
  const problem = dtoSupportProblem();
  if (problem) throw new Error(problem);
  const { classValidator, classTransformer } = dtoLibraries();
  const json = Object.freeze({ $schema: 'https://json-schema.org/draft/2020-12/schema', ...dtoObjectSchema(dto, []) }) as JsonSchemaObject;
  return {
    kind: 'dto',
    toJsonSchema: () => json,
    async validate(input: unknown): Promise<SchemaValidation> {
      if (input === null || typeof input !== 'object' || Array.isArray(input)) {
        return { ok: false, issues: [{ path: '', message: 'arguments must be an object' }] };
      }
      const instance = classTransformer!.plainToInstance(dto, input) as object;
      const errors = await classValidator!.validate(instance, {
        whitelist: true,
        forbidNonWhitelisted: unknownArguments === 'reject',
        forbidUnknownValues: true,
      });
      if (errors.length === 0) return { ok: true, value: instance };
      const issues: Array<{ path: string; message: string }> = [];
      collectIssues(errors, [], issues);
      return { ok: false, issues };
    },
  };
}

function collectIssues(
  errors: readonly ValidationErrorLike[],
  prefix: Array<string | number>,
  out: Array<{ path: string; message: string }>,
): void {
  for (const e of errors) {
    const key: string | number = /^\d+$/.test(e.property) ? Number(e.property) : e.property;
    const path = [...prefix, key];
    for (const [name, message] of Object.entries(e.constraints ?? {})) {
      out.push({
        path: formatPath(path),
        message: name === 'whitelistValidation' ? `unknown argument "${String(key)}" (not in the schema)` : message,
      });
    }
    if (e.children && e.children.length > 0) collectIssues(e.children, path, out);
  }
}

function dtoObjectSchema(dto: Function, stack: Function[]): Mutable {
  if (stack.includes(dto)) {
    throw new Error(
      `DTO ${[...stack, dto].map((c) => c.name).join(' > ')} is recursive; recursive DTOs cannot be described as a tool input. Use a zod schema with z.lazy or flatten the DTO.`,
    );
  }
  const metas = dtoLibraries().classValidator!.getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  const byProperty = new Map<string, ValidationMetadataLike[]>();
  for (const m of metas) {
    const list = byProperty.get(m.propertyName) ?? [];
    list.push(m);
    byProperty.set(m.propertyName, list);
  }
  const properties: Mutable = {};
  const required: string[] = [];
  for (const [prop, list] of byProperty) {
    properties[prop] = propertySchema(dto, prop, list, [...stack, dto]);
    if (!list.some((m) => m.name === 'isOptional')) required.push(prop);
  }
  const out: Mutable = { type: 'object', properties };
  if (required.length > 0) out.required = required;
  out.additionalProperties = false;
  return out;
}

function propertySchema(dto: Function, prop: string, metas: readonly ValidationMetadataLike[], stack: Function[]): Mutable {
  const designType = getMetadata(DESIGN_TYPE, dto.prototype as object, prop);
  const itemMetas = metas.filter((m) => m.each);
  const ownMetas = metas.filter((m) => !m.each);
  const isArray =
    designType === Array || metas.some((m) => m.name === 'isArray' || m.name?.startsWith('array') === true) || itemMetas.length > 0;
  const nestedClass = nestedType(dto, prop, designType);
  const isNested = metas.some((m) => m.type === 'nestedValidation');

  let schema: Mutable;
  if (isArray) {
    const items: Mutable = isNested && nestedClass ? dtoObjectSchema(nestedClass, stack) : {};
    applyConstraints(items, itemMetas);
    schema = { type: 'array', items };
    applyConstraints(
      schema,
      ownMetas.filter((m) => m.name !== 'isArray'),
    );
  } else if (isNested && nestedClass) {
    schema = dtoObjectSchema(nestedClass, stack);
  } else {
    schema = {};
    if (designType === String) schema.type = 'string';
    else if (designType === Number) schema.type = 'number';
    else if (designType === Boolean) schema.type = 'boolean';
    else if (designType === Date) Object.assign(schema, { type: 'string', format: 'date-time' });
    applyConstraints(schema, ownMetas);
  }
  const description = getMetadata(FIELD_DESCRIPTION, dto.prototype as object, prop) ?? contextDescription(metas);
  if (description !== undefined) schema.description = description;
  return schema;
}

function nestedType(dto: Function, prop: string, designType: unknown): Function | undefined {
  const typeMeta = dtoLibraries().classTransformerStorage?.findTypeMetadata(dto, prop);
  const fromType = typeMeta?.typeFunction?.();
  if (typeof fromType === 'function') return fromType;
  if (typeof designType === 'function' && !PRIMITIVES.has(designType)) return designType as Function;
  return undefined;
}

function contextDescription(metas: readonly ValidationMetadataLike[]): string | undefined {
  for (const m of metas) {
    const d = (m.context as { description?: unknown } | undefined)?.description;
    if (typeof d === 'string') return d;
  }
  return undefined;
}

const FORMATS: Record<string, string> = {
  isEmail: 'email',
  isUrl: 'uri',
  isUuid: 'uuid',
  isUUID: 'uuid',
  isDateString: 'date-time',
  isIso8601: 'date-time',
  isISO8601: 'date-time',
  isRFC3339: 'date-time',
  isIp: 'ipv4',
  isFqdn: 'hostname',
  isMilitaryTime: 'time',
};

function applyConstraints(schema: Mutable, metas: readonly ValidationMetadataLike[]): void {
  for (const m of metas) {
    const c = m.constraints ?? [];
    switch (m.name) {
      case 'isString':
        schema.type = 'string';
        break;
      case 'isNumber':
        schema.type = 'number';
        break;
      case 'isInt':
        schema.type = 'integer';
        break;
      case 'isBoolean':
        schema.type = 'boolean';
        break;
      case 'isObject':
        schema.type = 'object';
        break;
      case 'isArray':
        schema.type = 'array';
        break;
      case 'isDate':
        Object.assign(schema, { type: 'string', format: 'date-time' });
        break;
      case 'min':
        schema.minimum = c[0];
        break;
      case 'max':
        schema.maximum = c[0];
        break;
      case 'isPositive':
        schema.exclusiveMinimum = 0;
        break;
      case 'isNegative':
        schema.exclusiveMaximum = 0;
        break;
      case 'minLength':
        schema.minLength = c[0];
        break;
      case 'maxLength':
        schema.maxLength = c[0];
        break;
      case 'isLength':
        schema.minLength = c[0];
        if (typeof c[1] === 'number') schema.maxLength = c[1];
        break;
      case 'isNotEmpty':
        if (schema.type === 'string' && schema.minLength === undefined) schema.minLength = 1;
        break;
      case 'arrayMinSize':
        schema.minItems = c[0];
        break;
      case 'arrayMaxSize':
        schema.maxItems = c[0];
        break;
      case 'arrayNotEmpty':
        schema.minItems = 1;
        break;
      case 'arrayUnique':
        schema.uniqueItems = true;
        break;
      case 'matches':
        if (c[0] instanceof RegExp) schema.pattern = c[0].source;
        else if (typeof c[0] === 'string') schema.pattern = c[0];
        break;
      case 'isIn':
        if (Array.isArray(c[0])) schema.enum = [...(c[0] as unknown[])];
        break;
      case 'isEnum':
        schema.enum = enumValues(c[0]);
        break;
      default: {
        const format = m.name ? FORMATS[m.name] : undefined;
        if (format) {
          schema.format = format;
          if (schema.type === undefined) schema.type = 'string';
        }
      }
    }
  }
}

/** Values of a TypeScript enum object (numeric enums carry reverse mappings, which are skipped). */
function enumValues(e: unknown): unknown[] {
  if (e === null || typeof e !== 'object') return [];
  const obj = e as Record<string, unknown>;
  return Object.keys(obj)
    .filter((k) => !(/^-?\d+$/.test(k) && typeof obj[String(obj[k])] === 'number'))
    .map((k) => obj[k]);
}
