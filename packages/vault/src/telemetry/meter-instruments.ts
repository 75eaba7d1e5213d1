/**
 * Metric instruments that follow the application's meter provider.
 *
 * The API has no proxy for meters: instruments made from the provider registered at the time stay
 * bound to it. The provider is read again on each use (a global lookup) and the instruments are
 * made anew when it changed — so a provider registered after the vault was built, or replaced,
 * still receives every measurement.
 *
 * With no meter provider registered the API answers with its no-op provider, whose meter is the
 * API's one no-op meter (`createNoopMeter()` returns that same object). Then `get()` answers null
 * and the caller builds no attribute object and records nothing: the cost is the lookup and one
 * comparison. (A provider that was shut down also hands out the no-op meter: it records nothing
 * either way.)
 */
import { INSTRUMENTATION_SCOPE, type OtelApi } from './otel-api.js';

export class MeterInstruments<T> {
  readonly #api: typeof OtelApi;
  readonly #make: (meter: OtelApi.Meter) => T;
  readonly #noopMeter: OtelApi.Meter;
  #provider: OtelApi.MeterProvider | undefined;
  /** Null while the provider is the no-op one. */
  #instruments: T | null = null;

  constructor(api: typeof OtelApi, make: (meter: OtelApi.Meter) => T) {
    this.#api = api;
    this.#make = make;
    this.#noopMeter = api.createNoopMeter();
  }

  /** The instruments, or null when no meter provider is registered (each measurement would be dropped). */
  get(): T | null {
    const provider = this.#api.metrics.getMeterProvider();
    if (provider !== this.#provider) {
      this.#provider = provider;
      const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
      this.#instruments = meter === this.#noopMeter ? null : this.#make(meter);
    }
    return this.#instruments;
  }
}
