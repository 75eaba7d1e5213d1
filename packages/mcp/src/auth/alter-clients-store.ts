/**
 * The auth server's client registry: dynamically
 * registered clients (RFC 7591) in the vault store, and Client ID Metadata Document clients
 * fetched from their URL (through client-document-loader.ts: failures remembered, fetches
 * rate-limited) and cached for a few minutes.
 *
 * Registered clients expire when unused: a registration lives `unusedClientTtlSec` from when it
 * was made or from the last token issued to it (code exchange or refresh), whichever is later.
 * Expired rows (and their sealed secrets) read as absent: the client is unknown (`invalid_client`).
 */
import type { Logger, SealedSecret } from '@alter/vault';
import { isStorableText } from '@alter/vault/internal';
import type { AuthRecords, ClientRecord } from './auth-records.js';
import type { ClientDocumentLimits, RegistrationLimits } from './auth-server-limits.js';
import { ClientDocumentLoader } from './client-document-loader.js';
import { ClientMetadataDocumentError, fetchClientMetadataDocument, isClientIdUrl } from './client-id-metadata-document.js';
import { type UntrustedClientMetadata, normalizeClientMetadata } from './client-metadata.js';
import { OAuthWireError, TooManyRequestsError } from './internal/oauth-errors.js';
import type { OAuthClient } from './oauth-types.js';
import type { ResolveHost } from './safe-fetch.js';

const DOCUMENT_CACHE_MS = 5 * 60 * 1000;
/**
 * A token issued soon after the last extension does not write again: at most one write per
 * client per tenth of its lifetime (capped at a day), not one per refresh.
 */
const MAX_TOUCH_SLACK_MS = 24 * 3600 * 1000;

export interface ClientsStoreDeps {
  readonly records: AuthRecords;
  readonly supportedScopes: readonly string[];
  /** Allow `http://` client id URLs on loopback hosts (local development and tests). */
  readonly allowLoopbackClientIds: boolean;
  readonly registrationLimits: RegistrationLimits;
  readonly documentLimits: ClientDocumentLimits;
  /** Seconds an unused registration lives (see the header); 0: forever. */
  readonly unusedClientTtlSec: number;
  /** DNS resolution for document fetches (tests inject one). */
  readonly resolve?: ResolveHost;
  seal(plain: string): SealedSecret;
  open(sealed: SealedSecret): string;
  readonly logger: Logger;
}

/**
 * The registry behind `auth.clientsStore` (built by {@link AlterAuthProvider}; you rarely need it
 * directly). `getClient` never returns a client whose secret is missing.
 */
export class AlterClientsStore {
  readonly #deps: ClientsStoreDeps;
  readonly #documents: ClientDocumentLoader<ClientRecord>;

  constructor(deps: ClientsStoreDeps) {
    this.#deps = deps;
    this.#documents = new ClientDocumentLoader(deps.documentLimits, (clientId) => this.#fetchDocument(clientId), isDocumentFailure);
  }

  /**
   * The client `clientId` (registered, or a metadata-document URL), or undefined when unknown.
   * An id no store could hold (U+0000, a lone surrogate) is unknown on every store, never a store error.
   */
  async getClient(clientId: string): Promise<OAuthClient | undefined> {
    if (typeof clientId !== 'string' || clientId === '' || clientId.length > 2048 || !isStorableText(clientId)) return undefined;
    if (isClientIdUrl(clientId)) return this.#documentClient(clientId);
    const entry = await this.#deps.records.clients.get(clientId);
    if (!entry) return undefined;
    if (entry.value.token_endpoint_auth_method === 'none') return { ...entry.value };
    const sealed = await this.#deps.records.clientSecrets.get(clientId);
    // A confidential client whose secret is gone cannot authenticate; never treat it as public.
    if (!sealed) return undefined;
    return { ...entry.value, client_secret: this.#deps.open(sealed) };
  }

  /**
   * Validates and stores a client the registration endpoint has given an id (and, unless public,
   * a secret). @throws InvalidClientMetadataError / InvalidRedirectUriError (→ 400).
   */
  async registerClient(full: UntrustedClientMetadata & { readonly client_secret?: string }): Promise<OAuthClient> {
    const record = normalizeClientMetadata(full, this.#deps.supportedScopes, { limits: this.#deps.registrationLimits });
    const expiresAt = this.#unusedUntil();
    if (record.token_endpoint_auth_method !== 'none') {
      if (typeof full.client_secret !== 'string' || full.client_secret === '')
        throw new Error('registerClient: the registration handler generated no client secret');
      await this.#deps.records.clientSecrets.put(record.client_id, this.#deps.seal(full.client_secret), expiresAt);
    }
    await this.#deps.records.clients.put(record.client_id, record, expiresAt);
    this.#deps.logger.info('auth: client registered', {
      clientId: record.client_id,
      clientName: record.client_name ?? null,
      redirectUris: record.redirect_uris,
    });
    return record.token_endpoint_auth_method === 'none' ? { ...record } : { ...record, client_secret: full.client_secret };
  }

  /**
   * Records that a token was issued to `clientId`: a registered client's unused-expiry starts
   * again. Metadata-document clients have no registration to extend. Called by the provider.
   */
  async tokenIssued(clientId: string): Promise<void> {
    if (this.#deps.unusedClientTtlSec === 0 || isClientIdUrl(clientId)) return;
    const entry = await this.#deps.records.clients.get(clientId);
    const until = this.#unusedUntil();
    if (!entry || !until) return;
    const slack = Math.min(MAX_TOUCH_SLACK_MS, (this.#deps.unusedClientTtlSec * 1000) / 10);
    if (entry.expiresAt && until.getTime() - entry.expiresAt.getTime() < slack) return;
    // compare-and-set: a concurrent extension already did the work; never resurrect a deleted row.
    if (!(await this.#deps.records.clients.compareAndSet(clientId, entry.version, entry.value, until))) return;
    if (entry.value.token_endpoint_auth_method !== 'none') {
      const sealed = await this.#deps.records.clientSecrets.get(clientId);
      if (sealed) await this.#deps.records.clientSecrets.put(clientId, sealed, until);
    }
  }

  #unusedUntil(): Date | null {
    return this.#deps.unusedClientTtlSec === 0 ? null : new Date(Date.now() + this.#deps.unusedClientTtlSec * 1000);
  }

  async #documentClient(clientId: string): Promise<OAuthClient | undefined> {
    const cached = await this.#deps.records.clientDocuments.get(clientId);
    if (cached) return { ...cached.value };
    try {
      return { ...(await this.#documents.load(clientId)) };
    } catch (err) {
      // A bad document means "unknown client" on the wire; a fetch limit is 429 (the caller maps
      // it); anything else (store down) propagates.
      if (!isDocumentFailure(err)) throw err;
      this.#deps.logger.warn('auth: client id metadata document refused', { clientId, reason: err.message });
      return undefined;
    }
  }

  async #fetchDocument(clientId: string): Promise<ClientRecord> {
    const doc = await fetchClientMetadataDocument(clientId, {
      allowLoopback: this.#deps.allowLoopbackClientIds,
      ...(this.#deps.resolve ? { resolve: this.#deps.resolve } : {}),
    });
    const record = normalizeClientMetadata({ ...doc, client_id: clientId }, this.#deps.supportedScopes, {
      publicOnly: true,
      limits: this.#deps.registrationLimits,
    });
    await this.#deps.records.clientDocuments.put(clientId, record, new Date(Date.now() + DOCUMENT_CACHE_MS));
    return record;
  }
}

/** Errors that mean "this document is unusable" (remembered by the negative cache); not TooManyRequests. */
function isDocumentFailure(err: unknown): err is Error {
  return err instanceof ClientMetadataDocumentError || (err instanceof OAuthWireError && !(err instanceof TooManyRequestsError));
}
