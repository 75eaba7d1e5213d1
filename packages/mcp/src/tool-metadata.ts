/**
 * What `@AlterTool` takes ({@link AlterToolOptions}) and what it stores ({@link ToolMetadata}):
 * two types on purpose, so normalizing never writes into the caller's object.
 */

/** MCP tool annotations (hints for clients; never trusted for security). */
export interface ToolAnnotations {
  readonly title?: string | undefined;
  readonly readOnlyHint?: boolean | undefined;
  readonly destructiveHint?: boolean | undefined;
  readonly idempotentHint?: boolean | undefined;
  readonly openWorldHint?: boolean | undefined;
}

/**
 * What `input` accepts: a zod object (zod 4, or zod 3 — both implement Standard Schema), or a
 * class-validator DTO class. Anything else (a bare zod shape `{ a: z.string() }`, a JSON Schema
 * object) does not compile, and is refused when the class is defined.
 */
export type ToolInputSchema =
  | { readonly '~standard': { readonly version: number } }
  | { readonly _output: unknown }
  | (abstract new (
      ...args: never
    ) => unknown);

/** What `output` accepts: a zod object (zod 4 or zod 3). */
export type ToolOutputSchema = { readonly '~standard': { readonly version: number } } | { readonly _output: unknown };

/**
 * The type a tool method receives for an `input` schema: the schema's output type (after zod
 * defaults and transforms), or a DTO class's instance type. `never` — which every parameter type
 * accepts — when it cannot be known (no `input`: the DTO then comes from `design:paramtypes`; or
 * options typed as the wide `AlterToolOptions`).
 */
export type ToolInputOf<S> = [S] extends [undefined]
  ? never
  : [ToolInputSchema] extends [S]
    ? never // options typed as the wide `AlterToolOptions` (a variable, a helper): the schema is not known
    : S extends { readonly '~standard': { readonly types?: infer T } }
      ? NonNullable<T> extends { readonly output: infer O }
        ? O
        : never
      : S extends { readonly _output: infer O }
        ? O
        : S extends abstract new (
              ...args: never
            ) => infer R
          ? R
          : never;

/**
 * Options of `@AlterTool(provider, options)` / `@AlterTool(options)`. `S` is the type of `input`,
 * inferred from the object you pass; it types the method's second parameter.
 */
export interface AlterToolOptions<S extends ToolInputSchema | undefined = ToolInputSchema | undefined> {
  /** Tool name (default: the method name in snake_case). Must match `^[a-zA-Z0-9_.-]{1,128}$`. */
  readonly name?: string | undefined;
  /** Human-readable title. */
  readonly title?: string | undefined;
  /** What the tool does, for the model. Required. */
  readonly description: string;
  /**
   * The input: a zod object (zod 4 or zod 3) or a class-validator DTO class. The method's second
   * parameter must accept the schema's output type. When omitted, the second parameter's type
   * from `design:paramtypes` (legacy decorators with `emitDecoratorMetadata`) is used if it is a
   * DTO class; a method that takes only the context has no input.
   */
  readonly input?: S;
  /** The output: a zod object. Becomes `outputSchema`; results are validated and sent as `structuredContent`. */
  readonly output?: ToolOutputSchema | undefined;
  /** Provider scopes the tool needs; checked against the grant before any request is sent. */
  readonly scopes?: readonly string[] | undefined;
  /**
   * The provider endpoints the tool may call, e.g. `['GET /gmail/v1/users/me/messages/{id}']`
   * (METHOD + path on any of the provider's hosts, or a full https URL; `{param}` = one segment).
   * With it, `ctx.request` outside them is refused (PolicyDeniedError) before a token is read;
   * an endpoint on a host the provider does not allow is a registration error. docs/policies.md.
   */
  readonly endpoints?: readonly string[] | undefined;
  /**
   * `'required'`: every provider request of the tool is shown to the user (method, redacted URL,
   * a summary of the body) and sent only once they approve that exact request
   * (docs/approvals.md). Needs a client with form elicitation; otherwise nothing is sent.
   */
  readonly approval?: 'required' | undefined;
  /** MCP tool annotations. */
  readonly annotations?: ToolAnnotations | undefined;
  /** Extra `_meta` published with the tool. */
  readonly meta?: Readonly<Record<string, unknown>> | undefined;
  /**
   * Argument names the input does not declare: `'reject'` (default: the call fails naming each
   * one, and the published JSON Schema says `additionalProperties: false`) or `'strip'` (they are
   * dropped silently — for tools whose clients send extra keys on purpose).
   */
  readonly unknownArguments?: 'reject' | 'strip' | undefined;
}

/** The normalized, frozen record `@AlterTool` stores for one method. */
export interface ToolMetadata {
  /** The decorated member. */
  readonly member: string;
  /** Provider id, or null for a tool that needs no credentials. */
  readonly provider: string | null;
  readonly name: string;
  /** True when `name` was derived from the method name. */
  readonly nameDerived: boolean;
  readonly title: string | undefined;
  readonly description: string;
  /** The schema value as given (zod object or DTO class), or undefined. */
  readonly input: unknown;
  readonly output: unknown;
  readonly scopes: readonly string[];
  /** Declared endpoints (frozen), or undefined when the tool declares none. */
  readonly endpoints: readonly string[] | undefined;
  /** `'required'` when each provider request needs the user's approval, else undefined. */
  readonly approval: 'required' | undefined;
  readonly annotations: Readonly<ToolAnnotations> | undefined;
  readonly meta: Readonly<Record<string, unknown>> | undefined;
  /** `'reject'` (default) or `'strip'`; see {@link AlterToolOptions.unknownArguments}. */
  readonly unknownArguments: 'reject' | 'strip';
}

/** MCP's tool-name rule (2025-11-25). */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_.-]{1,128}$/;

/** `listEvents` → `list_events`, `getHTTPStatus` → `get_http_status`. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[\s-]+/g, '_')
    .toLowerCase();
}
