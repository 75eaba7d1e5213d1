/** Scope lists: merging the provider's defaults with a request's, and reading granted scopes back. */

/** Union of scope lists in first-seen order, without duplicates or empty entries. */
export function mergeScopes(...lists: ReadonlyArray<readonly string[] | undefined>): string[] {
  const seen = new Set<string>();
  for (const list of lists) {
    for (const scope of list ?? []) {
      const trimmed = scope.trim();
      if (trimmed) seen.add(trimmed);
    }
  }
  return [...seen];
}

/**
 * Splits a granted-scope string. Tolerates both separators because providers are inconsistent
 * (GitHub asks for spaces and answers with commas).
 */
export function parseScopeString(value: unknown, separator: string): string[] | undefined {
  if (typeof value !== 'string') return undefined;
  const parts = value.split(separator === ' ' ? /\s+/ : new RegExp(`[${escapeForClass(separator)}\\s]+`));
  return mergeScopes(parts);
}

function escapeForClass(s: string): string {
  return s.replace(/[\\\]^-]/g, '\\$&');
}
