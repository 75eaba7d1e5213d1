/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, MCP 2025-11-25): a
 * client whose `client_id` is an https URL publishes its metadata at that URL; the server fetches
 * it instead of requiring registration. Fetching a URL the client chose is an SSRF vector, so:
 * https only; plain http only to a loopback host and only when explicitly allowed (local
 * development and tests); hosts that resolve to loopback, private or link-local addresses are
 * refused unless loopback is allowed; no redirects; 5 s timeout; 64 KiB cap.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isLoopbackHost } from '@alter/vault';

const MAX_BYTES = 64 * 1024;
const TIMEOUT_MS = 5000;

/** Error reading a client id metadata document; the message is safe to log. */
export class ClientMetadataDocumentError extends Error {
  constructor(message: string) {
    super(message);
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
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) return 'must use https (plain http is accepted on loopback only, when allowed)';
  return undefined;
}

/** Fetches and parses the document (JSON object). @throws ClientMetadataDocumentError. */
export async function fetchClientMetadataDocument(clientId: string, allowLoopback: boolean): Promise<Record<string, unknown>> {
  const problem = clientIdUrlProblem(clientId, allowLoopback);
  if (problem) throw new ClientMetadataDocumentError(`client_id URL ${problem}`);
  const url = new URL(clientId);
  if (!allowLoopback) await refusePrivateAddresses(url.hostname);
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS), headers: { accept: 'application/json' } });
  } catch (err) {
    throw new ClientMetadataDocumentError(`client metadata document could not be fetched (${err instanceof Error ? err.name : 'error'})`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new ClientMetadataDocumentError(`client metadata document answered HTTP ${res.status}`);
  }
  const length = Number(res.headers.get('content-length') ?? '0');
  if (length > MAX_BYTES) {
    await res.body?.cancel();
    throw new ClientMetadataDocumentError('client metadata document is too large');
  }
  const text = await readCapped(res);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new ClientMetadataDocumentError('client metadata document is not JSON');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new ClientMetadataDocumentError('client metadata document is not a JSON object');
  const record = doc as Record<string, unknown>;
  if (record.client_id !== clientId) throw new ClientMetadataDocumentError('client metadata document names a different client_id');
  for (const forbidden of ['client_secret', 'client_secret_expires_at']) {
    if (forbidden in record) throw new ClientMetadataDocumentError(`client metadata document must not contain ${forbidden}`);
  }
  return record;
}

async function readCapped(res: Response): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_BYTES) {
      await reader.cancel();
      throw new ClientMetadataDocumentError('client metadata document is too large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function refusePrivateAddresses(hostname: string): Promise<void> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) throw new ClientMetadataDocumentError('client_id host does not resolve');
  for (const address of addresses) {
    if (isPrivateAddress(address)) throw new ClientMetadataDocumentError('client_id host resolves to a loopback, private or link-local address');
  }
}

function isPrivateAddress(address: string): boolean {
  if (isIP(address) === 6) {
    const a = address.toLowerCase();
    if (a === '::1' || a === '::') return true;
    if (a.startsWith('fe80:') || a.startsWith('fc') || a.startsWith('fd')) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
    return mapped ? isPrivateAddress(mapped[1]!) : false;
  }
  const [a = 0, b = 0] = address.split('.').map(Number);
  return a === 10 || a === 127 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
}
