/**
 * Picks the SDK adapter for a server. Each adapter module imports its own SDK generation, and is
 * loaded here only if that generation is installed: with only `@modelcontextprotocol/sdk` (v1)
 * installed, nothing of `@modelcontextprotocol/server` (v2) is loaded, and the other way round.
 *
 * The choice is made by class (`instanceof`) or, for a second copy of an SDK, by shape: v2's
 * `Server` has the public `projectCallToolResult()`, v1's does not. Neither check imports the
 * other generation.
 */
import { ServeError } from '../errors.js';
import type { McpServerLike, SdkAdapter } from './sdk-seam.js';

/**
 * `import()` of an adapter, or `undefined` when its SDK package is not installed. Any other failure
 * (the package is installed but broken, a dependency of it is missing) is rethrown: a half-installed
 * SDK must not silently look absent.
 */
async function loadIfInstalled<T>(sdkPackage: string, load: () => Promise<T>): Promise<T | undefined> {
  try {
    return await load();
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    const message = err instanceof Error ? err.message : '';
    const missing =
      (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
      (message.includes(`'${sdkPackage}'`) || message.includes(`'${sdkPackage}/`));
    if (missing) return undefined;
    throw err;
  }
}

// Module specifiers of the adapters are literals so bundlers still see them.
const loaded: readonly SdkAdapter[] = [
  await loadIfInstalled('@modelcontextprotocol/sdk', async () => (await import('./sdk-v1-adapter.js')).sdkV1Adapter),
  await loadIfInstalled('@modelcontextprotocol/server', async () => (await import('./sdk-v2-adapter.js')).sdkV2Adapter),
].filter((a): a is SdkAdapter => a !== undefined);

/**
 * The 2026-07-28 (stateless) era's serving, present when SDK v2 is installed: the only SDK that
 * implements that revision. Loaded after the adapters (it builds on the v2 one).
 */
export const modernEra: typeof import('./modern-era.js') | undefined = await loadIfInstalled(
  '@modelcontextprotocol/server',
  () => import('./modern-era.js'),
);

/** The adapters whose SDK is installed (for tests and diagnostics). */
export const installedSdkAdapters: readonly SdkAdapter[] = Object.freeze(loaded);

/**
 * The adapter for `server`.
 * @throws ServeError when `server` is not an `McpServer`/`Server` of an installed SDK generation.
 */
export function sdkAdapterFor(server: McpServerLike): SdkAdapter {
  if (server !== null && typeof server === 'object') {
    for (const adapter of loaded) if (adapter.accepts(server)) return adapter;
  }
  const installed = loaded.map((a) => `${a.sdk.name}@${a.sdk.version}`).join(', ') || 'none';
  throw new ServeError(
    `register(server, modules): server must be an McpServer or a Server from @modelcontextprotocol/sdk 1.x or @modelcontextprotocol/server 2.x (installed next to @alter/mcp: ${installed}). Install the SDK generation your server is built with.`,
  );
}
