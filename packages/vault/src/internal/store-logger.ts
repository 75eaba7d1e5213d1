/**
 * A package-internal seam: AlterVault hands its logger to a built-in store that was not given
 * one, so a store's own warnings (a PostgreSQL connection lost while idle) reach the same logger
 * as everything else. Not part of GrantStore: custom stores log however they like.
 */
import type { Logger } from '../logger.js';

/** Method key a built-in store implements to accept the vault's logger. */
export const STORE_LOGGER = Symbol('alter.vault.internal.store-logger');

/** Gives `logger` to `store` when the store accepts one (built-in stores do). */
export function offerStoreLogger(store: object, logger: Logger): void {
  const accept = (store as { [STORE_LOGGER]?: unknown })[STORE_LOGGER];
  if (typeof accept === 'function') accept.call(store, logger);
}
