/**
 * Whether the application registered an OpenTelemetry context manager.
 *
 * Without a tracer provider, a tool call's span is a no-op — but not an invisible one when a context
 * manager is registered: made active around the tool, it carries the client's `_meta` trace context
 * (`trace.getActiveSpan()` in the tool, `traceparent` injected by an HTTP instrumentation and the
 * application's propagator), as the API's no-SDK behaviour intends. Without a context manager
 * `context.with` runs the function and changes nothing, so the span could be skipped unseen.
 *
 * The API has no getter for the registered manager; `context.with` is asked instead: a registered
 * manager makes the context given active inside, the API's no-op one never does.
 */
import type { OtelApi } from '@alter/vault/internal-telemetry';

export class ContextManagerProbe {
  readonly #api: typeof OtelApi;
  /** A context no one else holds: active inside `with` only when a manager is registered. */
  readonly #marker: OtelApi.Context;
  readonly #isMarkerActive: () => boolean;

  constructor(api: typeof OtelApi) {
    this.#api = api;
    const marker = api.ROOT_CONTEXT.setValue(api.createContextKey('@alter/mcp context manager probe'), true);
    this.#marker = marker;
    this.#isMarkerActive = () => api.context.active() === marker;
  }

  /** Read on each call: a manager registered (or disabled) at any time is seen by the next call. */
  registered(): boolean {
    return this.#api.context.with(this.#marker, this.#isMarkerActive);
  }
}
