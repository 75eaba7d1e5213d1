/**
 * Loads the session serving (http/http-session-kit.ts) of one SDK generation, on first use: a v1
 * server's sessions are served by SDK v1's transport, a v2 server's by SDK v2's. Nothing of the
 * other generation is imported, so serveHttp works in an app that installs only one of them.
 */
import { DependencyMissingError } from '@alter/vault';
import type { HttpSessionKit } from '../http/http-session-kit.js';
import type { SdkAdapter } from './sdk-seam.js';

const kits = new Map<SdkAdapter['generation'], Promise<HttpSessionKit>>();

/** True when `err` says `sdkPackage` itself cannot be found (not a module it imports). */
function isSdkMissing(err: unknown, sdkPackage: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : '';
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    (message.includes(`'${sdkPackage}'`) || message.includes(`'${sdkPackage}/`))
  );
}

async function load(generation: SdkAdapter['generation']): Promise<HttpSessionKit> {
  // Module specifiers are literals so bundlers still see them.
  const [sdkPackage, importKit] =
    generation === 'v1'
      ? ['@modelcontextprotocol/sdk', async () => (await import('./http-sessions-v1.js')).httpSessionsV1]
      : ['@modelcontextprotocol/server', async () => (await import('./http-sessions-v2.js')).httpSessionsV2];
  try {
    return await importKit();
  } catch (cause) {
    if (isSdkMissing(cause, sdkPackage)) {
      throw new DependencyMissingError({
        module: sdkPackage,
        feature: `serveHttp of an SDK ${generation} server`,
        dependencyOf: '@alter/mcp',
        cause,
      });
    }
    throw cause;
  }
}

/**
 * The session serving for servers of `adapter`'s SDK generation.
 * @throws DependencyMissingError naming the install command when that SDK's HTTP transport cannot
 *   be resolved (a server of a generation is normally proof that it is installed; a bundle that
 *   left its transport out is not).
 */
export function httpSessionKitFor(adapter: SdkAdapter): Promise<HttpSessionKit> {
  let kit = kits.get(adapter.generation);
  if (!kit) {
    kit = load(adapter.generation);
    // A failed load is retried on the next call (after the package was installed), not cached.
    kit.catch(() => kits.delete(adapter.generation));
    kits.set(adapter.generation, kit);
  }
  return kit;
}
