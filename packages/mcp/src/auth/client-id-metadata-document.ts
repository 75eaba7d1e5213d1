/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, MCP 2025-11-25): a
 * client whose `client_id` is an https URL publishes its metadata at that URL; the server fetches
 * it instead of requiring registration. Fetching a URL the client chose is an SSRF vector, so:
 * https only; plain http only to a loopback host and only when explicitly allowed (local
 * development and tests); the host is resolved once and every address must be public
 * (outbound-address-policy.ts; loopback too when allowed), and the connection goes only to those
 * checked addresses (safe-fetch.ts); no redirects; 5 s deadline; 64 KiB cap.
 */
import { isLoopbackHost } from '@alter/vault/internal';
import { type ResolveHost, SafeFetchError, type SafeFetchResponse, safeFetch } from './safe-fetch.js';

const MAX_BYTES = 64 * 1024;
const TIMEOUT_MS = 5000;

/** Error reading a client id metadata document; the message is safe to log (never sent to the client). */
export class ClientMetadataDocumentError extends Error {
  readonly code = 'client_metadata_document';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** True when `clientId` has the shape of a metadata-document client id (an http(s) URL). */
export function isClientIdUrl(clientId: string): boolean {
  return /^https?:\/\//i.test(clientId) && URL.canParse(clientId);
}

/**
 * Why `clientId` may not be fetched, or undefined when it may be. Rules of the draft: https, a
 * path, no fragment, no credentials, no dot segments.
 */
export function clientIdUrlProblem(clientId: string, allowLoopback: boolean): string | undefined {
  if (!isClientIdUrl(clientId)) return 'is not an https URL';
  const url = new URL(clientId);
  if (url.hash !== '' || clientId.includes('#')) return 'has a fragment';
  if (url.username !== '' || url.password !== '') return 'contains credentials';
  if (url.pathname === '/' || url.pathname === '') return 'has no path';
  if (/(^|\/)\.\.?(\/|$)/.test(clientId.slice(url.origin.length))) return 'has dot segments';
  const loopback = isLoopbackHost(url.hostname);
  if (loopback && !allowLoopback) return 'points to a loopback host';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    return 'must use https (plain http is accepted on loopback only, when allowed)';
  return undefined;
}

/** Options of {@link fetchClientMetadataDocument}. */
export interface FetchClientMetadataDocumentOptions {
  /** Accept loopback hosts and addresses (and plain http to them): development and tests only. */
  readonly allowLoopback: boolean;
  /** DNS resolution; tests inject one. Default `dns.lookup`. */
  readonly resolve?: ResolveHost;
}

/**
 * Fetches and parses the document (a JSON object naming `clientId`), through {@link safeFetch}:
 * resolved once, every address checked, connected only to the checked addresses.
 * @throws ClientMetadataDocumentError.
 */
export async function fetchClientMetadataDocument(
  clientId: string,
  options: FetchClientMetadataDocumentOptions,
): Promise<Record<string, unknown>> {
  const problem = clientIdUrlProblem(clientId, options.allowLoopback);
  if (problem) throw new ClientMetadataDocumentError(`client_id URL ${problem}`);
  let res: SafeFetchResponse;
  try {
    res = await safeFetch(new URL(clientId), {
      allowLoopback: options.allowLoopback,
      maxBytes: MAX_BYTES,
      timeoutMs: TIMEOUT_MS,
      accept: 'application/json',
      ...(options.resolve ? { resolve: options.resolve } : {}),
    });
  } catch (err) {
    if (!(err instanceof SafeFetchError)) throw err;
    throw new ClientMetadataDocumentError(`client metadata document could not be fetched: ${err.message}`, { cause: err });
  }
  if (res.status < 200 || res.status > 299) throw new ClientMetadataDocumentError(`client metadata document answered HTTP ${res.status}`);
  let doc: unknown;
  try {
    doc = JSON.parse(res.body.toString('utf8'));
  } catch {
    throw new ClientMetadataDocumentError('client metadata document is not JSON');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw new ClientMetadataDocumentError('client metadata document is not a JSON object');
  const record = doc as Record<string, unknown>;
  if (record.client_id !== clientId) throw new ClientMetadataDocumentError('client metadata document names a different client_id');
  for (const forbidden of ['client_secret', 'client_secret_expires_at']) {
    if (forbidden in record) throw new ClientMetadataDocumentError(`client metadata document must not contain ${forbidden}`);
  }
  return record;
}
