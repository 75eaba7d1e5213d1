// @alter/mcp/auth — every export here is public API. The OAuth 2.1 authorization server for
// multi-user HTTP servers (express, jose). Its own entry, so `@alter/mcp` (tools, registry, stdio)
// loads neither.
export { AlterAuthProvider, authUser } from '../auth/alter-auth-provider.js';
export type { AlterAuthProviderOptions, EndpointRateLimitOptions } from '../auth/alter-auth-provider.js';
export type { AuthInfo, AuthorizationServerMetadata, OAuthClient, ProtectedResourceMetadata } from '../auth/oauth-types.js';
// Made by AlterAuthProvider (provider.clientsStore), so only its type is public.
export type { AlterClientsStore } from '../auth/alter-clients-store.js';
export type { ClientRecord } from '../auth/auth-records.js';
export type { UntrustedClientMetadata } from '../auth/client-metadata.js';
export type { AuthServerLimitsOptions, ClientDocumentLimits, RegistrationLimits } from '../auth/auth-server-limits.js';
export type { RateLimit } from '../auth/rate-limiter.js';
export { errorPageHandler } from '../auth/error-page.js';
