/**
 * The OAuth shapes the auth server speaks (RFC 6749, RFC 7591, RFC 8414, RFC 9728), declared here
 * so the server depends on no MCP SDK generation. Structurally compatible with the SDK's types of
 * the same names, so a value passes to either SDK's APIs.
 */
import type { ClientRecord } from './auth-records.js';

/** A client as the endpoints see it: its stored metadata, and its secret when it is confidential. */
export type OAuthClient = ClientRecord & { readonly client_secret?: string };

/**
 * What a verified bearer token says about the caller (`req.auth`): the shape both SDK generations'
 * transports read and hand to tool handlers as `authInfo`. `extra.user` is the Alter user.
 */
export interface AuthInfo {
  readonly token: string;
  readonly clientId: string;
  readonly scopes: string[];
  /** Epoch seconds. */
  readonly expiresAt?: number;
  readonly resource?: URL;
  readonly extra?: Record<string, unknown>;
}

/** RFC 6749 §5.1 token response. */
export interface OAuthTokens {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
}

/** RFC 8414 authorization-server metadata, as this server publishes it. */
export interface AuthorizationServerMetadata {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly registration_endpoint: string;
  readonly revocation_endpoint: string;
  readonly jwks_uri: string;
  readonly scopes_supported: string[];
  readonly response_types_supported: string[];
  readonly response_modes_supported: string[];
  readonly grant_types_supported: string[];
  readonly token_endpoint_auth_methods_supported: string[];
  readonly revocation_endpoint_auth_methods_supported: string[];
  readonly code_challenge_methods_supported: string[];
  /** draft-ietf-oauth-client-id-metadata-document: clients may use an https URL as their id. */
  readonly client_id_metadata_document_supported: boolean;
  /** RFC 9207: every authorization response carries `iss`. */
  readonly authorization_response_iss_parameter_supported: boolean;
}

/** RFC 9728 protected-resource metadata of the MCP endpoint. */
export interface ProtectedResourceMetadata {
  readonly resource: string;
  readonly authorization_servers: string[];
  readonly scopes_supported: string[];
  readonly bearer_methods_supported: string[];
  readonly resource_name: string;
}
