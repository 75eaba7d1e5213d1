// @alter/mcp — every export here is public API. Add deliberately.
// Importing this entry loads reflect-metadata (see metadata-reflect.ts).
import './metadata-reflect.js';

// Declaring tools
export { AlterTool } from './alter-tool.decorator.js';
export type { AlterToolDecorator, ToolMethod } from './alter-tool.decorator.js';
export { Description } from './description.decorator.js';
export type { DescriptionDecorator } from './description.decorator.js';
export { TOOL_NAME_PATTERN } from './tool-metadata.js';
export type { AlterToolOptions, ToolAnnotations, ToolInputOf, ToolInputSchema, ToolMetadata, ToolOutputSchema } from './tool-metadata.js';
// Where @AlterTool keeps a class's tools, for code that inspects tool classes (a pack's manifest check).
export { TOOL_MEMBERS, TOOL_METADATA } from './metadata-keys.js';
export type { MetadataKey } from './metadata-keys.js';

// The context and results
export type { AlterContext, AlterRequestOptions, ElicitParams, SamplingParams, ToolLog, ToolLogLevel } from './alter-context.js';
export { ToolResult } from './tool-result.js';
export { providerErrorCode, providerErrorText } from './provider-error-text.js';
export type { ToolContent } from './tool-result.js';

// The registry
export { AlterMCP } from './alter-mcp.js';
export type { AlterMCPOptions, RegisterOptions, ToolModule } from './alter-mcp.js';
export { scopesFromTools } from './scopes-from-tools.js';
export { defineManifest } from './tool-pack-manifest.js';
export type { ToolPackManifest } from './tool-pack-manifest.js';
export type { CallerAuthInfo } from './caller-auth-info.js';
export { CONNECT_META_KEY } from './recovery/recovery-answer.js';
export { APPROVAL_META_KEY } from './recovery/approval-answer.js';
export type { McpHighLevelServerLike, McpLowLevelServerLike, McpServerLike } from './sdk/sdk-seam.js';

// Serving
export { serveStdio } from './serve-stdio.js';
export type { ServeStdioOptions, StdioServerHandle } from './serve-stdio.js';
// serveHttp loads the HTTP stack (express) on its first call; @alter/mcp/http exports it directly.
export { serveHttp } from './serve-http-on-demand.js';
export type { CorsOptions, HttpServerHandle, McpServerFactory, ServeHttpOptions } from './serve-http.js';
export type { HttpAuthPlugin, HttpAuthPluginInstallOptions } from './http-auth-plugin.js';

// The auth server (OAuth 2.1 for multi-user servers): its classes are in @alter/mcp/auth, which
// loads express and jose; only its types are here.
export type { AlterAuthProvider, AlterAuthProviderOptions, EndpointRateLimitOptions } from './auth/alter-auth-provider.js';
export type { AuthInfo, AuthorizationServerMetadata, OAuthClient, ProtectedResourceMetadata } from './auth/oauth-types.js';
export type { AlterClientsStore } from './auth/alter-clients-store.js';
export type { ClientRecord } from './auth/auth-records.js';
export type { UntrustedClientMetadata } from './auth/client-metadata.js';
export type { AuthServerLimitsOptions, ClientDocumentLimits, RegistrationLimits } from './auth/auth-server-limits.js';
export type { RateLimit } from './auth/rate-limiter.js';
export { errorPageHandler } from './auth/error-page.js';

// Errors
export {
  AccountNotChosenError,
  AlterMcpError,
  isAlterMcpError,
  NoUserError,
  ReflectMetadataMissingError,
  RequestStateError,
  SdkUnsupportedError,
  ServeError,
  ForeignContextError,
  ToolDefinitionError,
  ToolError,
  ToolInputError,
  ToolNestingError,
  ToolOutputError,
  ToolRegistrationError,
  VaultStartupError,
} from './errors.js';
export type { AlterMcpErrorCode, AnyAlterMcpError, RequestStateRefusal, SchemaIssue } from './errors.js';
