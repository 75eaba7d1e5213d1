/**
 * What a tool pack tells a server about itself: the provider it calls, the hosts its requests
 * go to, and the scopes each tool needs. A server hands `allScopes` to a Connect session or to
 * `AlterAuthProvider` so that one consent covers every tool it registered.
 *
 * Every Alter tool pack exports its manifest with this type (packs import it from `@alter/mcp`,
 * and never depend on each other). `scopesByTool` is keyed by UNPREFIXED tool names — the names
 * `register(server, modules, { include, exclude })` takes.
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
 * Builds a frozen manifest, computing `allScopes` from `scopesByTool` (for pack authors).
 * @example
 * export const githubManifest = defineManifest('github', ['api.github.com'], { list_issues: ['repo'] });
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
