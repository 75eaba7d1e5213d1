/**
 * `@alter/vault/internal`: what the other Alter packages share with the vault and users do not
 * need. NOT public API and exempt from semver: any release may change or remove a name here, so
 * never import it from an application (use the `@alter/vault` entry). It holds per-call secret
 * tracking (call-secrets.ts), the MCP layer's endpoint check, the check of a request's option keys, the loopback policy every package
 * applies, the one rule for text the stores keep as given (storable-text.ts), and the per-provider scope spellings and scope-error signals that @alter/mcp and
 * @alter/testing reuse. Its declarations are reachable from @alter/mcp's public ones, so nothing
 * here may name a type of an optional package (the OpenTelemetry loader has its own entry,
 * internal-telemetry.ts).
 */
export * from './call-secrets.js';
export { withToolCallScope } from './alter-vault.js';
export { checkToolEndpoints } from './policy/check-tool-endpoints.js';
export { requireKnownRequestOptions, VAULT_REQUEST_OPTION_KEYS } from './internal/request-option-keys.js';
export { isLoopbackHost } from './loopback-host.js';
export { isStorableText } from './internal/storable-text.js';
export { normalizeProviderScopes } from './providers/scopes.js';
export { normalizeGoogleScopes } from './providers/google-scopes.js';
export { normalizeGithubScopes } from './providers/github-scopes.js';
export { normalizeSlackScopes } from './providers/slack-scopes.js';
export { githubScopeSignal, googleScopeSignal, slackScopeSignal } from './providers/scope-signals.js';
