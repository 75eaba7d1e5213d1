import type { AdapterPayload } from 'oidc-provider';
import type { SandboxClients } from './sandbox-clients.js';

/**
 * Registered when no redirect URI was given yet: oidc-provider needs at least one, and this one
 * (port 1 on loopback) is never a real callback, so an unregistered callback still fails exactly.
 */
const PLACEHOLDER_REDIRECT = 'http://127.0.0.1:1/sandbox-register-your-redirect-uri';

/**
 * The sandbox's OAuth clients, one per emulated provider and custom service, served to oidc-provider through the
 * adapter (not its static `clients` list) so redirect URIs registered after start are seen at
 * once. oidc-provider re-validates the metadata whenever it changes and keeps matching exact.
 */
export class ClientRegistry {
  readonly #all = new Set<string>();
  readonly #byProvider = new Map<string, Set<string>>();
  readonly #clients: SandboxClients;

  constructor(clients: SandboxClients) {
    this.#clients = clients;
  }

  /** Adds a redirect URI for every client, or for one provider's client. */
  register(uri: string, provider?: string): void {
    if (provider === undefined) {
      this.#all.add(uri);
      return;
    }
    let set = this.#byProvider.get(provider);
    if (!set) {
      set = new Set();
      this.#byProvider.set(provider, set);
    }
    set.add(uri);
  }

  /** The redirect URIs registered for a provider's client. */
  redirectUris(provider: string): string[] {
    return [...new Set([...this.#all, ...(this.#byProvider.get(provider) ?? [])])];
  }

  /** Client metadata for oidc-provider, or undefined for an unknown client id. */
  metadata(clientId: string): AdapterPayload | undefined {
    const p = this.#clients.byClientId(clientId);
    if (!p) return undefined;
    const uris = this.redirectUris(p.id);
    return {
      client_id: p.clientId,
      client_secret: p.clientSecret,
      client_name: p.displayName,
      redirect_uris: uris.length ? uris : [PLACEHOLDER_REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    };
  }
}
