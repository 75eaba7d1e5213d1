/**
 * The tracer of the application's current tracer provider. Like the meter instruments
 * (meter-instruments.ts), read again on each use (a global lookup) and made anew when the provider
 * changed — a provider registered after the vault was built, or replaced, gets every span.
 */
import { INSTRUMENTATION_SCOPE, type OtelApi } from './otel-api.js';

export class CurrentTracer {
  readonly #api: typeof OtelApi;
  #provider: OtelApi.TracerProvider | undefined;
  #tracer: OtelApi.Tracer | undefined;

  constructor(api: typeof OtelApi) {
    this.#api = api;
  }

  get(): OtelApi.Tracer {
    const provider = this.#api.trace.getTracerProvider();
    if (provider !== this.#provider || this.#tracer === undefined) {
      this.#provider = provider;
      this.#tracer = provider.getTracer(INSTRUMENTATION_SCOPE);
    }
    return this.#tracer;
  }
}
