/**
 * Validation of client metadata, shared by dynamic registration (RFC 7591) and Client ID Metadata
 * Documents: redirect URIs by the one policy of redirect-uri.ts, `application_type` (OpenID
 * Connect registration), the grant and response types this server speaks, and the token-endpoint
 * auth methods its token endpoint checks. Input is untrusted JSON: every field is type-checked.
 */
import { InvalidClientMetadataError, InvalidRedirectUriError } from './internal/oauth-errors.js';
import type { ClientRecord } from './auth-records.js';
import { DEFAULT_REGISTRATION_LIMITS, type RegistrationLimits } from './auth-server-limits.js';
import { type ApplicationType, SCRIPT_SCHEMES, redirectUriProblem } from './redirect-uri.js';
import { checkRegistrationLimits } from './registration-limits.js';

/** Client metadata as received (a registration body or a fetched document): nothing is trusted yet. */
export type UntrustedClientMetadata = Readonly<Record<string, unknown>> & { readonly client_id: string };

const STRING_FIELDS = [
  'client_name',
  'client_uri',
  'logo_uri',
  'scope',
  'tos_uri',
  'policy_uri',
  'software_id',
  'software_version',
  'token_endpoint_auth_method',
  'application_type',
] as const;

const GRANT_TYPES = new Set(['authorization_code', 'refresh_token']);

/**
 * Pages a client names about itself (its website, logo, terms, privacy policy): kept, returned and
 * shown to users, so each must be a web address. A `javascript:` or `data:` URI is harmless only
 * while every page that shows one escapes it as text; a `file:` URI names a file on the reader's
 * own machine. An allowlist of schemes, not a list of bad ones.
 */
const PAGE_URI_FIELDS = ['client_uri', 'logo_uri', 'tos_uri', 'policy_uri'] as const;
const PAGE_URI_SCHEMES: ReadonlySet<string> = new Set(['https:', 'http:']);

/**
 * Normalizes and validates client metadata into a {@link ClientRecord}.
 * `client_secret_basic` (and an omitted method, whose RFC 7591 default it is) become
 * `client_secret_post`: the token endpoint accepts the secret in the body only, and the
 * registration response says so.
 * @throws InvalidRedirectUriError / InvalidClientMetadataError (answered 400).
 */
export function normalizeClientMetadata(
  client: UntrustedClientMetadata,
  supportedScopes: readonly string[],
  options: { publicOnly?: boolean; limits?: RegistrationLimits } = {},
): ClientRecord {
  // Sizes first: nothing below (URL parsing, messages quoting values) should see an unbounded value.
  checkRegistrationLimits(client, options.limits ?? DEFAULT_REGISTRATION_LIMITS);
  for (const field of STRING_FIELDS) {
    if (client[field] !== undefined && typeof client[field] !== 'string') throw new InvalidClientMetadataError(`${field} must be a string`);
  }
  for (const field of PAGE_URI_FIELDS) {
    const uri = client[field] as string | undefined;
    // The value is not quoted back: it is the caller's text, and an error message is no place for it.
    if (uri !== undefined && (!URL.canParse(uri) || !PAGE_URI_SCHEMES.has(new URL(uri).protocol)))
      throw new InvalidClientMetadataError(`${field} must be an absolute https (or http) URL`);
  }
  const applicationType = client.application_type as string | undefined;
  if (applicationType !== undefined && applicationType !== 'native' && applicationType !== 'web') {
    throw new InvalidClientMetadataError(
      `application_type: "${applicationType}" is not supported (use "native" for apps on the user's device, "web" for web servers)`,
    );
  }
  const uris = client.redirect_uris;
  if (uris === undefined)
    throw new InvalidClientMetadataError('redirect_uris is required: list the URIs this client receives the authorization response at');
  if (!Array.isArray(uris) || uris.length === 0) throw new InvalidRedirectUriError('redirect_uris must list at least one URI');
  for (const uri of uris) {
    // Not a URI at all, or a script URI: the metadata itself is malformed (as RFC 7591 §3.2.2 reads it).
    if (typeof uri !== 'string' || !URL.canParse(uri) || SCRIPT_SCHEMES.has(new URL(uri).protocol.toLowerCase())) {
      throw new InvalidClientMetadataError(`redirect_uris: "${String(uri)}" is not an absolute URI that can receive a redirect`);
    }
    const problem = redirectUriProblem(uri, applicationType as ApplicationType | undefined);
    if (problem) throw new InvalidRedirectUriError(`redirect_uris: ${problem}`);
  }

  const grantTypes = stringList(client, 'grant_types') ?? ['authorization_code', 'refresh_token'];
  for (const g of grantTypes)
    if (!GRANT_TYPES.has(g))
      throw new InvalidClientMetadataError(`grant_types: "${g}" is not supported (use authorization_code and refresh_token)`);
  if (!grantTypes.includes('authorization_code')) throw new InvalidClientMetadataError('grant_types must include authorization_code');
  const responseTypes = stringList(client, 'response_types') ?? ['code'];
  for (const r of responseTypes)
    if (r !== 'code') throw new InvalidClientMetadataError(`response_types: "${r}" is not supported (use code)`);
  // An empty list names no way to use /authorize, yet the client could still ask for a code there.
  if (!responseTypes.includes('code')) throw new InvalidClientMetadataError('response_types must include code');

  let method: ClientRecord['token_endpoint_auth_method'];
  const requested = client.token_endpoint_auth_method as string | undefined;
  if (requested === 'none') method = 'none';
  else if (options.publicOnly)
    throw new InvalidClientMetadataError(`token_endpoint_auth_method "${String(requested)}" is not supported for this client; use "none"`);
  else if (requested === undefined || requested === 'client_secret_post' || requested === 'client_secret_basic')
    method = 'client_secret_post';
  else throw new InvalidClientMetadataError(`token_endpoint_auth_method "${requested}" is not supported (use none or client_secret_post)`);

  const scope = client.scope as string | undefined;
  if (scope !== undefined) {
    const unknown = scope.split(' ').filter((s) => s !== '' && !supportedScopes.includes(s));
    if (unknown.length > 0)
      throw new InvalidClientMetadataError(`scope: ${unknown.join(' ')} not supported (supported: ${supportedScopes.join(' ')})`);
  }

  const text = (field: (typeof STRING_FIELDS)[number]) => client[field] as string | undefined;
  return stripUndefined<ClientRecord>({
    client_id: client.client_id,
    client_id_issued_at: typeof client.client_id_issued_at === 'number' ? client.client_id_issued_at : undefined,
    client_secret_expires_at:
      method === 'none' || typeof client.client_secret_expires_at !== 'number' ? undefined : client.client_secret_expires_at,
    redirect_uris: [...(uris as string[])],
    token_endpoint_auth_method: method,
    application_type: applicationType as ApplicationType | undefined,
    grant_types: [...grantTypes],
    response_types: [...responseTypes],
    client_name: text('client_name'),
    client_uri: text('client_uri'),
    logo_uri: text('logo_uri'),
    scope,
    contacts: Array.isArray(client.contacts) ? [...(client.contacts as string[])] : undefined,
    tos_uri: text('tos_uri'),
    policy_uri: text('policy_uri'),
    software_id: text('software_id'),
    software_version: text('software_version'),
  });
}

function stringList(client: UntrustedClientMetadata, field: 'grant_types' | 'response_types'): string[] | undefined {
  const value = client[field];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw new InvalidClientMetadataError(`${field} must be an array of strings`);
  return value as string[];
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
