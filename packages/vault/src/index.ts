// @alter/vault — every export here is public API. Add deliberately.

// Errors
export {
  AccountAmbiguousError,
  AlterError,
  ApprovalPendingError,
  ApprovalRefusedError,
  AuditChainConflictError,
  ConnectSessionError,
  EncryptionKeyError,
  GrantExpiredError,
  GrantNotFoundError,
  GrantTokenBindingError,
  HeaderNotAllowedError,
  PolicyDeniedError,
  HostNotAllowedError,
  InvalidArgumentError,
  isAlterError,
  NativeModuleError,
  ProviderApiError,
  ProviderHttpError,
  RequestAbortedError,
  RequestTimeoutError,
  ResponseTooLargeError,
  ScopeReauthRequiredError,
  StoreError,
  StoreUnavailableError,
  TokenRefreshError,
  UrlTemplateError,
  VaultConfigError,
  DependencyMissingError,
} from './errors.js';
export type { AlterErrorCode, AnyAlterError, ApprovalRefusal } from './errors.js';

// The vault and its request pipeline
export { AlterVault } from './alter-vault.js';
export type { AlterVaultOptions, AuditContext, VaultAudit, VaultRequestOptions } from './alter-vault.js';
export { VaultResponse } from './vault-response.js';
export type { ApprovalAnswer, ApprovalAsker, ApprovalGate, ApprovalOptions, ApprovalRequest } from './approval/approval-types.js';
export type {
  ApprovalDecisionInput,
  ApprovalDecisionResult,
  ApprovalListFilter,
  PendingApproval,
  VaultApprovals,
} from './approval/approvals-api.js';
export type { PendingApprovalStatus } from './approval/pending-approval-record.js';
export type { ApprovalDecisionRefusal } from './approval/pending-approvals.js';
export type { QueryParamValue } from './url-template.js';
export { SECRET_QUERY_PARAMS } from './redact-url.js';

// Grants, audit
// vault.grants and vault.connect: made by the vault, so only their types are public.
export type { GrantsApi } from './grants-api.js';
export type { GrantInfo, GrantListFilter, GrantSelector, PutGrantInput } from './grants-api.js';
export type { AuditContextInput } from './audit-context.js';
export type { AuditDurability, AuditOptions, AuditQuery, AuditVerifyOptions, AuditVerifyResult } from './audit-log.js';

// Stores
export type {
  AuditFilter,
  AuditInput,
  AuditRecord,
  GrantFilter,
  GrantInput,
  GrantStatus,
  GrantStore,
  GrantTokenRow,
  GrantUpdate,
  KvEntry,
  SealedSecret,
  StoredGrant,
} from './grant-store.js';
export type { GrantLease, GrantLock } from './grant-lock.js';
// Both stores load their driver (an optional peer dependency) when constructed, never on import;
// @alter/vault/sqlite and @alter/vault/postgres export them with the driver imported statically.
export { SqliteGrantStore } from './sqlite-grant-store.js';
export type { SqliteGrantStoreOptions } from './sqlite-grant-store.js';
export { PostgresGrantStore } from './postgres-grant-store.js';
export type { PostgresGrantStoreOptions } from './postgres-grant-store.js';
export type { SweepOptions, SweepResult, SweepRunOptions } from './store-sweeper.js';

// Logging
export { createDefaultLogger, silentLogger } from './logger.js';
export type { LogFields, Logger } from './logger.js';

// Providers
export type { ProviderConfig, ProviderIdentity, ProviderIdentityContext } from './provider-config.js';

// Connect
export type { ConnectManager } from './connect/connect-manager.js';

// Providers, Connect API types
export { providers } from './providers/index.js';
export { defineProvider } from './providers/define-provider.js';
export type { BuiltInProviderOptions } from './providers/provider-options.js';
export type { OidcProviderOptions } from './providers/oidc.js';
export type { OAuth2ProviderOptions } from './providers/oauth2.js';
export type { TokenEndpointAnswer, ScopeErrorsMode } from './provider-config.js';
export type { RevocationStyle, RevokeGrantResult, RevokedTokenType, UpstreamRevocation } from './upstream-revocation.js';
export { identityUser } from './connect/connect-manager.js';
export type {
  ConnectBrowserUser,
  ConnectEvent,
  ConnectListenOptions,
  ConnectRequestHandler,
  ConnectServer,
  ConnectWaitOptions,
} from './connect/connect-manager.js';
export type {
  ConnectResult,
  ConnectSession,
  ConnectSessionStatus,
  CreateConnectSessionInput,
  CreateGrantsLinkInput,
  GrantsLink,
} from './connect/connect-types.js';
export type { PolicyMatch, PolicyOptions, PolicyRequest, PolicyRule, PolicyVerdict } from './policy/policy-types.js';
