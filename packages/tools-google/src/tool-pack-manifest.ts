/**
 * What a tool pack tells a server about itself: the provider it calls, the hosts its requests
 * go to, and the scopes each tool needs. A server hands `allScopes` to a Connect session or to
 * `AlterAuthProvider` so that one consent covers every tool it registered.
 *
 * The same shape is exported by every Alter tool pack (it is structural; packs do not depend on
 * each other).
 */
export interface ToolPackManifest<TTool extends string = string> {
  /** Provider id, as in `@AlterTool(provider)` and `vault.request(provider, …)`. */
  readonly provider: string;
  /** Hosts the pack's requests go to; each must be in the provider's allowlist. */
  readonly hosts: readonly string[];
  /** Tool name (unprefixed) → scopes it needs. */
  readonly scopesByTool: Readonly<Record<TTool, readonly string[]>>;
  /** Union of every tool's scopes, deduplicated, in first-seen order. */
  readonly allScopes: readonly string[];
}

/**
 * Builds a frozen manifest, computing `allScopes` from `scopesByTool`.
 * @internal shared by this pack's manifest file; not exported from the package.
 */
export function defineManifest<TTool extends string>(
  provider: string,
  hosts: readonly string[],
  scopesByTool: Readonly<Record<TTool, readonly string[]>>,
): ToolPackManifest<TTool> {
  const all = new Set<string>();
  for (const scopes of Object.values<readonly string[]>(scopesByTool)) for (const s of scopes) all.add(s);
  return Object.freeze({
    provider,
    hosts: Object.freeze([...hosts]),
    scopesByTool,
    allScopes: Object.freeze([...all]),
  });
}
