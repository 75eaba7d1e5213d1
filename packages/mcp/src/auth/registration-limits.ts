/**
 * Size bounds on client metadata, checked before anything is stored: a registration is a write
 * anyone may make, so every field that is kept (and later shown on the consent page, logged, or
 * returned) has a bounded count and length. The error names the field and the bound.
 */
import { InvalidClientMetadataError } from './internal/oauth-errors.js';
import type { RegistrationLimits } from './auth-server-limits.js';

const URI_FIELDS = ['client_uri', 'logo_uri', 'tos_uri', 'policy_uri'] as const;
const TEXT_FIELDS = ['client_name', 'software_id', 'software_version'] as const;

/**
 * Throws when a bounded field of `client` is too long or lists too many entries.
 * @throws InvalidClientMetadataError naming the field (answered 400 `invalid_client_metadata`).
 */
export function checkRegistrationLimits(client: Readonly<Record<string, unknown>>, limits: RegistrationLimits): void {
  const uris = client.redirect_uris;
  if (Array.isArray(uris)) {
    if (uris.length > limits.maxRedirectUris) throw tooMany('redirect_uris', limits.maxRedirectUris);
    uris.forEach((uri, i) => {
      if (typeof uri === 'string' && uri.length > limits.maxUriLength) throw tooLong(`redirect_uris[${i}]`, limits.maxUriLength);
    });
  }
  const contacts = client.contacts;
  if (contacts !== undefined) {
    if (!Array.isArray(contacts)) throw new InvalidClientMetadataError('contacts must be an array of strings');
    if (contacts.length > limits.maxContacts) throw tooMany('contacts', limits.maxContacts);
    contacts.forEach((c, i) => {
      if (typeof c !== 'string') throw new InvalidClientMetadataError(`contacts[${i}] must be a string`);
      if (c.length > limits.maxContactLength) throw tooLong(`contacts[${i}]`, limits.maxContactLength);
    });
  }
  for (const field of URI_FIELDS) {
    const value = client[field];
    if (value !== undefined && (typeof value !== 'string' || value.length > limits.maxUriLength)) throw tooLong(field, limits.maxUriLength);
  }
  for (const field of TEXT_FIELDS) {
    const value = client[field];
    if (value !== undefined && (typeof value !== 'string' || value.length > limits.maxTextLength))
      throw tooLong(field, limits.maxTextLength);
  }
  const scope = client.scope;
  if (scope !== undefined && (typeof scope !== 'string' || scope.length > limits.maxScopeLength))
    throw tooLong('scope', limits.maxScopeLength);
}

function tooMany(field: string, max: number): InvalidClientMetadataError {
  return new InvalidClientMetadataError(`${field} may list at most ${max} entries`);
}

function tooLong(field: string, max: number): InvalidClientMetadataError {
  return new InvalidClientMetadataError(`${field} must be a string of at most ${max} characters`);
}
