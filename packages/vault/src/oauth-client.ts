// OWNED BY the Connect/refresh engineer: replaced by the oauth4webapi-based client.
// Placeholder so the token pipeline compiles while both are built in parallel.
import { TokenRefreshError } from './errors.js';
import type { ProviderConfig } from './provider-config.js';
import type { TokenRefresher } from './token-refresher.js';

export function createOAuthClient(provider: ProviderConfig): TokenRefresher {
  return {
    async refresh() {
      throw new TokenRefreshError({ provider: provider.id, user: '?', detail: 'refresh is not wired yet' });
    },
  };
}
