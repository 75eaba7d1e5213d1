/** The MCP layer's startup check of a tool's declared endpoints (one seam with the vault's host policy). */
import { checkHostAllowed } from '../host-policy.js';
import type { ProviderConfig } from '../provider-config.js';
import { checkDeclaredEndpoints } from './endpoint-pattern.js';

/** @throws InvalidArgumentError for an endpoint that does not parse or names a host the provider does not allow. */
export function checkToolEndpoints(provider: ProviderConfig, endpoints: readonly string[], where: string): void {
  checkDeclaredEndpoints(provider, endpoints, where, (url) => checkHostAllowed(provider, url));
}
