/**
 * `@alter/vault/internal`: what the other Alter packages share with the vault and users do not
 * need — per-call secret tracking (call-secrets.ts) and the OpenTelemetry loader.
 */
export * from './call-secrets.js';
export { loadOtelApi, INSTRUMENTATION_SCOPE, type OtelApi } from './telemetry/otel-api.js';
export { MeterInstruments } from './telemetry/meter-instruments.js';
export { checkToolEndpoints } from './policy/check-tool-endpoints.js';
