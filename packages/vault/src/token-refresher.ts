/**
 * Seam between the token pipeline (token-manager.ts: cache, single-flight, refresh lease, persist)
 * and the OAuth protocol work (oauth-client.ts: the refresh_token grant over HTTP).
 */
import type { ProviderConfig } from './provider-config.js';

/** Fresh tokens from a refresh. `refreshToken` is set when the provider rotated it. */
export interface RefreshedTokens {
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly expiresAt: Date | null;
  /** Granted scopes, when the provider reported them. */
  readonly scopes?: readonly string[];
}

/** Performs the refresh_token grant for one provider. */
export interface TokenRefresher {
  /**
   * @throws TokenRefreshError on failure; with `invalidGrant: true` semantics signalled by
   *   {@link InvalidGrantSignal} when the provider answered `invalid_grant` (the grant is dead).
   */
  refresh(refreshToken: string, options?: { signal?: AbortSignal }): Promise<RefreshedTokens>;
}

/** Thrown by a {@link TokenRefresher} when the provider says the refresh token is no longer valid. */
export class InvalidGrantSignal extends Error {
  constructor(readonly provider: ProviderConfig['id']) {
    super(`The ${provider} refresh token was rejected (invalid_grant).`);
    this.name = 'InvalidGrantSignal';
  }
}
