/**
 * The tracer of the application's current tracer provider. Like the meter instruments
 * (meter-instruments.ts), read again on each use (a global lookup) and made anew when the provider
 * changed — a provider registered after the vault was built, or replaced, gets every span.
 *
 * Whether a provider is registered at all is part of that read. `trace.getTracerProvider()` always
 * answers with the API's proxy; registering a provider sets the proxy's delegate, and until then the
 * delegate is the API's no-op provider. The API exports no name for that no-op provider, but a fresh
 * `ProxyTracerProvider` (nothing delegated) hands out the very same object, so it is compared by
 * identity: with nothing registered the cost of a span is this one comparison, and the caller makes
 * no span, attribute object or context at all.
 */
import { INSTRUMENTATION_SCOPE, type OtelApi } from './otel-api.js';

export class CurrentTracer {
  readonly #api: typeof OtelApi;
  /** The API's no-op provider: the proxy's delegate while the application registered none. */
  readonly #noopProvider: OtelApi.TracerProvider;
  #provider: OtelApi.TracerProvider | undefined;
  #delegate: OtelApi.TracerProvider | undefined;
  #tracer: OtelApi.Tracer | undefined;

  constructor(api: typeof OtelApi) {
    this.#api = api;
    this.#noopProvider = new api.ProxyTracerProvider().getDelegate();
  }

  /** The tracer, or null when no tracer provider is registered (each of its spans would be a no-op). */
  get(): OtelApi.Tracer | null {
    const tracer = this.getEvenIfUnregistered();
    return this.#delegate === this.#noopProvider ? null : tracer;
  }

  /**
   * The tracer even when no provider is registered: its no-op spans still carry the parent's trace
   * context, which matters when the application registered a context manager without a tracer.
   */
  getEvenIfUnregistered(): OtelApi.Tracer {
    const provider = this.#api.trace.getTracerProvider();
    // Another copy of the API may have registered its own proxy: not ours to look into, so it counts
    // as registered (the full, unchanged path).
    const delegate = provider instanceof this.#api.ProxyTracerProvider ? provider.getDelegate() : provider;
    if (provider !== this.#provider || delegate !== this.#delegate || this.#tracer === undefined) {
      this.#provider = provider;
      this.#delegate = delegate;
      this.#tracer = provider.getTracer(INSTRUMENTATION_SCOPE);
    }
    return this.#tracer;
  }
}
