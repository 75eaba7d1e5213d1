/**
 * Options of `AlterAuthProvider` that are not public API: tests reach them through this symbol,
 * which `index.ts` does not export. Internal.
 */
import type { ResolveHost } from '../safe-fetch.js';

/** Key of the DNS resolver used for Client ID Metadata Document fetches (default `dns.lookup`). */
export const RESOLVE_HOST: unique symbol = Symbol('alter.auth.resolveHost');

/** What the provider reads besides its public options. */
export interface InternalAuthProviderOptions {
  readonly [RESOLVE_HOST]?: ResolveHost;
}
