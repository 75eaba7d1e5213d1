/**
 * Type-level tests for @alter/mcp's public generics: `@AlterTool` options and the methods it
 * accepts, `AlterContext` (no token accessor), `alter.register` and `RegisterOptions`, and the
 * error code union. Checked by `npx tsc -p tsconfig.test-d.json` (root), never executed: every
 * `@ts-expect-error` below must fire, or tsc reports it as unused.
 */
import { z } from 'zod';
import {
  type AlterContext,
  type AlterMcpErrorCode,
  type AlterMCP,
  type AlterRequestOptions,
  AlterTool,
  type AlterToolOptions,
  type AnyAlterMcpError,
  type McpServerLike,
  type RegisterOptions,
  type ToolInputSchema,
  type ToolModule,
} from '@alter/mcp';
import type { VaultRequestOptions, VaultResponse } from '@alter/vault';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

// ---- @AlterTool options ----------------------------------------------------------------------

/** A class DTO as `input` (class-validator style); the decorator takes the class itself. */
class ListIssuesInput {
  owner!: string;
  repo!: string;
}

export class Tools {
  // `input` as a zod object.
  @AlterTool('github', { description: 'List issues.', input: z.object({ owner: z.string(), repo: z.string() }), scopes: ['repo'] })
  async listIssues(ctx: AlterContext, input: { owner: string; repo: string }): Promise<unknown> {
    const res: VaultResponse = await ctx.request('GET', 'https://api.github.com/repos/{owner}/{repo}/issues', { pathParams: { ...input } });
    return res.json<unknown[]>();
  }

  // `input` as a class.
  @AlterTool('github', { description: 'List issues (class input).', input: ListIssuesInput, output: z.object({ n: z.number() }) })
  async listIssuesDto(_ctx: AlterContext, input: ListIssuesInput): Promise<{ n: number }> {
    return { n: input.owner.length };
  }

  // No provider: a local tool, options only.
  @AlterTool({ description: 'Echo.', annotations: { readOnlyHint: true, idempotentHint: true } })
  echo(_ctx: AlterContext): string {
    return 'echo';
  }

  // @ts-expect-error -- `description` is required: it is what the model reads to choose the tool.
  @AlterTool('github', { input: z.object({}) })
  noDescription(_ctx: AlterContext): void {}

  // @ts-expect-error -- unknown option keys are rejected (`desc` is not `description`).
  @AlterTool({ description: 'x', desc: 'x' })
  misspeltOption(_ctx: AlterContext): void {}

  // @ts-expect-error -- `scopes` is a list of scope strings.
  @AlterTool('github', { description: 'x', scopes: 'repo' })
  scopesAsString(_ctx: AlterContext): void {}

  // @ts-expect-error -- annotation hints are booleans.
  @AlterTool({ description: 'x', annotations: { readOnlyHint: 'yes' } })
  badAnnotation(_ctx: AlterContext): void {}

  // @ts-expect-error -- a tool method's first parameter receives the AlterContext.
  @AlterTool({ description: 'x' })
  firstParamNotContext(_owner: number): void {}
}

export type DescriptionIsRequired = Expect<Equal<AlterToolOptions['description'], string>>;
// `input` takes what the schema seam understands (zod 4, zod 3, a DTO class), not just anything.
export type InputIsASchema = Expect<Equal<AlterToolOptions['input'], ToolInputSchema | undefined>>;

// ---- The method's input parameter is checked against the schema's output type -----------------

const sharedOptions: AlterToolOptions = { description: 'x', input: z.object({ owner: z.string() }) };
const Query = z.object({ owner: z.string(), limit: z.number().int().default(10), labels: z.array(z.string()).optional() });

export class TypedInputs {
  // The parameter matches the schema's output (zod defaults make `limit` required there).
  @AlterTool('github', { description: 'x', input: Query })
  exact(_ctx: AlterContext, input: { owner: string; limit: number; labels?: string[] | undefined }): number {
    return input.limit;
  }

  // A parameter that asks for less than the schema gives is fine.
  @AlterTool('github', { description: 'x', input: Query })
  wider(_ctx: AlterContext, input: { owner: string }): string {
    return input.owner;
  }

  // z.infer is the usual spelling.
  @AlterTool('github', { description: 'x', input: Query })
  inferred(_ctx: AlterContext, input: z.infer<typeof Query>): string {
    return input.owner;
  }

  // @ts-expect-error -- `owner` is a string in the schema, not a number.
  @AlterTool('github', { description: 'x', input: Query })
  wrongType(_ctx: AlterContext, input: { owner: number }): number {
    return input.owner;
  }

  // @ts-expect-error -- `repo` is not in the schema: the method would read undefined.
  @AlterTool('github', { description: 'x', input: Query })
  missingField(_ctx: AlterContext, input: { owner: string; repo: string }): string {
    return input.repo;
  }

  // @ts-expect-error -- `limit` has a default, so the method gets a number, but `labels` may be absent.
  @AlterTool('github', { description: 'x', input: Query })
  optionalMadeRequired(_ctx: AlterContext, input: { labels: string[] }): number {
    return input.labels.length;
  }

  // A DTO class as input: the method receives an instance.
  @AlterTool('github', { description: 'x', input: ListIssuesInput })
  dto(_ctx: AlterContext, input: ListIssuesInput): string {
    return input.owner;
  }

  // @ts-expect-error -- the DTO has no `page`.
  @AlterTool('github', { description: 'x', input: ListIssuesInput })
  dtoMismatch(_ctx: AlterContext, input: { page: number }): number {
    return input.page;
  }

  // Without `input` the parameter type is free (legacy decorators read it from design:paramtypes).
  @AlterTool('github', { description: 'x' })
  fromParamTypes(_ctx: AlterContext, input: ListIssuesInput): string {
    return input.repo;
  }

  // Options built elsewhere and typed as plain AlterToolOptions: the schema is unknown, so is the parameter.
  @AlterTool('github', sharedOptions)
  fromSharedOptions(_ctx: AlterContext, input: { owner: string }): string {
    return input.owner;
  }

  // @ts-expect-error -- a bare zod shape is not a schema: wrap it in z.object(...).
  @AlterTool('github', { description: 'x', input: { owner: z.string() } })
  bareShape(_ctx: AlterContext, input: { owner: string }): string {
    return input.owner;
  }

  // @ts-expect-error -- `output` is a zod object, not a class.
  @AlterTool('github', { description: 'x', output: ListIssuesInput })
  classOutput(_ctx: AlterContext): ListIssuesInput {
    return { owner: '', repo: '' };
  }
}

// ---- AlterContext: the tool never sees a token ----------------------------------------------

export function contextHasNoTokenAccessor(ctx: AlterContext): void {
  // @ts-expect-error -- no token accessor: tools reach the API only through ctx.request().
  ctx.token;
  // @ts-expect-error -- no token accessor.
  ctx.accessToken;
  // @ts-expect-error -- no refresh token either.
  ctx.refreshToken;
  // @ts-expect-error -- and no vault to ask for one.
  ctx.vault;
}

export type ContextFields = Expect<
  Equal<
    keyof AlterContext,
    | 'user'
    | 'toolName'
    | 'provider'
    | 'callId'
    | 'signal'
    | 'request'
    | 'progress'
    | 'log'
    | 'createMessage'
    | 'elicitInput'
    | 'closeSseStream'
  >
>;
// The user and the scopes come from the call, the endpoints and the approval from the declaration,
// the approval asker from the call (for a vault rule's approval): none from tool code.
export type RequestOptionsOmitUserScopesEndpoints = Expect<
  Equal<AlterRequestOptions, Omit<VaultRequestOptions, 'user' | 'scopes' | 'endpoints' | 'approval' | 'approvalAsker'>>
>;

export async function contextRequestOptions(ctx: AlterContext): Promise<void> {
  await ctx.request('GET', 'https://api.github.com/user', { queryParams: { per_page: 10 } });
  // @ts-expect-error -- a tool cannot answer its own approval question.
  await ctx.request('POST', 'https://api.github.com/user', { approval: async () => ({}) });
  // @ts-expect-error -- nor pass the asker a vault rule's approval is asked with.
  await ctx.request('POST', 'https://api.github.com/user', { approvalAsker: { approvalGate: () => async () => ({}) } });
  // @ts-expect-error -- a tool cannot act as another user.
  await ctx.request('GET', 'https://api.github.com/user', { user: 'mallory' });
  // @ts-expect-error -- nor widen (or drop) its declared endpoints per call.
  await ctx.request('GET', 'https://api.github.com/user', { endpoints: ['GET /user'] });
  // @ts-expect-error -- nor widen its declared scopes per call.
  await ctx.request('GET', 'https://api.github.com/user', { scopes: ['admin:org'] });
  // @ts-expect-error -- unknown keys are rejected.
  await ctx.request('GET', 'https://api.github.com/user', { params: { a: '1' } });
}

// ---- alter.register ----------------------------------------------------------------------------

declare const alter: AlterMCP;
declare const server: McpServerLike;

export function registerAcceptsClassesInstancesAndOptions(): void {
  const names: readonly string[] = alter.register(server, [Tools]);
  alter.register(server, [new Tools()]);
  alter.register(server, [Tools, new Tools()], { prefix: 'gh_', include: ['list_issues'], exclude: ['echo'] });
  const options: RegisterOptions = { prefix: 'x_' };
  alter.register(server, [Tools], options);
  const modules: readonly ToolModule[] = [Tools];
  alter.register(server, modules, {});
  void names;
}

export function registerRejects(): void {
  // @ts-expect-error -- modules is an array, even for one module.
  alter.register(server, Tools);
  // @ts-expect-error -- a module is a class or an object, not a name.
  alter.register(server, ['Tools']);
  // @ts-expect-error -- unknown option keys are rejected (`prefx`).
  alter.register(server, [Tools], { prefx: 'gh_' });
  // @ts-expect-error -- `include` is a list of tool names.
  alter.register(server, [Tools], { include: 'list_issues' });
  // @ts-expect-error -- `prefix` is a string.
  alter.register(server, [Tools], { prefix: 1 });
  // @ts-expect-error -- the server is an McpServer or a Server from the SDK.
  alter.register({}, [Tools]);
}

// ---- Errors ------------------------------------------------------------------------------------

export type CodesAreTheExportedUnion = Expect<Equal<AnyAlterMcpError['code'], AlterMcpErrorCode>>;
export type CodeIsNotString = Expect<Equal<string extends AnyAlterMcpError['code'] ? true : false, false>>;

/** Exhaustive: a new code without a case here fails to type-check. */
export function mcpErrorKind(err: AnyAlterMcpError): 'definition' | 'call' | 'serve' {
  switch (err.code) {
    case 'ALTER_MCP_REFLECT_METADATA':
    case 'ALTER_MCP_SDK_UNSUPPORTED':
    case 'ALTER_MCP_TOOL_DEFINITION':
    case 'ALTER_MCP_TOOL_REGISTRATION':
      return 'definition';
    case 'ALTER_MCP_TOOL_INPUT':
    case 'ALTER_MCP_TOOL_OUTPUT':
    case 'ALTER_MCP_NESTING_DEPTH':
    case 'ALTER_MCP_NO_USER':
    case 'ALTER_MCP_TOOL_ERROR':
    case 'ALTER_MCP_FOREIGN_CONTEXT':
    case 'ALTER_MCP_REQUEST_STATE':
    case 'ALTER_MCP_ACCOUNT_NOT_CHOSEN':
      return 'call';
    case 'ALTER_MCP_SERVE':
    case 'ALTER_MCP_VAULT_STARTUP':
      return 'serve';
    default: {
      const unreachable: never = err.code;
      return unreachable;
    }
  }
}

export function misspeltMcpCode(err: AnyAlterMcpError): boolean {
  // @ts-expect-error -- not a code of the union.
  return err.code === 'ALTER_MCP_TOOL_INPUTS';
}
