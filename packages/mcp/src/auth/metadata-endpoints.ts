/**
 * The discovery documents: RFC 8414 authorization-server metadata, RFC 9728 protected-resource
 * metadata and the JWKS of the access-token key. Public, cacheable for a few minutes, readable
 * from any origin (browser-based clients discover with fetch).
 */
import type { RequestHandler } from 'express';
import type { ResolvedAuthProviderOptions, ResolvedUrls } from './auth-provider-options.js';
import type { AuthorizationServerMetadata, ProtectedResourceMetadata } from './oauth-types.js';
import type { SigningKey } from './signing-key.js';

/** Paths of the server's endpoints, under the issuer (the protected-resource document's path depends on the resource). */
export const ENDPOINT_PATHS = Object.freeze({
  asMetadata: '/.well-known/oauth-authorization-server',
  jwks: '/.well-known/jwks.json',
  token: '/token',
  register: '/register',
  revoke: '/revoke',
});

/** RFC 8414 metadata (issuer exact, no trailing slash). */
export function authorizationServerMetadata(
  urls: ResolvedUrls,
  options: ResolvedAuthProviderOptions,
  authorizePath: string,
): AuthorizationServerMetadata {
  const { issuer } = urls;
  return {
    issuer,
    authorization_endpoint: `${issuer}${authorizePath}`,
    token_endpoint: `${issuer}${ENDPOINT_PATHS.token}`,
    registration_endpoint: `${issuer}${ENDPOINT_PATHS.register}`,
    revocation_endpoint: `${issuer}${ENDPOINT_PATHS.revoke}`,
    jwks_uri: `${issuer}${ENDPOINT_PATHS.jwks}`,
    scopes_supported: [...options.scopes],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_post'],
    revocation_endpoint_auth_methods_supported: ['none', 'client_secret_post'],
    code_challenge_methods_supported: ['S256'],
    client_id_metadata_document_supported: true,
    authorization_response_iss_parameter_supported: true,
  };
}

/** RFC 9728 metadata of the MCP endpoint. */
export function protectedResourceMetadata(urls: ResolvedUrls, options: ResolvedAuthProviderOptions): ProtectedResourceMetadata {
  return {
    resource: urls.resource,
    authorization_servers: [urls.issuer],
    scopes_supported: [...options.scopes],
    bearer_methods_supported: ['header'],
    resource_name: options.serverName ?? new URL(urls.resource).host,
  };
}

/** GET handler of a fixed JSON document. */
export function jsonDocument(document: object): RequestHandler {
  const body = JSON.stringify(document);
  return (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.status(200).type('application/json').send(body);
  };
}

/** GET handler of the JWKS (the public key only). */
export function jwksDocument(signingKey: () => Promise<SigningKey>): RequestHandler {
  return (_req, res, next) => {
    signingKey().then((key) => {
      res.setHeader('Cache-Control', 'public, max-age=300');
      res.json({ keys: [key.publicJwk] });
    }, next);
  };
}
