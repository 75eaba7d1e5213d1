/**
 * The auth server's client registry (the SDK's `OAuthRegisteredClientsStore`): dynamically
 * registered clients (RFC 7591) in the vault store, and Client ID Metadata Document clients
 * fetched from their URL and cached for a few minutes.
 */
import type { OAuthRegisteredClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js';
import type { OAuthClientInformationFull } from '@modelcontextprotocol/sdk/shared/auth.js';
import { OAuthError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { Logger, SealedSecret } from '@alter/vault';
import type { AuthRecords } from './auth-records.js';
import { ClientMetadataDocumentError, fetchClientMetadataDocument, isClientIdUrl } from './client-id-metadata-document.js';
import { normalizeClientMetadata } from './client-metadata.js';

const DOCUMENT_CACHE_MS = 5 * 60 * 1000;

export interface ClientsStoreDeps {
  readonly records: AuthRecords;
  readonly supportedScopes: readonly string[];
  /** Allow `http://` client id URLs on loopback hosts (local development and tests). */
  readonly allowLoopbackClientIds: boolean;
  seal(plain: string): SealedSecret;
  open(sealed: SealedSecret): string;
  readonly logger: Logger;
}

/**
 * The registry behind `auth.clientsStore` (built by {@link AlterAuthProvider}; you rarely need it
 * directly). `getClient` never returns a client whose secret is missing.
 */
export class AlterClientsStore implements OAuthRegisteredClientsStore {
  readonly #deps: ClientsStoreDeps;

  constructor(deps: ClientsStoreDeps) {
    this.#deps = deps;
  }

  async getClient(clientId: string): Promise<OAuthClientInformationFull | undefined> {
    if (typeof clientId !== 'string' || clientId === '' || clientId.length > 2048) return undefined;
    if (isClientIdUrl(clientId)) return this.#documentClient(clientId);
    const entry = await this.#deps.records.clients.get(clientId);
    if (!entry) return undefined;
    const client: OAuthClientInformationFull = { ...entry.value };
    if (entry.value.token_endpoint_auth_method !== 'none') {
      const sealed = await this.#deps.records.clientSecrets.get(clientId);
      // A confidential client whose secret is gone cannot authenticate; never treat it as public.
      if (!sealed) return undefined;
      client.client_secret = this.#deps.open(sealed);
    }
    return client;
  }

  /**
   * Validates and stores a client the SDK's registration handler has given an id (and, unless
   * public, a secret). @throws InvalidClientMetadataError / InvalidRedirectUriError (→ 400).
   */
  async registerClient(client: Omit<OAuthClientInformationFull, 'client_id' | 'client_id_issued_at'>): Promise<OAuthClientInformationFull> {
    const full = client as OAuthClientInformationFull;
    const record = normalizeClientMetadata(full, this.#deps.supportedScopes);
    if (record.token_endpoint_auth_method !== 'none') {
      if (typeof full.client_secret !== 'string' || full.client_secret === '') throw new Error('registerClient: the registration handler generated no client secret');
      await this.#deps.records.clientSecrets.put(record.client_id, this.#deps.seal(full.client_secret));
    }
    await this.#deps.records.clients.put(record.client_id, record);
    this.#deps.logger.info('auth: client registered', { clientId: record.client_id, clientName: record.client_name ?? null, redirectUris: record.redirect_uris });
    return record.token_endpoint_auth_method === 'none' ? { ...record } : { ...record, client_secret: full.client_secret };
  }

  async #documentClient(clientId: string): Promise<OAuthClientInformationFull | undefined> {
    const cached = await this.#deps.records.clientDocuments.get(clientId);
    if (cached) return { ...cached.value };
    try {
      const doc = await fetchClientMetadataDocument(clientId, this.#deps.allowLoopbackClientIds);
      const record = normalizeClientMetadata({ ...(doc as unknown as OAuthClientInformationFull), client_id: clientId }, this.#deps.supportedScopes, { publicOnly: true });
      await this.#deps.records.clientDocuments.put(clientId, record, new Date(Date.now() + DOCUMENT_CACHE_MS));
      return { ...record };
    } catch (err) {
      // A bad document means "unknown client" on the wire; anything else (store down) propagates.
      if (!(err instanceof ClientMetadataDocumentError || err instanceof OAuthError)) throw err;
      this.#deps.logger.warn('auth: client id metadata document refused', { clientId, reason: err.message });
      return undefined;
    }
  }
}
