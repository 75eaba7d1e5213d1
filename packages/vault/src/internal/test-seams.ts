/**
 * Test seams that are deliberately NOT part of the public API (not exported from index.ts): unit
 * tests of this package drive the token pipeline with an in-test refresher standing in for a
 * remote token endpoint. Real refresh goes through oauth-client.ts.
 */
import type { ProviderConfig } from '../provider-config.js';
import type { TokenRefresher } from '../token-refresher.js';

const REFRESHER = Symbol('alter.vault.internal.refresher');

export type RefresherFactory = (provider: ProviderConfig) => TokenRefresher;

/** Returns a copy of `options` whose vault uses `factory` instead of createOAuthClient. */
export function withRefresher<T extends object>(options: T, factory: RefresherFactory): T {
  return { ...options, [REFRESHER]: factory };
}

export function refresherOf(options: object): RefresherFactory | undefined {
  return (options as { [REFRESHER]?: RefresherFactory })[REFRESHER];
}
