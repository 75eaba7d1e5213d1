/**
 * Validation of client metadata, shared by dynamic registration (RFC 7591) and Client ID Metadata
 * Documents: redirect URIs https or loopback only, the grant and response types this server
 * speaks, and the token-endpoint auth methods the SDK's token handler can check.
 */
import type { OAuthClientInformationFull } from '@modelcontextprotocol/sdk/shared/auth.js';
import { InvalidClientMetadataError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { InvalidRedirectUriError } from './internal/oauth-errors.js';
import type { ClientRecord } from './auth-records.js';
import { DEFAULT_REGISTRATION_LIMITS, type RegistrationLimits } from './auth-server-limits.js';
import { redirectUriProblem } from './redirect-uri.js';
import { checkRegistrationLimits } from './registration-limits.js';

const GRANT_TYPES = new Set(['authorization_code', 'refresh_token']);

/**
 * Normalizes and validates client metadata into a {@link ClientRecord}.
 * `client_secret_basic` (and an omitted method, whose RFC 7591 default it is) become
 * `client_secret_post`: the token endpoint accepts the secret in the body only, and the
 * registration response says so.
 * @throws InvalidRedirectUriError / InvalidClientMetadataError (the SDK answers 400 with them).
 */
export function normalizeClientMetadata(
  client: Omit<OAuthClientInformationFull, 'client_id'> & { client_id: string },
  supportedScopes: readonly string[],
  options: { publicOnly?: boolean; limits?: RegistrationLimits } = {},
): ClientRecord {
  // Sizes first: nothing below (URL parsing, messages quoting values) should see an unbounded value.
  checkRegistrationLimits(client, options.limits ?? DEFAULT_REGISTRATION_LIMITS);
  const uris = client.redirect_uris;
  if (!Array.isArray(uris) || uris.length === 0) throw new InvalidRedirectUriError('redirect_uris must list at least one URI');
  for (const uri of uris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw new InvalidRedirectUriError(`redirect_uris: ${problem}`);
  }

  const grantTypes = client.grant_types ?? ['authorization_code', 'refresh_token'];
  for (const g of grantTypes) if (!GRANT_TYPES.has(g)) throw new InvalidClientMetadataError(`grant_types: "${g}" is not supported (use authorization_code and refresh_token)`);
  if (!grantTypes.includes('authorization_code')) throw new InvalidClientMetadataError('grant_types must include authorization_code');
  const responseTypes = client.response_types ?? ['code'];
  for (const r of responseTypes) if (r !== 'code') throw new InvalidClientMetadataError(`response_types: "${r}" is not supported (use code)`);

  let method: ClientRecord['token_endpoint_auth_method'];
  const requested = client.token_endpoint_auth_method;
  if (requested === 'none') method = 'none';
  else if (options.publicOnly) throw new InvalidClientMetadataError(`token_endpoint_auth_method "${String(requested)}" is not supported for this client; use "none"`);
  else if (requested === undefined || requested === 'client_secret_post' || requested === 'client_secret_basic') method = 'client_secret_post';
  else throw new InvalidClientMetadataError(`token_endpoint_auth_method "${requested}" is not supported (use none or client_secret_post)`);

  if (client.scope !== undefined) {
    const unknown = client.scope.split(' ').filter((s) => s !== '' && !supportedScopes.includes(s));
    if (unknown.length > 0) throw new InvalidClientMetadataError(`scope: ${unknown.join(' ')} not supported (supported: ${supportedScopes.join(' ')})`);
  }

  return stripUndefined({
    client_id: client.client_id,
    client_id_issued_at: client.client_id_issued_at,
    client_secret_expires_at: method === 'none' ? undefined : client.client_secret_expires_at,
    redirect_uris: [...uris],
    token_endpoint_auth_method: method,
    grant_types: [...grantTypes],
    response_types: [...responseTypes],
    client_name: client.client_name,
    client_uri: client.client_uri,
    logo_uri: client.logo_uri,
    scope: client.scope,
    contacts: client.contacts ? [...client.contacts] : undefined,
    tos_uri: client.tos_uri,
    policy_uri: client.policy_uri,
    software_id: client.software_id,
    software_version: client.software_version,
  });
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
