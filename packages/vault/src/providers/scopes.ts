/** Scope lists: merging the provider's defaults with a request's, reading granted scopes back, and the provider's spelling. */
import { InvalidArgumentError } from '../errors.js';
import type { ProviderConfig } from '../provider-config.js';

/**
 * The one place scope names are put into a provider's spelling: tool `scopes`,
 * `vault.connect.createSession({ providers })` and `AlterAuthProvider({ providers })` all call it.
 * Uses the provider's {@link ProviderConfig.normalizeScopes} (Google expands `gmail.readonly` to
 * its URL); other providers' scopes are returned trimmed and de-duplicated.
 *
 * @throws InvalidArgumentError naming `where` for a scope the provider does not know (with the likely spelling).
 * @example
 * normalizeProviderScopes(vault.provider('google'), ['calendar.events'], 'providers.google');
 * // → ['https://www.googleapis.com/auth/calendar.events']
 */
export function normalizeProviderScopes(provider: ProviderConfig, scopes: readonly string[], where: string): string[] {
  if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string' || s.trim() === '')) {
    throw new InvalidArgumentError(where, 'must be an array of non-empty scope strings.');
  }
  const trimmed = mergeScopes(scopes);
  return provider.normalizeScopes ? mergeScopes(provider.normalizeScopes(trimmed, where)) : trimmed;
}

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
