/**
 * Turns one module (a tool class or an instance) into compiled tools: walks the prototype chain
 * once (cached per prototype), reads the decorator metadata, builds the JSON Schemas, and
 * reports every problem with the class, the member and likely fixes.
 */
import { DESIGN_PARAMTYPES, TOOL_MEMBERS, TOOL_METADATA } from '../metadata-keys.js';
import { getMetadata, getOwnMetadata, isStandardDecorated } from '../metadata-reflect.js';
import { buildToolSchema, emptyInputSchema } from '../schema/build-tool-schema.js';
import { dtoSchema, isDtoClass } from '../schema/dto-schema.js';
import type { ToolSchema } from '../schema/tool-schema.js';
import { TOOL_NAME_PATTERN, type ToolMetadata } from '../tool-metadata.js';
import type { ToolDefinition } from './call-env.js';

export interface Problem {
  readonly member: string;
  readonly problem: string;
  readonly fixes: readonly string[];
}

export interface CompiledTool {
  readonly name: string;
  /**
   * The name the tool was declared with, before any registration prefix (`search_emails` for
   * `g_search_emails`): what a vault policy's `match.tool` may name to cover every registration.
   */
  readonly declaredName: string;
  readonly metadata: ToolMetadata;
  readonly member: string;
  readonly propertyKey: string;
  readonly instance: object;
  /** The method as declared (never our nested-call wrapper). */
  readonly method: (...args: unknown[]) => unknown;
  readonly input: ToolSchema;
  readonly output: ToolSchema | undefined;
  readonly definition: ToolDefinition;
}

const membersCache = new WeakMap<object, ReadonlyArray<{ key: string; metadata: ToolMetadata }>>();

/** Decorated members of a prototype and its ancestors (most-derived metadata wins). */
export function toolMembers(proto: object): ReadonlyArray<{ key: string; metadata: ToolMetadata }> {
  const cached = membersCache.get(proto);
  if (cached) return cached;
  const keys: string[] = [];
  for (let p: object | null = proto; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    for (const k of getOwnMetadata(TOOL_MEMBERS, p) ?? []) if (!keys.includes(k)) keys.push(k);
  }
  const out = Object.freeze(
    keys.map((key) => ({ key, metadata: getMetadata(TOOL_METADATA, proto, key)! })).filter((m) => m.metadata !== undefined),
  );
  membersCache.set(proto, out);
  return out;
}

export interface ScanOptions {
  readonly toolNamePrefix: string;
  readonly providerIds: readonly string[];
  /**
   * The vault's `normalizeProviderScopes` for a provider id: spells a tool's scopes the way the
   * provider wants them (Google short names → URLs) and throws for scopes it does not know.
   */
  readonly normalizeScopes?: (provider: string, scopes: readonly string[], where: string) => readonly string[];
  /** The vault's startup check of declared endpoints (syntax, hosts in the provider's allowlist). */
  readonly checkEndpoints?: (provider: string, endpoints: readonly string[], where: string) => void;
}

/** Compiles the tools of one instance. Never throws for tool problems: they are returned. */
export function compileModule(instance: object, className: string, options: ScanOptions): { tools: CompiledTool[]; problems: Problem[] } {
  const proto = Object.getPrototypeOf(instance) as object;
  const tools: CompiledTool[] = [];
  const problems: Problem[] = [];
  const members = toolMembers(proto);
  if (members.length === 0) {
    problems.push({
      member: className,
      problem: 'has no @AlterTool methods.',
      fixes: [
        'Decorate at least one method with @AlterTool(...).',
        'Remove the class from the module list.',
        'Check that reflect-metadata and @alter/mcp are not loaded twice in different versions.',
      ],
    });
    return { tools, problems };
  }
  for (const { key, metadata: declared } of members) {
    const member = `${className}.${key}`;
    let metadata = declared;
    const method = (proto as Record<string, unknown>)[key];
    if (typeof method !== 'function') {
      problems.push({
        member,
        problem: 'is no longer a method on the instance.',
        fixes: ['Do not replace decorated methods with fields or getters.'],
      });
      continue;
    }
    const name = options.toolNamePrefix + metadata.name;
    if (!TOOL_NAME_PATTERN.test(name)) {
      problems.push({
        member,
        problem: `tool name ${JSON.stringify(name)} is not allowed by MCP (1–128 of a-z A-Z 0-9 _ . -).`,
        fixes: ['Pass a valid name: @AlterTool(..., { name: "my_tool" }).', 'Shorten toolNamePrefix or remove characters it adds.'],
      });
      continue;
    }
    if (typeof metadata.description !== 'string' || metadata.description.trim() === '') {
      problems.push({ member, problem: 'has no description.', fixes: ['Add description: "…" to the @AlterTool options.'] });
      continue;
    }
    if (metadata.provider !== null && !options.providerIds.includes(metadata.provider)) {
      problems.push({
        member,
        problem: `uses provider "${metadata.provider}", which the vault does not know (known: ${options.providerIds.join(', ') || 'none'}).`,
        fixes: [
          `Add providers.${metadata.provider}({...}) to the AlterVault providers.`,
          'Fix the provider id in @AlterTool (it must equal the provider config id).',
        ],
      });
      continue;
    }
    if (metadata.provider !== null && metadata.scopes.length > 0 && options.normalizeScopes) {
      try {
        const scopes = options.normalizeScopes(metadata.provider, metadata.scopes, `${member} @AlterTool scopes`);
        // The decorator's record stays as declared; the compiled tool carries the provider's spelling.
        if (scopes.join(' ') !== metadata.scopes.join(' ')) metadata = Object.freeze({ ...metadata, scopes: Object.freeze([...scopes]) });
      } catch (err) {
        problems.push({
          member,
          problem: `has a scope the "${metadata.provider}" provider does not know: ${messageOf(err)}`,
          fixes: [
            'Fix the spelling in @AlterTool(..., { scopes: [...] }).',
            "Use the provider's documented scope names (Google: a short name such as 'gmail.readonly' or its full URL).",
          ],
        });
        continue;
      }
    }
    if (metadata.provider !== null && metadata.endpoints !== undefined && options.checkEndpoints) {
      try {
        options.checkEndpoints(metadata.provider, metadata.endpoints, `${member} @AlterTool endpoints`);
      } catch (err) {
        problems.push({
          member,
          problem: `declares an endpoint the vault cannot enforce: ${messageOf(err)}`,
          fixes: ['Write endpoints as "METHOD /path/{param}" (any of the provider\'s hosts) or "METHOD https://<allowed host>/path".'],
        });
        continue;
      }
    }
    const input = inputSchema(proto, key, method as Function, metadata, member, problems);
    let output: ToolSchema | undefined;
    if (metadata.output !== undefined) {
      try {
        output = buildToolSchema(metadata.output, 'output');
      } catch (err) {
        problems.push({
          member,
          problem: `its output schema cannot be built: ${messageOf(err)}`,
          fixes: ['Pass output: z.object({...}) (zod 4 or zod 3).'],
        });
        continue;
      }
    }
    if (!input) continue;
    const definition: ToolDefinition = Object.freeze({
      name,
      ...(metadata.title !== undefined ? { title: metadata.title } : {}),
      description: metadata.description,
      inputSchema: input.toJsonSchema(),
      ...(output ? { outputSchema: output.toJsonSchema() } : {}),
      ...(metadata.annotations ? { annotations: metadata.annotations } : {}),
      ...(metadata.meta ? { _meta: metadata.meta } : {}),
    });
    tools.push(
      Object.freeze({
        name,
        declaredName: name,
        metadata,
        member,
        propertyKey: key,
        instance,
        method: method as (...args: unknown[]) => unknown,
        input,
        output,
        definition,
      }),
    );
  }
  return { tools, problems };
}

function inputSchema(
  proto: object,
  key: string,
  method: Function,
  metadata: ToolMetadata,
  member: string,
  problems: Problem[],
): ToolSchema | undefined {
  if (metadata.input !== undefined) {
    try {
      return buildToolSchema(metadata.input, 'input', { unknownArguments: metadata.unknownArguments });
    } catch (err) {
      problems.push({
        member,
        problem: `its input schema cannot be built: ${messageOf(err)}`,
        fixes: ['Pass input: z.object({...}) (zod 4 or zod 3) or a class-validator DTO class.'],
      });
      return undefined;
    }
  }
  const paramtypes = getMetadata(DESIGN_PARAMTYPES, proto, key);
  if (paramtypes === undefined) {
    if (method.length <= 1) return emptyInputSchema(metadata.unknownArguments);
    if (isStandardDecorated(TOOL_METADATA, proto, key)) {
      problems.push({
        member,
        problem:
          'its input schema cannot be found: there is no `input` option, and standard (TC39) decorators — the TypeScript 5+ default, esbuild, tsx — carry no parameter types at run time.',
        fixes: [
          'Pass the schema explicitly: @AlterTool(..., { input: z.object({...}) }) (the method parameter is then type-checked against it).',
          'Or compile with "experimentalDecorators": true and "emitDecoratorMetadata": true to take the type from a class-validator DTO parameter.',
        ],
      });
      return undefined;
    }
    problems.push({
      member,
      problem:
        'its input schema cannot be found: there is no `input` option and no decorator metadata (design:paramtypes). The code was compiled without emitDecoratorMetadata (esbuild, tsx, Vite, swc without decoratorMetadata emit none).',
      fixes: [
        'Pass the schema explicitly: @AlterTool(..., { input: z.object({...}) }) or { input: MyDto }.',
        'Or compile with "emitDecoratorMetadata": true (tsc) / jsc.transform.decoratorMetadata (swc).',
      ],
    });
    return undefined;
  }
  if (paramtypes.length < 2) return emptyInputSchema(metadata.unknownArguments);
  const second = paramtypes[1];
  if (isDtoClass(second)) {
    try {
      return dtoSchema(second, metadata.unknownArguments);
    } catch (err) {
      problems.push({
        member,
        problem: `its input DTO ${second.name} cannot be described: ${messageOf(err)}`,
        fixes: ['Pass input: z.object({...}) instead.'],
      });
      return undefined;
    }
  }
  const typeName = typeof second === 'function' ? second.name || 'an anonymous class' : String(second);
  problems.push({
    member,
    problem: `its input schema cannot be found: there is no \`input\` option and the second parameter's type (${typeName}) is not a class-validator DTO class. Interfaces and type literals compile to Object, which carries no schema.`,
    fixes: [
      'Pass the schema explicitly: @AlterTool(..., { input: z.object({...}) }).',
      'Or type the parameter as a DTO class whose properties carry class-validator decorators.',
    ],
  });
  return undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
