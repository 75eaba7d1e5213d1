/**
 * `@alter/vault/internal-telemetry`: the OpenTelemetry loader shared with @alter/mcp. A separate
 * entry because its declarations name `@opentelemetry/api` (an optional peer): only @alter/mcp's
 * telemetry modules import it, and no public declaration reaches them.
 */
export { loadOtelApi, INSTRUMENTATION_SCOPE, type OtelApi } from './telemetry/otel-api.js';
export { MeterInstruments } from './telemetry/meter-instruments.js';
export { CurrentTracer } from './telemetry/current-tracer.js';
