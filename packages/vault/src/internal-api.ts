/**
 * `@alter/vault/internal`: what the other Alter packages share with the vault and users do not
 * need — per-call secret tracking (call-secrets.ts) and the MCP layer's endpoint check. Its
 * declarations are reachable from @alter/mcp's public ones, so nothing here may name a type of an
 * optional package (the OpenTelemetry loader has its own entry, internal-telemetry.ts).
 */
export * from './call-secrets.js';
export { checkToolEndpoints } from './policy/check-tool-endpoints.js';
