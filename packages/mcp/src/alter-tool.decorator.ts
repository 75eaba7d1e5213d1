/**
 * `@AlterTool(provider, options)` / `@AlterTool(options)`: marks a method as an MCP tool. The
 * decorator only validates its options and records frozen metadata; the registry
 * ({@link AlterMCP.register}) does the rest at startup.
 */
import type { AlterContext } from './alter-context.js';
import { DecoratorSiteError, isStandardContext, methodSite } from './decorator-site.js';
import { ToolDefinitionError } from './errors.js';
import { TOOL_MEMBERS, TOOL_METADATA } from './metadata-keys.js';
import { defineMetadata, getOwnMetadataAt } from './metadata-reflect.js';
import { isZod3Schema } from './schema/zod3-schema.js';
import { isZod4Schema } from './schema/zod4-schema.js';
import {
  type AlterToolOptions,
  TOOL_NAME_PATTERN,
  type ToolInputOf,
  type ToolInputSchema,
  type ToolMetadata,
  toSnakeCase,
} from './tool-metadata.js';

/**
 * A method `@AlterTool` accepts: its first parameter takes the {@link AlterContext}, its second
 * (if any) takes `Input` — the output type of the `input` schema — or anything when the schema's
 * type is unknown (`never`: no `input` option, the DTO then comes from `design:paramtypes`).
 */
export type ToolMethod<Input = never> = (ctx: AlterContext, input: Input, ...rest: never[]) => unknown;

/**
 * The decorator `@AlterTool` returns. It works with both decorator standards: legacy
 * (`experimentalDecorators`, called with the prototype, the name and the descriptor) and TC39
 * standard decorators (TypeScript 5+ default, esbuild, tsx; called with the method and a context).
 * Either way it accepts only public instance methods whose parameters fit {@link ToolMethod}.
 */
export interface AlterToolDecorator<Input = never> {
  /** Legacy decorators (`"experimentalDecorators": true`). */
  <T extends ToolMethod<Input>>(target: object, propertyKey: string | symbol, descriptor: TypedPropertyDescriptor<T>): void;
  /** TC39 standard decorators: a static or `#private` method does not compile. */
  <This, T extends ToolMethod<Input>>(
    method: T,
    // biome-ignore lint/suspicious/noExplicitAny: lib.decorators' own constraint for a method's type.
    context: ClassMethodDecoratorContext<This, (this: This, ...args: any) => any> & { readonly static: false; readonly private: false },
  ): void;
}

/**
 * Declares a tool that calls `provider`'s API as the end user.
 *
 * With a zod `input` schema, the method's second parameter is checked against the schema's output
 * type (a mismatch does not compile). Standard (TC39) decorators carry no parameter types at run
 * time, so give `input` explicitly there; legacy decorators with `emitDecoratorMetadata` may
 * instead type the parameter as a class-validator DTO class.
 *
 * @throws ToolDefinitionError (when the class is defined) for bad options, a static, private or
 *   non-method member, a second `@AlterTool` on the same member, or a compiler that passes
 *   standard decorators no `context.metadata`.
 * @example
 * class CalendarTools {
 *   @AlterTool('google', {
 *     description: 'List upcoming calendar events.',
 *     input: z.object({ maxResults: z.number().int().min(1).max(250).default(10) }),
 *     scopes: ['https://www.googleapis.com/auth/calendar.readonly'],
 *   })
 *   async listEvents(ctx: AlterContext, { maxResults }: { maxResults: number }) {
 *     const res = await ctx.request('GET', 'https://www.googleapis.com/calendar/v3/calendars/primary/events', { queryParams: { maxResults: String(maxResults) } });
 *     return res.json<{ items?: unknown[] }>().items ?? [];
 *   }
 * }
 */
export function AlterTool<S extends ToolInputSchema | undefined = undefined>(
  provider: string,
  options: AlterToolOptions<S>,
): AlterToolDecorator<ToolInputOf<S>>;
/** Declares a tool that needs no provider credentials. */
export function AlterTool<S extends ToolInputSchema | undefined = undefined>(
  options: AlterToolOptions<S>,
): AlterToolDecorator<ToolInputOf<S>>;
export function AlterTool(
  providerOrOptions: string | AlterToolOptions<ToolInputSchema | undefined>,
  maybeOptions?: AlterToolOptions<ToolInputSchema | undefined>,
  ...descriptor: unknown[]
): AlterToolDecorator<never> {
  // `@AlterTool` without `(...)`: the runtime called AlterTool itself as the decorator.
  if (typeof providerOrOptions === 'function' && isStandardContext(maybeOptions)) {
    throw new ToolDefinitionError(String(maybeOptions.name), '@AlterTool is used without its arguments.', [
      'Write @AlterTool("provider", { description: "…" }) or @AlterTool({ description: "…" }).',
    ]);
  }
  if (descriptor.length === 1 && (typeof maybeOptions === 'string' || typeof maybeOptions === 'symbol')) {
    throw new ToolDefinitionError(String(maybeOptions), '@AlterTool is used without its arguments.', [
      'Write @AlterTool("provider", { description: "…" }) or @AlterTool({ description: "…" }).',
    ]);
  }
  const provider = typeof providerOrOptions === 'string' ? providerOrOptions : null;
  const options = typeof providerOrOptions === 'string' ? maybeOptions : providerOrOptions;
  const decorator = (...args: unknown[]): void => {
    let site: ReturnType<typeof methodSite>;
    try {
      site = methodSite(args, '@AlterTool');
    } catch (err) {
      if (err instanceof DecoratorSiteError) throw new ToolDefinitionError(err.member, err.problem, err.fixes);
      throw err;
    }
    const { member, propertyKey, home } = site;
    if (getOwnMetadataAt(TOOL_METADATA, home, propertyKey) !== undefined) {
      throw new ToolDefinitionError(member, '@AlterTool is applied twice to the same method.', [
        'Keep a single @AlterTool on each method.',
      ]);
    }
    const metadata = normalize(member, propertyKey, provider, providerOrOptions, options);
    defineMetadata(TOOL_METADATA, metadata, home, propertyKey);
    // Own list per class; inherited lists are never mutated (the scanner walks the chain).
    const own = getOwnMetadataAt(TOOL_MEMBERS, home) ?? [];
    defineMetadata(TOOL_MEMBERS, Object.freeze([...own, String(propertyKey)]), home);
  };
  return decorator as AlterToolDecorator<never>;
}

function normalize(
  member: string,
  propertyKey: string | symbol,
  provider: string | null,
  first: unknown,
  options: AlterToolOptions<ToolInputSchema | undefined> | undefined,
): ToolMetadata {
  if (typeof first === 'string' && first.trim() === '') {
    throw new ToolDefinitionError(member, 'the provider id is empty.', [
      'Pass the provider id the vault knows, e.g. @AlterTool("google", {...}).',
      'Use @AlterTool({...}) for a tool without credentials.',
    ]);
  }
  if (typeof first !== 'string' && (first === null || typeof first !== 'object')) {
    throw new ToolDefinitionError(
      member,
      `expected @AlterTool(provider, options) or @AlterTool(options), got ${first === null ? 'null' : typeof first}.`,
    );
  }
  if (options === null || typeof options !== 'object') {
    throw new ToolDefinitionError(member, 'options are missing.', [
      'Pass options with at least a description: @AlterTool("google", { description: "…" }).',
    ]);
  }
  if (typeof options.description !== 'string' || options.description.trim() === '') {
    throw new ToolDefinitionError(member, 'options.description is missing or empty; the model chooses tools by their description.', [
      'Add description: "What the tool does, in one sentence."',
    ]);
  }
  let name: string;
  let nameDerived = false;
  if (options.name !== undefined) {
    if (typeof options.name !== 'string' || !TOOL_NAME_PATTERN.test(options.name)) {
      throw new ToolDefinitionError(
        member,
        `options.name ${JSON.stringify(options.name)} is not a valid MCP tool name (1–128 of a-z A-Z 0-9 _ . -).`,
        ['Use letters, digits, "_", "." and "-" only, e.g. "list_events".'],
      );
    }
    name = options.name;
  } else {
    if (typeof propertyKey === 'symbol') {
      throw new ToolDefinitionError(member, 'a symbol-named method needs an explicit options.name.', ['Add name: "my_tool".']);
    }
    name = toSnakeCase(propertyKey);
    nameDerived = true;
  }
  let scopes: readonly string[] = Object.freeze([]);
  if (options.scopes !== undefined) {
    if (!Array.isArray(options.scopes) || options.scopes.some((s) => typeof s !== 'string' || s.trim() === '')) {
      throw new ToolDefinitionError(member, 'options.scopes must be an array of non-empty scope strings.');
    }
    if (provider === null && options.scopes.length > 0) {
      throw new ToolDefinitionError(member, 'options.scopes were given but no provider: scopes belong to a provider grant.', [
        'Use @AlterTool("provider", { scopes, … }).',
      ]);
    }
    scopes = Object.freeze([...new Set(options.scopes)]);
  }
  let endpoints: readonly string[] | undefined;
  if (options.endpoints !== undefined) {
    if (!Array.isArray(options.endpoints) || options.endpoints.some((e) => typeof e !== 'string' || e.trim() === '')) {
      throw new ToolDefinitionError(member, 'options.endpoints must be an array of endpoints like "GET /gmail/v1/users/me/messages/{id}".');
    }
    if (provider === null) {
      throw new ToolDefinitionError(member, "options.endpoints were given but no provider: endpoints are a provider's.", [
        'Use @AlterTool("provider", { endpoints, … }).',
      ]);
    }
    endpoints = Object.freeze([...new Set(options.endpoints.map((e) => e.trim()))]);
  }
  if (options.approval !== undefined) {
    if (options.approval !== 'required')
      throw new ToolDefinitionError(
        member,
        `options.approval must be 'required' (got ${JSON.stringify(options.approval)}); leave it out when no approval is needed.`,
      );
    if (provider === null) {
      throw new ToolDefinitionError(member, "options.approval was given but no provider: approval guards a provider's requests.", [
        'Use @AlterTool("provider", { approval: \'required\', … }).',
      ]);
    }
  }
  for (const key of ['input', 'output'] as const) {
    const v = options[key];
    if (v !== undefined && typeof v !== 'function' && !isZod4Schema(v) && !isZod3Schema(v)) {
      throw new ToolDefinitionError(
        member,
        `options.${key} must be a zod object${key === 'input' ? ' or a class-validator DTO class' : ''}.`,
        ['A zod shape ({ a: z.string() }) must be wrapped: z.object({ a: z.string() }).'],
      );
    }
  }
  if (options.title !== undefined && typeof options.title !== 'string')
    throw new ToolDefinitionError(member, 'options.title must be a string.');
  if (options.annotations !== undefined && (options.annotations === null || typeof options.annotations !== 'object')) {
    throw new ToolDefinitionError(member, 'options.annotations must be an object.');
  }
  if (options.meta !== undefined && (options.meta === null || typeof options.meta !== 'object'))
    throw new ToolDefinitionError(member, 'options.meta must be an object.');
  const unknownArguments = options.unknownArguments ?? 'reject';
  if (unknownArguments !== 'reject' && unknownArguments !== 'strip') {
    throw new ToolDefinitionError(
      member,
      `options.unknownArguments must be 'reject' or 'strip' (got ${JSON.stringify(options.unknownArguments)}).`,
    );
  }
  return Object.freeze({
    member,
    provider,
    name,
    nameDerived,
    title: options.title,
    description: options.description,
    input: options.input,
    output: options.output,
    scopes,
    endpoints,
    approval: options.approval,
    annotations: options.annotations === undefined ? undefined : Object.freeze({ ...options.annotations }),
    meta: options.meta === undefined ? undefined : Object.freeze({ ...options.meta }),
    unknownArguments,
  });
}
