/**
 * The real stack a tool pack runs in, for a pack's own tests: the sandbox (OAuth server + fake
 * provider APIs on 127.0.0.1, with the pack's custom service if it has one), an AlterVault on a
 * SQLite file in a temp dir, AlterMCP registering the pack's tools on the SDK's McpServer, and the
 * SDK's real Client over its InMemoryTransport. A leak check sees every tool result, every log
 * line and (at `close()`) every audit row. Nothing is mocked.
 *
 * Why the pack passes `AlterMCP` and the SDK classes in: `@alter/testing` depends on
 * `@alter/vault` only (the packages depend one way: tools → mcp → vault, testing → vault), and the
 * harness must build the stack from the very copies the pack compiles against.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlterVault, type PolicyOptions } from '@alter/vault';
import type { EmulatedProviderId } from '../emulated-providers.js';
import { invalidArgument } from '../errors.js';
import { createLeakCheck, type LeakCheck, type LeakCheckLogger } from '../leak-check.js';
import { type Sandbox, startSandbox } from '../sandbox.js';
import type { SandboxService } from '../sandbox-service.js';

/** The user tools run as (AlterMCP's `defaultUser`) and who approves Connect, unless `user` says otherwise. */
export const TOOL_PACK_USER = 'alice';

/** What the harness needs of the SDK's `Client`; the SDK's own class (or a subclass) satisfies it. */
export interface SdkClientLike {
  connect(transport: never): Promise<void>;
  close(): Promise<void>;
  callTool(params: { name: string; arguments?: Record<string, unknown> }): Promise<object>;
  listTools(): Promise<{ tools: ReadonlyArray<{ name: string; inputSchema: { properties?: unknown } }> }>;
}

/** What the harness needs of the SDK's `McpServer`. */
export interface SdkServerLike {
  connect(transport: never): Promise<void>;
  close(): Promise<void>;
}

/** The three SDK classes the stack is built from: pass the SDK's own (`Client` may be a subclass). */
export interface McpSdk<C extends SdkClientLike, S extends SdkServerLike> {
  readonly McpServer: new (info: { name: string; version: string }) => S;
  readonly Client: new (info: { name: string; version: string }) => C;
  readonly InMemoryTransport: { createLinkedPair(): [unknown, unknown] };
}

/** What the harness needs of `@alter/mcp`'s `AlterMCP`: pass the class itself. */
export type AlterMcpClass<S, M, R> = new (
  vault: AlterVault,
  options: { readonly defaultUser: string; readonly logger: LeakCheckLogger },
) => { register(server: S, modules: readonly M[], options?: R): unknown };

/** Options of {@link startToolPackHarness}. */
export interface ToolPackHarnessOptions<C extends SdkClientLike, S extends SdkServerLike, M, R> {
  /** The MCP SDK's `McpServer`, `Client` and `InMemoryTransport`. */
  readonly sdk: McpSdk<C, S>;
  /** `AlterMCP` from `@alter/mcp`. */
  readonly AlterMCP: AlterMcpClass<S, M, R>;
  /** The pack's tool classes (or instances), as a server would register them. */
  readonly tools: readonly M[];
  /** Built-in providers the pack calls (`'github'`); their fakes are always there. */
  readonly providers?: readonly EmulatedProviderId[] | undefined;
  /** The pack's own service(s): fake API, scopes, hosts (see `SandboxService`). */
  readonly services?: readonly SandboxService[] | undefined;
  /** One `register()` call per entry (prefix, include, exclude, requireApproval); default one plain call. */
  readonly registrations?: readonly R[] | undefined;
  /** The vault's egress policy; default {@link TOOL_PACK_POLICY} (undeclared endpoints denied). */
  readonly policy?: PolicyOptions | undefined;
  /** The user tools run as; default {@link TOOL_PACK_USER}. */
  readonly user?: string | undefined;
}

/** The parts of a tool result the harness reads. */
interface ToolResultView {
  readonly isError?: boolean;
  readonly content?: ReadonlyArray<{ type: string; text?: string }>;
  readonly structuredContent?: unknown;
}

/** The result of `client.callTool()` for the SDK client type `C`. */
export type CallResultOf<C extends SdkClientLike> = Awaited<ReturnType<C['callTool']>>;

/** A running stack. `close()` it, then `leaks.assertClean()`. */
export interface ToolPackHarness<C extends SdkClientLike = SdkClientLike> {
  readonly sandbox: Sandbox;
  readonly vault: AlterVault;
  /** The SDK's Client, connected. Results of calls made on it directly are not leak-checked: use {@link call}. */
  readonly client: C;
  readonly leaks: LeakCheck;
  /** The user tools run as. */
  readonly user: string;
  /**
   * Connects `user` (default the harness's) to `provider` with `scopes`: a Connect session the
   * sandbox approves headlessly through its real OAuth server. The grant's tokens become secrets
   * the leak check looks for.
   * @throws {Error} when Connect does not complete (the message says how it ended).
   */
  connect(provider: string, scopes: readonly string[], user?: string): Promise<void>;
  /** Calls a tool through MCP; the result goes through the leak check. */
  call(name: string, args?: Record<string, unknown>): Promise<CallResultOf<C>>;
  /**
   * Calls a tool that must succeed and returns its `structuredContent`.
   * @throws {Error} naming the tool and its error text when the result has `isError`.
   */
  callOk<T = Record<string, unknown>>(name: string, args?: Record<string, unknown>): Promise<T>;
  /** Leak-checks every audit row, then closes the client, server, vault and sandbox and removes the temp dir. */
  close(): Promise<void>;
}

/**
 * Pack suites run with deny-by-default: a tool that declared no endpoints cannot reach its
 * provider, and a declared one is held to its declaration (docs/policies.md). So every pack test
 * also proves its tools stay inside their declared endpoints.
 */
export const TOOL_PACK_POLICY: PolicyOptions = Object.freeze({ undeclared: 'deny' });

/** The text parts of a tool result, joined by newlines. */
export function textOf(result: object): string {
  return ((result as ToolResultView).content ?? [])
    .filter((c) => c.type === 'text')
    .map((c) => c.text ?? '')
    .join('\n');
}

/**
 * Starts the stack a pack's tests call its tools through.
 * @throws {SandboxError} `SANDBOX_INVALID_ARGUMENT` for no provider and no service, or a bad service.
 * @example
 * ```ts
 * const pack = await startToolPackHarness({
 *   sdk: { McpServer, Client, InMemoryTransport },
 *   AlterMCP,
 *   tools: [NotesTools],
 *   services: [notesService],
 * });
 * try {
 *   await pack.connect('notes', ['notes:read']);
 *   const { notes } = await pack.callOk<{ notes: unknown[] }>('list_notes');
 * } finally {
 *   await pack.close();
 * }
 * pack.leaks.assertClean();
 * ```
 */
export async function startToolPackHarness<C extends SdkClientLike, S extends SdkServerLike, M, R>(
  options: ToolPackHarnessOptions<C, S, M, R>,
): Promise<ToolPackHarness<C>> {
  const { sdk, AlterMCP: AlterMcp, tools } = options;
  if (typeof AlterMcp !== 'function') throw invalidArgument('options.AlterMCP', "must be AlterMCP from '@alter/mcp'.");
  if (
    !sdk ||
    typeof sdk.McpServer !== 'function' ||
    typeof sdk.Client !== 'function' ||
    typeof sdk.InMemoryTransport?.createLinkedPair !== 'function'
  )
    throw invalidArgument('options.sdk', 'must be { McpServer, Client, InMemoryTransport } from @modelcontextprotocol/sdk.');
  if (!Array.isArray(tools) || tools.length === 0) throw invalidArgument('options.tools', 'must list the tool classes of the pack.');
  const services = options.services ?? [];
  const providerIds = [...(options.providers ?? []), ...services.map((s) => s.id)];
  if (providerIds.length === 0)
    throw invalidArgument('options', 'name the providers the pack calls: providers: ["github"] and/or services: [yourService].');
  const user = options.user ?? TOOL_PACK_USER;

  const leaks = createLeakCheck();
  const sandbox = await startSandbox({ services });
  const dir = mkdtempSync(join(tmpdir(), 'alter-pack-test-'));
  const closers: Array<() => Promise<void>> = [
    async () => {
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  ];
  const closeAll = async () => {
    // In reverse order of starting; every step runs even if one fails, the first failure is rethrown.
    let failure: unknown;
    for (const close of closers.reverse()) await close().catch((err: unknown) => (failure ??= err));
    if (failure !== undefined) throw failure;
  };
  try {
    const vault = new AlterVault({
      caller: 'tool-pack-test',
      store: join(dir, 'vault.db'),
      encryptionKey: leaks.secret(randomBytes(32).toString('base64'), 'encryption key'),
      providers: providerIds.map((id) => sandbox.provider(id)),
      logger: leaks.logger,
      policy: options.policy ?? TOOL_PACK_POLICY,
    });
    closers.push(() => vault.close());
    for (const id of providerIds) leaks.secret(sandbox.client(id).clientSecret, `${id} client secret`);
    const connectServer = await vault.connect.listen();
    sandbox.registerRedirectUri(`${connectServer.url}/connect/callback`);

    const server = new sdk.McpServer({ name: 'tool-pack-test', version: '1.0.0' });
    closers.push(() => server.close());
    const alter = new AlterMcp(vault, { defaultUser: user, logger: leaks.logger });
    for (const registration of options.registrations ?? [undefined]) {
      if (registration === undefined) alter.register(server, tools);
      else alter.register(server, tools, registration);
    }
    const [clientTransport, serverTransport] = sdk.InMemoryTransport.createLinkedPair();
    // The SDK's transports are typed by the SDK; the harness only passes the pair along.
    await server.connect(serverTransport as never);
    const client = new sdk.Client({ name: 'tool-pack-test-client', version: '1.0.0' });
    await client.connect(clientTransport as never);
    closers.push(() => client.close());

    // Every access and refresh token the vault holds becomes a secret the leak check looks for.
    const registerTokens = async () => {
      // The store opens lazily (on the vault's first use): a test that only lists tools never
      // opened it, and reading it directly would throw "not open" at close().
      await vault.ready();
      for (const g of await vault.store.listGrants({ includeRevoked: true })) {
        leaks.secret(vault.openSecret(g.accessToken), `${g.provider} access token of ${g.user}`);
        if (g.refreshToken) leaks.secret(vault.openSecret(g.refreshToken), `${g.provider} refresh token of ${g.user}`);
      }
    };
    const call = async (name: string, args: Record<string, unknown> = {}): Promise<CallResultOf<C>> => {
      // The cast only restores the generic: `callTool` is `C['callTool']`, so this is its result.
      const result = (await client.callTool({ name, arguments: args })) as CallResultOf<C>;
      leaks.inspect(result, `result of ${name}`);
      return result;
    };
    let closed = false;
    return Object.freeze({
      sandbox,
      vault,
      client,
      leaks,
      user,
      async connect(provider: string, scopes: readonly string[], as: string = user) {
        const session = await vault.connect.createSession({ user: as, providers: { [provider]: [...scopes] } });
        await sandbox.approve(session.url, { login: as });
        const result = await vault.connect.waitFor(session.id, { timeoutMs: 30_000 });
        if (result.status !== 'complete')
          throw new Error(`Connect ${provider} for ${as} ended ${result.status}: ${result.error?.message ?? 'no error given'}`);
        await registerTokens();
      },
      call,
      async callOk<T>(name: string, args: Record<string, unknown> = {}) {
        const result: ToolResultView = await call(name, args);
        if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
        return result.structuredContent as T;
      },
      async close() {
        if (closed) return;
        closed = true;
        try {
          await registerTokens();
          for (const row of await vault.audit.query({ limit: 10_000 })) leaks.inspect(row, 'audit row');
        } finally {
          await closeAll();
        }
      },
    });
  } catch (err) {
    try {
      await closeAll();
    } catch (closeErr) {
      throw new AggregateError([err, closeErr], 'startToolPackHarness failed, and closing what it had started failed too.');
    }
    throw err;
  }
}
