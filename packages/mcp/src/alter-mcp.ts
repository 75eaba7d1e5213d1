/**
 * `AlterMCP`: the registry. It scans tool modules, validates them at startup, precomputes the
 * MCP tool list, and installs the tools on an SDK server; calls then run through the pipeline
 * (validate → audit context → vault → result mapping → Connect-URL recovery).
 */
import type { AlterVault, Logger } from '@alter/vault';
import { createDefaultLogger, InvalidArgumentError } from '@alter/vault';
import { normalizeProviderScopes } from '@alter/vault/internal';
import { ToolRegistrationError } from './errors.js';
import { openVaultAtStartup } from './internal/vault-startup.js';
import type { CallerAuthInfo } from './caller-auth-info.js';
import type { ToolDefinition, ToolTable } from './internal/call-env.js';
import type { Registration } from './internal/call-state.js';
import { type CompiledTool, compileModule, type Problem } from './internal/module-scanner.js';
import { callStateOf, isToolCallContext } from './internal/tool-call-context.js';
import { ToolRunner } from './internal/tool-runner.js';
import { sdkAdapterFor } from './sdk/sdk-adapters.js';
import type { McpServerLike } from './sdk/sdk-seam.js';
import { TOOL_NAME_PATTERN } from './tool-metadata.js';
import { checkToolEndpoints } from '@alter/vault/internal';
import { ToolCallTelemetry } from './telemetry/tool-call-telemetry.js';

/** A tool module: a class (constructed with no arguments, or by `moduleFactory`) or an instance. */
export type ToolModule = (abstract new (...args: never[]) => object) | object;

/** Options of {@link AlterMCP}. */
export interface AlterMCPOptions {
  /** The user tools run as when the request carries no auth info (stdio servers, local tools). */
  readonly defaultUser?: string | undefined;
  /**
   * Maps verified auth info to the Alter user id when `authInfo.extra.user` is not set.
   * An authenticated request without a resolvable user is refused, never run as `defaultUser`.
   */
  readonly userFromAuth?: ((authInfo: CallerAuthInfo) => string | undefined) | undefined;
  /** Builds module instances from classes (for DI containers). Default: `new Module()`. */
  readonly moduleFactory?: ((moduleClass: abstract new (...args: never[]) => object) => object) | undefined;
  /**
   * Prefix added to every tool name this AlterMCP registers (e.g. `acme_`). It composes with the
   * per-call `prefix` of {@link AlterMCP.register}: the final name is
   * `toolNamePrefix + prefix + toolName` (`acme_` + `gh_` + `list_issues` → `acme_gh_list_issues`).
   */
  readonly toolNamePrefix?: string | undefined;
  /** Longest chain of nested tool calls (default 8). */
  readonly maxNestingDepth?: number | undefined;
  /** Logger (default: the vault's default logger). */
  readonly logger?: Logger | undefined;
  /**
   * OpenTelemetry spans and metrics for tool calls, recorded when `@opentelemetry/api` is
   * installed and the application registered an SDK (docs/observability.md). Default true.
   */
  readonly telemetry?: boolean | undefined;
}

/** Options of one {@link AlterMCP.register} call. */
export interface RegisterOptions {
  /**
   * Prefix for the tool names of THIS call (e.g. `gh_`), added after the constructor's
   * `toolNamePrefix`: final name = `toolNamePrefix + prefix + toolName`. Lets two packs with
   * clashing names share one server. The final names must match `TOOL_NAME_PATTERN`.
   */
  readonly prefix?: string | undefined;
  /** Register only these tools, named by their UNPREFIXED tool names (e.g. `['list_issues']`). */
  readonly include?: readonly string[] | undefined;
  /** Leave out these tools, named by their UNPREFIXED tool names. Applied after `include`. */
  readonly exclude?: readonly string[] | undefined;
  /**
   * Tools of THIS call's modules (unprefixed names) whose provider requests each need the user's
   * approval, as if declared with `approval: 'required'` — how a pack's writing tools are turned on
   * for approval without changing the pack, e.g. `['create_issue']` (docs/approvals.md). It holds
   * wherever this call's tools run the tool: listed, or called by a listed tool (also when
   * `include` / `exclude` leave it out of the list). Another register() call of the module decides
   * for its own tools.
   */
  readonly requireApproval?: readonly string[] | undefined;
}

interface CompiledModule {
  readonly tools: readonly CompiledTool[];
}

const PREFIX_PATTERN = /^[a-zA-Z0-9_.-]*$/;

const alterByServer = new WeakMap<object, AlterMCP>();

/** The {@link AlterMCP} that registered tools on `server` (used by `serveHttp`/`serveStdio`). */
export function alterMcpFor(server: object): AlterMCP | undefined {
  return alterByServer.get(server);
}

/**
 * The registry of Alter tools.
 *
 * @example
 * const alter = new AlterMCP(vault, { defaultUser: 'alice' });
 * const server = new McpServer({ name: 'calendar', version: '1.0.0' });
 * alter.register(server, [CalendarTools, GmailTools]);
 */
export class AlterMCP {
  readonly vault: AlterVault;
  readonly #logger: Logger;
  readonly #runner: ToolRunner;
  /** Null when @opentelemetry/api is not installed or telemetry is off. */
  readonly #telemetry: ToolCallTelemetry | null;
  readonly #prefix: string;
  readonly #factory: AlterMCPOptions['moduleFactory'];
  readonly #modules = new Map<object, CompiledModule>();
  readonly #namesByServer = new WeakMap<object, Set<string>>();
  /** Every tool register() registered, for {@link requiredScopes}. */
  readonly #registeredTools = new Set<CompiledTool>();

  /** @throws InvalidArgumentError naming the bad argument. */
  constructor(vault: AlterVault, options: AlterMCPOptions = {}) {
    if (vault === null || typeof vault !== 'object' || typeof (vault as { request?: unknown }).request !== 'function') {
      throw new InvalidArgumentError('vault', 'new AlterMCP(vault, options) needs an AlterVault');
    }
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'must be an object');
    if (options.defaultUser !== undefined && (typeof options.defaultUser !== 'string' || options.defaultUser.trim() === '')) {
      throw new InvalidArgumentError('options.defaultUser', 'must be a non-empty string');
    }
    if (options.userFromAuth !== undefined && typeof options.userFromAuth !== 'function')
      throw new InvalidArgumentError('options.userFromAuth', 'must be a function');
    if (options.moduleFactory !== undefined && typeof options.moduleFactory !== 'function')
      throw new InvalidArgumentError('options.moduleFactory', 'must be a function');
    if (options.toolNamePrefix !== undefined && typeof options.toolNamePrefix !== 'string')
      throw new InvalidArgumentError('options.toolNamePrefix', 'must be a string');
    const depth = options.maxNestingDepth ?? 8;
    if (!Number.isInteger(depth) || depth < 1) throw new InvalidArgumentError('options.maxNestingDepth', 'must be an integer ≥ 1');
    this.vault = vault;
    this.#logger = options.logger ?? createDefaultLogger();
    this.#prefix = options.toolNamePrefix ?? '';
    this.#factory = options.moduleFactory;
    if (options.telemetry !== undefined && typeof options.telemetry !== 'boolean')
      throw new InvalidArgumentError('options.telemetry', 'expected true or false');
    this.#telemetry = ToolCallTelemetry.create(options.telemetry !== false);
    this.#runner = new ToolRunner(vault, this.#logger, {
      defaultUser: options.defaultUser,
      userFromAuth: options.userFromAuth,
      maxNestingDepth: depth,
    });
  }

  /**
   * Validates `modules` and registers their tools on `server` (an `McpServer` — whose own
   * `registerTool` tools keep working — or a low-level `Server`, of either SDK generation:
   * `@modelcontextprotocol/sdk` 1.x or `@modelcontextprotocol/server` 2.x). Call before
   * `server.connect()`.
   * Registering the same modules on several servers (one per HTTP session) reuses the instances
   * and the precomputed schemas.
   *
   * Call it several times on one server to register packs whole or tool by tool, each with its own
   * prefix; `tools/list` lists them all, and a name registered twice is an error.
   *
   * @param options `prefix` for this call's tool names (after the constructor's `toolNamePrefix`),
   *   `include`/`exclude` by unprefixed tool name.
   * @returns the (final, prefixed) names of the tools registered.
   * @throws ToolRegistrationError listing every problem (class.method, what, likely fixes).
   * @throws InvalidArgumentError naming `options.prefix`, `options.include` or `options.exclude`
   *   (unknown tool names are listed with the available ones).
   * @throws ServeError when `server` is not an SDK server or is already connected.
   * @throws SdkUnsupportedError when the server's SDK lacks an internal @alter/mcp relies on
   *   (names the SDK package, its version and the supported range).
   * @example
   * alter.register(server, [GitHubTools], { prefix: 'gh_', include: ['list_issues'] });
   * alter.register(server, [GmailTools], { prefix: 'google_' }); // the same server, another pack
   */
  register(server: McpServerLike, modules: readonly ToolModule[], options: RegisterOptions = {}): readonly string[] {
    if (!Array.isArray(modules))
      throw new InvalidArgumentError('modules', 'register(server, modules) needs an array of tool classes or instances');
    const { prefix, include, exclude, requireApproval } = checkRegisterOptions(options);
    const sdk = sdkAdapterFor(server);
    const low = sdk.lowLevel(server);
    const problems: Problem[] = [];
    const compiled: CompiledTool[] = [];
    for (const [i, module] of modules.entries()) {
      const result = this.#compile(module, i, problems);
      if (result) compiled.push(...result.tools);
    }
    const available = [...new Set(compiled.map((t) => t.name))];
    // With module problems, the selection is not checked (a broken module may lack the named
    // tools); every tool still goes through the name checks so clashes show up in the same run.
    for (const [argument, list] of [
      ['options.include', include],
      ['options.exclude', exclude],
      ['options.requireApproval', requireApproval],
    ] as const) {
      const unknown = problems.length > 0 ? [] : (list?.filter((n) => !available.includes(n)) ?? []);
      if (unknown.length > 0) {
        throw new InvalidArgumentError(
          argument,
          `names tools these modules do not have: ${unknown.map((n) => JSON.stringify(n)).join(', ')}. Use unprefixed tool names; available: ${available.join(', ')}.`,
        );
      }
    }
    const selected = compiled.filter((t) => (include === undefined || include.includes(t.name)) && !(exclude ?? []).includes(t.name));
    const unapprovable =
      problems.length > 0 ? [] : compiled.filter((t) => requireApproval?.includes(t.name) && t.metadata.provider === null);
    if (unapprovable.length > 0) {
      throw new InvalidArgumentError(
        'options.requireApproval',
        `names tools without a provider, which send no provider request to approve: ${unapprovable.map((t) => t.name).join(', ')}.`,
      );
    }
    if (selected.length === 0 && problems.length === 0) {
      throw new InvalidArgumentError('options.include', `selects no tool (after options.exclude); available: ${available.join(', ')}.`);
    }

    const fullPrefix = this.#prefix + prefix;
    const tools: CompiledTool[] = [];
    /** This call's copy of a tool: its name with the prefix, approval as `requireApproval` says. */
    const copyOf = (original: CompiledTool): CompiledTool => {
      const base =
        requireApproval?.includes(original.name) && original.metadata.approval !== 'required' ? withApprovalRequired(original) : original;
      const name = fullPrefix + base.name;
      return fullPrefix === '' ? base : Object.freeze({ ...base, name, definition: Object.freeze({ ...base.definition, name }) });
    };
    const listedCopies = new Map<CompiledTool, CompiledTool>();
    for (const original of selected) {
      // The copy is registered; `selected` keeps the originals, which nested calls look up.
      const copy = copyOf(original);
      const name = copy.name;
      if (!TOOL_NAME_PATTERN.test(name)) {
        problems.push({
          member: copy.member,
          problem: `tool name ${JSON.stringify(name)} is not allowed by MCP (1–128 of a-z A-Z 0-9 _ . -); its prefix is ${JSON.stringify(fullPrefix)}.`,
          fixes: [
            'Shorten the prefix (toolNamePrefix + register options.prefix).',
            'Give the tool a shorter name: @AlterTool(..., { name: "…" }).',
          ],
        });
        continue;
      }
      tools.push(copy);
      listedCopies.set(original, copy);
    }

    const taken = this.#namesByServer.get(low) ?? new Set<string>();
    const sdkNames = new Set(sdk.sdkToolNames(server));
    const seen = new Map<string, CompiledTool>();
    for (const t of tools) {
      const other = seen.get(t.name);
      if (other) {
        problems.push({
          member: t.member,
          problem: `tool name "${t.name}" is also used by ${other.member}.`,
          fixes: [
            'Give one of them another name: @AlterTool(..., { name: "…" }).',
            'Register the modules in separate calls with different prefixes: register(server, [A], { prefix: "a_" }).',
            'Do not list the same module twice.',
          ],
        });
      } else if (taken.has(t.name) || sdkNames.has(t.name)) {
        problems.push({
          member: t.member,
          problem: `tool name "${t.name}" is already registered on this server${sdkNames.has(t.name) ? ' with registerTool()' : ''}.`,
          fixes: [
            'Rename one of the tools.',
            'Pass another prefix to this register() call: { prefix: "…" }.',
            'Register each module once per server.',
          ],
        });
      }
      seen.set(t.name, t);
    }
    if (problems.length > 0) throw new ToolRegistrationError(problems);

    const byName = new Map(tools.map((t) => [t.name, t] as const));
    // Nested calls (`this.otherTool(ctx, …)`) resolve to this call's names through the registration.
    // Every tool of the modules is in it, listed or not: a tool include/exclude left out still runs
    // when a listed one calls it — as this call's copy (its prefix, its approval), never as the
    // original, which would drop the approval this call asked for.
    const registration: Registration = new Map(compiled.map((base) => [base, listedCopies.get(base) ?? copyOf(base)] as const));
    const listing: readonly ToolDefinition[] = Object.freeze(tools.map((t) => t.definition));
    const runner = this.#runner;
    const telemetry = this.#telemetry;
    const table: ToolTable = {
      listing,
      has: (name) => byName.has(name),
      call: telemetry
        ? (name, args, env) => telemetry.traceCall(name, env, () => runner.call(byName.get(name)!, args, env, registration))
        : (name, args, env) => runner.call(byName.get(name)!, args, env, registration),
    };
    sdk.installToolTable(server, table);
    for (const t of tools) taken.add(t.name);
    this.#namesByServer.set(low, taken);
    for (const t of tools) this.#registeredTools.add(t);
    alterByServer.set(server, this);
    alterByServer.set(low, this);
    this.#logger.debug('registered tools', { count: tools.length, prefix: fullPrefix });
    return Object.freeze(tools.map((t) => t.name));
  }

  /**
   * Opens the vault's store and checks the encryption key, so a broken store fails at startup, not
   * at the first tool call. `serveStdio`/`serveHttp` call it before serving; call it yourself before
   * `server.connect(transport)` with any other transport. `register()` stays synchronous and does
   * no I/O (it returns the tool names at once and cannot report an unreachable database).
   * @throws VaultStartupError naming what failed (`causeCode`: ALTER_STORE, ALTER_ENCRYPTION_KEY,
   *   ALTER_NATIVE_MODULE) and how to fix it.
   * @example
   * alter.register(server, [CalendarTools]);
   * await alter.ready();
   * await server.connect(transport);
   */
  ready(): Promise<void> {
    return openVaultAtStartup(this.vault, 'AlterMCP.ready');
  }

  /**
   * The scopes the registered tools need, per provider: each provider a registered tool uses,
   * with the union of those tools' `scopes` in the provider's spelling (Google URLs). Pass it to
   * `AlterAuthProvider({ providers })` (see {@link scopesFromTools}) so one login asks for
   * everything the tools will call, instead of a re-authorize round trip per tool.
   * @example
   * alter.register(server, [GmailTools, CalendarTools]);
   * alter.requiredScopes(); // { google: ['https://www.googleapis.com/auth/gmail.readonly', …] }
   */
  requiredScopes(): Readonly<Record<string, readonly string[]>> {
    const out = new Map<string, Set<string>>();
    for (const tool of this.#registeredTools) {
      const provider = tool.metadata.provider;
      if (provider === null) continue;
      const set = out.get(provider) ?? new Set<string>();
      for (const s of tool.metadata.scopes) set.add(s);
      out.set(provider, set);
    }
    return Object.freeze(Object.fromEntries([...out].map(([id, set]) => [id, Object.freeze([...set])])));
  }

  /** Stops background work (waiting for Connect sessions of URL elicitations). Does not close the vault. */
  close(): Promise<void> {
    return this.#runner.close();
  }

  #compile(module: ToolModule, index: number, problems: Problem[]): CompiledModule | undefined {
    const cached = this.#modules.get(module);
    if (cached) return cached;
    let instance: object;
    let className: string;
    if (typeof module === 'function') {
      className = module.name || `modules[${index}]`;
      try {
        instance = this.#factory ? this.#factory(module as abstract new (...args: never[]) => object) : new (module as new () => object)();
      } catch (err) {
        problems.push({
          member: className,
          problem: `could not be constructed: ${err instanceof Error ? err.message : String(err)}`,
          fixes: [
            'Give the class a constructor without required arguments.',
            'Pass an instance instead of the class.',
            'Pass moduleFactory in the AlterMCP options (DI containers).',
          ],
        });
        return undefined;
      }
      if (instance === null || typeof instance !== 'object') {
        problems.push({
          member: className,
          problem: 'moduleFactory returned no object.',
          fixes: ['Return an instance of the class from moduleFactory.'],
        });
        return undefined;
      }
    } else if (module !== null && typeof module === 'object') {
      instance = module;
      className = module.constructor?.name ?? `modules[${index}]`;
    } else {
      problems.push({
        member: `modules[${index}]`,
        problem: `is ${module === null ? 'null' : typeof module}, not a tool class or instance.`,
        fixes: ['Pass tool classes or their instances.'],
      });
      return undefined;
    }
    const result = compileModule(instance, className, {
      toolNamePrefix: '',
      providerIds: providerIdsOf(this.vault),
      normalizeScopes: scopeNormalizerOf(this.vault),
      checkEndpoints: endpointCheckOf(this.vault),
    });
    problems.push(...result.problems);
    // Still return the tools of a module with problems, so name clashes are reported in the same run.
    if (result.problems.length > 0) return { tools: result.tools };
    for (const tool of result.tools) this.#installNestedCall(tool);
    const compiled: CompiledModule = { tools: result.tools };
    this.#modules.set(module, compiled);
    return compiled;
  }

  /**
   * Makes `this.otherTool(ctx, input)` inside a tool body a nested tool call (child audit
   * context, input validated, depth guarded). Called with anything but a framework context (a
   * unit test calling the method directly) it is the plain method.
   */
  #installNestedCall(tool: CompiledTool): void {
    const runner = this.#runner;
    const telemetry = this.#telemetry;
    const original = tool.method;
    // `tool` is unprefixed; a call from a registration uses that registration's name for it, a
    // call from elsewhere (another register() call's tool) the constructor-prefixed name.
    const prefix = this.#prefix;
    const fallback: CompiledTool =
      prefix === ''
        ? tool
        : Object.freeze({ ...tool, name: prefix + tool.name, definition: Object.freeze({ ...tool.definition, name: prefix + tool.name }) });
    const wrapper = function (this: unknown, ...args: unknown[]): unknown {
      if (isToolCallContext(args[0])) {
        const target = callStateOf(args[0]).registration?.get(tool) ?? fallback;
        const ctx = args[0];
        if (telemetry) return telemetry.traceNested(target.name, () => runner.callNested(target, ctx, args[1]));
        return runner.callNested(target, ctx, args[1]);
      }
      return original.apply(this, args);
    };
    Object.defineProperty(wrapper, 'name', { value: original.name });
    try {
      Object.defineProperty(tool.instance, tool.propertyKey, { value: wrapper, configurable: true, writable: true, enumerable: false });
    } catch {
      this.#logger.warn('instance is frozen; nested calls to this tool will not get their own audit context', { tool: tool.name });
    }
  }
}

/** A copy of `tool` whose provider requests need the user's approval (register options.requireApproval). */
function withApprovalRequired(tool: CompiledTool): CompiledTool {
  return Object.freeze({ ...tool, metadata: Object.freeze({ ...tool.metadata, approval: 'required' as const }) });
}

function checkRegisterOptions(options: RegisterOptions): {
  prefix: string;
  include?: readonly string[];
  exclude?: readonly string[];
  requireApproval?: readonly string[];
} {
  if (options === null || typeof options !== 'object')
    throw new InvalidArgumentError('options', 'register(server, modules, options) needs an object: { prefix?, include?, exclude? }');
  const prefix = options.prefix ?? '';
  if (typeof prefix !== 'string' || !PREFIX_PATTERN.test(prefix)) {
    throw new InvalidArgumentError(
      'options.prefix',
      'must be a string of a-z A-Z 0-9 _ . - (tool names must match TOOL_NAME_PATTERN), e.g. "gh_".',
    );
  }
  const list = (argument: string, value: unknown): readonly string[] | undefined => {
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some((n) => typeof n !== 'string' || n === '')) {
      throw new InvalidArgumentError(argument, 'must be an array of unprefixed tool names, e.g. ["list_issues"].');
    }
    return value as readonly string[];
  };
  const include = list('options.include', options.include);
  const exclude = list('options.exclude', options.exclude);
  const requireApproval = list('options.requireApproval', options.requireApproval);
  return { prefix, ...(include ? { include } : {}), ...(exclude ? { exclude } : {}), ...(requireApproval ? { requireApproval } : {}) };
}

/** Tool scopes in each provider's spelling (Google short names → URLs), through the vault's one seam. */
function scopeNormalizerOf(vault: AlterVault): (provider: string, scopes: readonly string[], where: string) => readonly string[] {
  // A stand-in vault without provider configs (a unit-test double) keeps the scopes as declared.
  if (typeof (vault as { provider?: unknown }).provider !== 'function') return (_provider, scopes) => scopes;
  return (provider, scopes, where) => normalizeProviderScopes(vault.provider(provider), scopes, where);
}

/** The vault's startup check of a tool's declared endpoints (syntax; hosts in the provider's allowlist). */
function endpointCheckOf(vault: AlterVault): ((provider: string, endpoints: readonly string[], where: string) => void) | undefined {
  if (typeof (vault as { provider?: unknown }).provider !== 'function') return undefined;
  return (provider, endpoints, where) => checkToolEndpoints(vault.provider(provider), endpoints, where);
}

function providerIdsOf(vault: AlterVault): readonly string[] {
  const ids = (vault as { providerIds?: unknown }).providerIds;
  return Array.isArray(ids) ? (ids as string[]) : [];
}
