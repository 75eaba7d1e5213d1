/**
 * `AlterMCP`: the registry. It scans tool modules, validates them at startup, precomputes the
 * MCP tool list, and installs the tools on an SDK server; calls then run through the pipeline
 * (validate → audit context → vault → result mapping → Connect-URL recovery).
 */
import type { AlterVault, Logger } from '@alter/vault';
import { createDefaultLogger, InvalidArgumentError } from '@alter/vault';
import { ToolRegistrationError } from './errors.js';
import type { CallerAuthInfo, ToolDefinition, ToolTable } from './internal/call-env.js';
import { type CompiledTool, compileModule, type Problem } from './internal/module-scanner.js';
import { isToolCallContext } from './internal/tool-call-context.js';
import { ToolRunner } from './internal/tool-runner.js';
import { installToolTable, lowLevelServer, type McpServerLike, sdkToolNames } from './sdk-adapter.js';

/** A tool module: a class (constructed with no arguments, or by `moduleFactory`) or an instance. */
export type ToolModule = (abstract new (...args: never[]) => object) | object;

/** Options of {@link AlterMCP}. */
export interface AlterMCPOptions {
  /** The user tools run as when the request carries no auth info (stdio servers, local tools). */
  readonly defaultUser?: string;
  /**
   * Maps verified auth info to the Alter user id when `authInfo.extra.user` is not set.
   * An authenticated request without a resolvable user is refused, never run as `defaultUser`.
   */
  readonly userFromAuth?: (authInfo: CallerAuthInfo) => string | undefined;
  /** Builds module instances from classes (for DI containers). Default: `new Module()`. */
  readonly moduleFactory?: (moduleClass: abstract new (...args: never[]) => object) => object;
  /** Prefix added to every tool name (e.g. `google_`). */
  readonly toolNamePrefix?: string;
  /** Longest chain of nested tool calls (default 8). */
  readonly maxNestingDepth?: number;
  /** Logger (default: the vault's default logger). */
  readonly logger?: Logger;
}

interface CompiledModule {
  readonly tools: readonly CompiledTool[];
}

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
  readonly #prefix: string;
  readonly #factory: AlterMCPOptions['moduleFactory'];
  readonly #modules = new Map<object, CompiledModule>();
  readonly #namesByServer = new WeakMap<object, Set<string>>();

  /** @throws InvalidArgumentError naming the bad argument. */
  constructor(vault: AlterVault, options: AlterMCPOptions = {}) {
    if (vault === null || typeof vault !== 'object' || typeof (vault as { request?: unknown }).request !== 'function') {
      throw new InvalidArgumentError('vault', 'new AlterMCP(vault, options) needs an AlterVault');
    }
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'must be an object');
    if (options.defaultUser !== undefined && (typeof options.defaultUser !== 'string' || options.defaultUser.trim() === '')) {
      throw new InvalidArgumentError('options.defaultUser', 'must be a non-empty string');
    }
    if (options.userFromAuth !== undefined && typeof options.userFromAuth !== 'function') throw new InvalidArgumentError('options.userFromAuth', 'must be a function');
    if (options.moduleFactory !== undefined && typeof options.moduleFactory !== 'function') throw new InvalidArgumentError('options.moduleFactory', 'must be a function');
    if (options.toolNamePrefix !== undefined && typeof options.toolNamePrefix !== 'string') throw new InvalidArgumentError('options.toolNamePrefix', 'must be a string');
    const depth = options.maxNestingDepth ?? 8;
    if (!Number.isInteger(depth) || depth < 1) throw new InvalidArgumentError('options.maxNestingDepth', 'must be an integer ≥ 1');
    this.vault = vault;
    this.#logger = options.logger ?? createDefaultLogger();
    this.#prefix = options.toolNamePrefix ?? '';
    this.#factory = options.moduleFactory;
    this.#runner = new ToolRunner(vault, this.#logger, {
      defaultUser: options.defaultUser,
      userFromAuth: options.userFromAuth,
      maxNestingDepth: depth,
    });
  }

  /**
   * Validates `modules` and registers their tools on `server` (an `McpServer` — whose own
   * `registerTool` tools keep working — or a low-level `Server`). Call before `server.connect()`.
   * Registering the same modules on several servers (one per HTTP session) reuses the instances
   * and the precomputed schemas.
   *
   * @returns the names of the tools registered.
   * @throws ToolRegistrationError listing every problem (class.method, what, likely fixes).
   * @throws ServeError when `server` is not an SDK server or is already connected.
   */
  register(server: McpServerLike, modules: readonly ToolModule[]): readonly string[] {
    if (!Array.isArray(modules)) throw new InvalidArgumentError('modules', 'register(server, modules) needs an array of tool classes or instances');
    const low = lowLevelServer(server);
    const problems: Problem[] = [];
    const tools: CompiledTool[] = [];
    for (const [i, module] of modules.entries()) {
      const compiled = this.#compile(module, i, problems);
      if (compiled) tools.push(...compiled.tools);
    }
    const taken = this.#namesByServer.get(low) ?? new Set<string>();
    const sdkNames = new Set(sdkToolNames(server));
    const seen = new Map<string, CompiledTool>();
    for (const t of tools) {
      const other = seen.get(t.name);
      if (other) {
        problems.push({
          member: t.member,
          problem: `tool name "${t.name}" is also used by ${other.member}.`,
          fixes: ['Give one of them another name: @AlterTool(..., { name: "…" }).', 'Use toolNamePrefix on one of two AlterMCP instances.', 'Do not list the same module twice.'],
        });
      } else if (taken.has(t.name) || sdkNames.has(t.name)) {
        problems.push({
          member: t.member,
          problem: `tool name "${t.name}" is already registered on this server${sdkNames.has(t.name) ? ' with registerTool()' : ''}.`,
          fixes: ['Rename one of the tools.', 'Register each module once per server.'],
        });
      }
      seen.set(t.name, t);
    }
    if (problems.length > 0) throw new ToolRegistrationError(problems);

    const byName = new Map(tools.map((t) => [t.name, t] as const));
    const listing: readonly ToolDefinition[] = Object.freeze(tools.map((t) => t.definition));
    const runner = this.#runner;
    const table: ToolTable = {
      listing,
      has: (name) => byName.has(name),
      call: (name, args, env) => runner.call(byName.get(name)!, args, env),
    };
    installToolTable(server, table);
    for (const t of tools) taken.add(t.name);
    this.#namesByServer.set(low, taken);
    alterByServer.set(server, this);
    alterByServer.set(low, this);
    this.#logger.debug('registered tools', { count: tools.length });
    return Object.freeze(tools.map((t) => t.name));
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
          fixes: ['Give the class a constructor without required arguments.', 'Pass an instance instead of the class.', 'Pass moduleFactory in the AlterMCP options (DI containers).'],
        });
        return undefined;
      }
      if (instance === null || typeof instance !== 'object') {
        problems.push({ member: className, problem: 'moduleFactory returned no object.', fixes: ['Return an instance of the class from moduleFactory.'] });
        return undefined;
      }
    } else if (module !== null && typeof module === 'object') {
      instance = module;
      className = module.constructor?.name ?? `modules[${index}]`;
    } else {
      problems.push({ member: `modules[${index}]`, problem: `is ${module === null ? 'null' : typeof module}, not a tool class or instance.`, fixes: ['Pass tool classes or their instances.'] });
      return undefined;
    }
    const result = compileModule(instance, className, { toolNamePrefix: this.#prefix, providerIds: providerIdsOf(this.vault) });
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
    const original = tool.method;
    const wrapper = function (this: unknown, ...args: unknown[]): unknown {
      if (isToolCallContext(args[0])) return runner.callNested(tool, args[0], args[1]);
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

function providerIdsOf(vault: AlterVault): readonly string[] {
  const ids = (vault as { providerIds?: unknown }).providerIds;
  return Array.isArray(ids) ? (ids as string[]) : [];
}
