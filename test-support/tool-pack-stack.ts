/**
 * The real stack a tool pack runs in, for the e2e tests of `packages/tools-*`: the sandbox (OAuth
 * server + fake provider APIs on 127.0.0.1), an AlterVault on a SQLite file in a temp dir, AlterMCP
 * registering the pack on an McpServer, and the SDK's real Client over InMemoryTransport. Nothing
 * is mocked.
 *
 * Why the MCP SDK is passed in (`McpSdk`) instead of imported here: this folder sits at the
 * workspace root, and pnpm does not hoist `@modelcontextprotocol/sdk` there (it is a dependency of
 * `@alter/mcp` and a devDependency of each pack), so neither Node nor tsc can resolve it from
 * here. Each pack's `test/e2e/support/pack-stack.ts` binds its own copy of the SDK — the one its
 * package.json declares — and re-exports this harness; the tests import that binding.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlterMCP, type McpServerLike, type RegisterOptions, type ToolModule } from '@alter/mcp';
import { createLeakCheck, type LeakCheck, type Sandbox, startSandbox } from '@alter/testing';
import { AlterVault, type PolicyOptions } from '@alter/vault';
import fc from 'fast-check';

/** The user tools run as (AlterMCP's `defaultUser`) and who approves Connect by default. */
export const USER = 'alice';
/** A Connect URL as it appears in a tool's "connect first" answer. */
export const CONNECT_URL = /https?:\/\/[^\s"')]+\/connect\/[A-Za-z0-9_-]{20,64}/;

/** The emulated providers a pack can be tested against. */
export type PackProviderId = 'google' | 'github' | 'slack';

/** What the harness needs of the SDK's `Client`; the SDK's own class satisfies it. */
export interface SdkClientLike {
  connect(transport: unknown): Promise<void>;
  close(): Promise<void>;
  callTool(params: { name: string; arguments?: Record<string, unknown> }): Promise<object>;
  listTools(): Promise<{ tools: ReadonlyArray<{ name: string; inputSchema: { properties?: unknown } }> }>;
}

/** The three SDK classes the harness builds the stack from (pass the SDK's own). */
export interface McpSdk<C extends SdkClientLike> {
  readonly McpServer: new (info: {
    name: string;
    version: string;
  }) => McpServerLike & { connect(transport: unknown): Promise<void>; close(): Promise<void> };
  readonly Client: new (info: { name: string; version: string }) => C;
  readonly InMemoryTransport: { createLinkedPair(): [unknown, unknown] };
}

/** The result of `client.callTool()` for the SDK client type `C`. */
export type CallResultOf<C extends SdkClientLike> = Awaited<ReturnType<C['callTool']>>;

/** The parts of a tool result the harness reads. */
interface ToolResultView {
  readonly isError?: boolean;
  readonly content?: ReadonlyArray<{ type: string; text?: string }>;
  readonly structuredContent?: unknown;
}

/** A running stack; `close()` it, then `leaks.assertClean()`. */
export interface PackStack<C extends SdkClientLike = SdkClientLike> {
  readonly sandbox: Sandbox;
  readonly vault: AlterVault;
  readonly client: C;
  readonly leaks: LeakCheck;
  /** Connects `user` (default `USER`) to `provider` with `scopes`: a Connect session and the sandbox's headless approval. */
  connect(provider: string, scopes: readonly string[], user?: string): Promise<void>;
  /** Calls a tool; every result goes through the leak check. */
  call(name: string, args?: Record<string, unknown>): Promise<CallResultOf<C>>;
  /** Calls a tool that must succeed and returns its structured content. */
  callOk<T = Record<string, unknown>>(name: string, args?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

/** The text parts of a tool result, joined by newlines. */
export function textOf(result: object): string {
  return ((result as ToolResultView).content ?? [])
    .filter((c) => c.type === 'text')
    .map((c) => c.text ?? '')
    .join('\n');
}

/** Options of {@link startToolPackStack}. */
export interface PackStackOptions {
  /** The vault's egress policy; default {@link PACK_SUITE_POLICY}. */
  readonly policy?: PolicyOptions;
}

/**
 * The pack suites run with deny-by-default: a pack tool that declared no endpoints cannot reach
 * its provider, and a declared one is held to its declaration (docs/policies.md). So every pack
 * e2e test also proves its tools stay inside their declared endpoints.
 */
export const PACK_SUITE_POLICY: PolicyOptions = Object.freeze({ undeclared: 'deny' });

/**
 * Starts the stack with `modules` registered for the given providers: whole, or once per entry of
 * `registrations` (each a `register()` options object: prefix, include, exclude).
 */
export async function startToolPackStack<C extends SdkClientLike>(
  sdk: McpSdk<C>,
  providerIds: readonly PackProviderId[],
  modules: readonly ToolModule[],
  registrations: readonly RegisterOptions[] = [{}],
  options: PackStackOptions = {},
): Promise<PackStack<C>> {
  const leaks = createLeakCheck();
  const sandbox = await startSandbox();
  const dir = mkdtempSync(join(tmpdir(), 'alter-pack-test-'));
  const vault = new AlterVault({
    caller: 'tools-e2e',
    store: join(dir, 'vault.db'),
    encryptionKey: leaks.secret(randomBytes(32).toString('base64'), 'encryption key'),
    providers: providerIds.map((id) => sandbox.provider(id)),
    logger: leaks.logger,
    policy: options.policy ?? PACK_SUITE_POLICY,
  });
  for (const id of providerIds) leaks.secret(sandbox.provider(id).clientSecret ?? '', `${id} client secret`);
  const connectServer = await vault.connect.listen();
  sandbox.registerRedirectUri(`${connectServer.url}/connect/callback`);
  const server = new sdk.McpServer({ name: 'pack-test', version: '1.0.0' });
  const alter = new AlterMCP(vault, { defaultUser: USER, logger: leaks.logger });
  for (const options of registrations) alter.register(server, [...modules], options);
  const [clientTransport, serverTransport] = sdk.InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new sdk.Client({ name: 'pack-test-client', version: '1.0.0' });
  await client.connect(clientTransport);

  // Every access and refresh token the vault holds becomes a secret the leak check looks for.
  const registerTokens = async () => {
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
  return {
    sandbox,
    vault,
    client,
    leaks,
    async connect(provider, scopes, user = USER) {
      const session = await vault.connect.createSession({ user, providers: { [provider]: [...scopes] } });
      await sandbox.approve(session.url, { login: user });
      const result = await vault.connect.waitFor(session.id, { timeoutMs: 5000 });
      if (result.status !== 'complete') throw new Error(`Connect ${provider} ended ${result.status}: ${result.error?.message}`);
      await registerTokens();
    },
    call,
    async callOk<T>(name: string, args: Record<string, unknown> = {}) {
      const result: ToolResultView = await call(name, args);
      if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
      return result.structuredContent as T;
    },
    async close() {
      await registerTokens();
      for (const row of await vault.audit.query({ limit: 10_000 })) leaks.inspect(row, 'audit row');
      await client.close();
      await server.close();
      await vault.close();
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Throws random JSON arguments at every tool the server lists: each answer must be a result (no
 * protocol error), and no failure may be an internal error or an output-schema mismatch — bad
 * input is rejected by the schema naming the field, and a provider refusal is a ProviderApiError.
 */
export async function fuzzEveryTool(stack: PackStack<SdkClientLike>, runsPerTool = 25): Promise<number> {
  const { tools } = await stack.client.listTools();
  let calls = 0;
  for (const tool of tools) {
    const fields = Object.keys((tool.inputSchema.properties ?? {}) as Record<string, unknown>);
    const args = fc.dictionary(fc.oneof(fc.constantFrom(...fields, 'extra'), fc.string()), fc.jsonValue(), { maxKeys: 6 });
    await fc.assert(
      fc.asyncProperty(args, async (input) => {
        calls += 1;
        const result = await stack.call(tool.name, input as Record<string, unknown>);
        const text = textOf(result);
        if (/internal error|does not match its output schema/i.test(text))
          throw new Error(`${tool.name}(${JSON.stringify(input)}) → ${text}`);
      }),
      { numRuns: runsPerTool },
    );
  }
  return calls;
}
