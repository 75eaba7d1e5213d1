/**
 * The parent of a `tools/call` span: the trace context the client put in the request's `_meta`
 * (`traceparent`, `tracestate`, as the OpenTelemetry MCP semantic conventions propagate it).
 *
 * The application's registered propagator reads it first (it may also carry baggage). An
 * application that registered a tracer but no propagator would otherwise lose the client's trace,
 * so a W3C `traceparent` is then read here (W3C Trace Context, version 00 format).
 */
import type { OtelApi } from '@alter/vault/internal-telemetry';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

const getter: OtelApi.TextMapGetter<Readonly<Record<string, unknown>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
};

/** The context to start a tool call's span in: the `_meta` trace context when valid, else `active`. */
export function parentContext(api: typeof OtelApi, meta: Readonly<Record<string, unknown>> | undefined): OtelApi.Context {
  const active = api.context.active();
  if (meta === undefined || typeof meta.traceparent !== 'string') return active;
  const extracted = api.propagation.extract(active, meta, getter);
  if (api.trace.getSpanContext(extracted) !== undefined && extracted !== active) return extracted;
  const parsed = parseTraceparent(api, meta.traceparent, typeof meta.tracestate === 'string' ? meta.tracestate : undefined);
  return parsed === undefined ? active : api.trace.setSpanContext(active, parsed);
}

function parseTraceparent(api: typeof OtelApi, header: string, tracestate: string | undefined): OtelApi.SpanContext | undefined {
  const m = TRACEPARENT.exec(header.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m;
  // Version ff is invalid; version 00 has exactly four fields.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  const context: OtelApi.SpanContext = {
    traceId: traceId!,
    spanId: spanId!,
    traceFlags: Number.parseInt(flags!, 16) & 1,
    isRemote: true,
    ...(tracestate !== undefined ? { traceState: api.createTraceState(tracestate) } : {}),
  };
  return api.trace.isSpanContextValid(context) ? context : undefined;
}
