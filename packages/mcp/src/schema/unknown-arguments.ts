/**
 * One rule for argument names a tool does not declare: they are rejected, naming each one, for
 * every schema kind (zod 4, zod 3, DTO classes, no-input tools). zod objects strip unknown keys
 * by default, so `{ "max_results": 1 }` sent to a tool declaring `maxResults` used to run with
 * the default instead of failing. The check works on the JSON Schema the tool publishes (so what
 * `tools/list` says and what a call accepts are the same rule) and never touches the user's zod
 * schema. `@AlterTool({ unknownArguments: 'strip' })` opts a tool out.
 */
import type { SchemaIssue } from '../errors.js';
import { formatPath, type JsonSchemaObject } from './tool-schema.js';

/** What a tool does with argument names its input schema does not declare. */
export type UnknownArgumentsMode = 'reject' | 'strip';

type Json = { readonly [key: string]: unknown };

const COMBINATORS = ['anyOf', 'oneOf'] as const;

/**
 * A copy of `schema` in which every object schema that lists `properties` and says nothing about
 * other keys gets `additionalProperties: false` (zod 4 leaves it out for input schemas). Parts of
 * an `allOf` are left open: closing each part of an intersection would reject every key.
 */
export function closeObjectSchemas(schema: JsonSchemaObject): JsonSchemaObject {
  return deepFreeze(close(schema, false) as Json);
}

function close(node: unknown, inAllOf: boolean): unknown {
  if (Array.isArray(node)) return node.map((n) => close(n, inAllOf));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'allOf') out[key] = Array.isArray(value) ? value.map((v) => close(v, true)) : value;
    else if (key === 'properties' && value !== null && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, close(v, false)]));
    } else if (key === 'const' || key === 'default' || key === 'enum' || key === 'examples') out[key] = value;
    else out[key] = close(value, false);
  }
  if (
    !inAllOf &&
    isObjectSchema(out) &&
    out.properties !== undefined &&
    !('additionalProperties' in out) &&
    !('unevaluatedProperties' in out)
  ) {
    out.additionalProperties = false;
  }
  return out;
}

/**
 * Every key of `value` that `schema` (as published) does not allow, as issues naming the key's
 * path and the keys that are allowed there. Follows `properties`, `items`, `prefixItems`,
 * `additionalProperties` schemas, local `$ref`s, and `anyOf`/`oneOf` (one object branch: followed;
 * several closed ones: a key none of them declares is unknown).
 */
export function unknownArgumentIssues(schema: JsonSchemaObject, value: unknown): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  walk(schema, schema, value, [], issues, 0);
  return issues;
}

function walk(root: Json, node: unknown, value: unknown, path: PropertyKey[], issues: SchemaIssue[], depth: number): void {
  // Bounded: recursive $refs follow the value, which is finite, but a self-referencing $ref chain is not.
  if (depth > 64 || node === null || typeof node !== 'object' || value === null || typeof value !== 'object') return;
  const schema = resolve(root, node as Json);
  if (schema === undefined) return;
  if (Array.isArray(value)) {
    const prefix = Array.isArray(schema.prefixItems) ? (schema.prefixItems as unknown[]) : [];
    value.forEach((item, i) => {
      const itemSchema = i < prefix.length ? prefix[i] : Array.isArray(schema.items) ? schema.items[i] : schema.items;
      walk(root, itemSchema, item, [...path, i], issues, depth + 1);
    });
    return;
  }
  for (const key of COMBINATORS) {
    // Checked on every tool call: a schema without combinators allocates nothing here.
    if (!Array.isArray(schema[key])) continue;
    const branches = (schema[key] as unknown[]).map((b) => (b !== null && typeof b === 'object' ? resolve(root, b as Json) : undefined));
    const objects = branches.filter((b): b is Json => b !== undefined && isObjectSchema(b));
    if (objects.length === 1) walk(root, objects[0], value, path, issues, depth + 1);
    else if (objects.length > 1 && objects.every((b) => b.additionalProperties === false)) {
      // The value may match any branch: only a key no closed branch declares is surely unknown
      // (zod would strip it whichever branch matches); nested keys are left to the matching branch.
      const known = [...new Set(objects.flatMap((b) => Object.keys((b.properties as Json | undefined) ?? {})))];
      for (const k of Object.keys(value)) {
        if (!known.includes(k))
          issues.push({ path: formatPath([...path, k]), message: `unknown argument "${k}" (expected one of: ${known.join(', ')})` });
      }
    }
  }
  const properties = schema.properties !== null && typeof schema.properties === 'object' ? (schema.properties as Json) : undefined;
  if (properties === undefined && schema.additionalProperties === undefined) return;
  const record = value as Json;
  for (const key of Object.keys(record)) {
    const child = record[key];
    if (properties && Object.hasOwn(properties, key)) {
      // Only an object or an array can hold an unknown key: a leaf needs no path (no array per argument).
      if (child !== null && typeof child === 'object') walk(root, properties[key], child, [...path, key], issues, depth + 1);
    } else if (schema.additionalProperties === false) {
      const known = Object.keys(properties ?? {});
      const expected = known.length > 0 ? `expected one of: ${known.join(', ')}` : 'no arguments are expected here';
      issues.push({ path: formatPath([...path, key]), message: `unknown argument "${key}" (${expected})` });
    } else if (schema.additionalProperties !== undefined && child !== null && typeof child === 'object')
      walk(root, schema.additionalProperties, child, [...path, key], issues, depth + 1);
  }
}

/** Follows a local `$ref` (`#/$defs/Node`, `#`); other references are not checked. */
function resolve(root: Json, node: Json): Json | undefined {
  let current: Json = node;
  for (let hops = 0; typeof current.$ref === 'string'; hops++) {
    if (hops > 16 || !current.$ref.startsWith('#')) return undefined;
    let target: unknown = root;
    for (const part of current.$ref.slice(1).split('/').filter(Boolean)) {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      target = target !== null && typeof target === 'object' ? (target as Json)[decodeURIComponent(key)] : undefined;
    }
    if (target === null || typeof target !== 'object') return undefined;
    current = target as Json;
  }
  return current;
}

function isObjectSchema(schema: Json): boolean {
  return schema.type === 'object' || (schema.type === undefined && schema.properties !== undefined);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
