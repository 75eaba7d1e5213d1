/**
 * The one place that loads `@opentelemetry/api`, an optional peer dependency.
 *
 * Loaded synchronously on first use (a tool call or provider request needs its answer now) and
 * cached, found or not: without the package installed nothing is loaded and every telemetry hook is
 * a single `null` check. Only the API is loaded — never an SDK: the application decides whether
 * spans and metrics are recorded and where they go (NodeSDK, an exporter), as OpenTelemetry
 * intends for libraries.
 */
import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';

export type { OtelApi };

let loaded: typeof OtelApi | null | undefined;

/** The OpenTelemetry API when the application has it installed, otherwise null. */
export function loadOtelApi(): typeof OtelApi | null {
  if (loaded !== undefined) return loaded;
  try {
    // Resolved from this package, as an `import` would be; the API keeps its registrations in a
    // process-wide global, so this copy and the application's share one tracer/meter provider.
    loaded = createRequire(import.meta.url)('@opentelemetry/api') as typeof OtelApi;
  } catch {
    loaded = null;
  }
  return loaded;
}

/** Instrumentation scope name and version of the spans and metrics Alter records. */
export const INSTRUMENTATION_SCOPE = '@alter/mcp-ts';
