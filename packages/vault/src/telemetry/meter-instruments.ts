/**
 * Metric instruments that follow the application's meter provider.
 *
 * The API has no proxy for meters: instruments made from the provider registered at the time stay
 * bound to it. The provider is read again on each use (a global lookup) and the instruments are
 * made anew when it changed — so a provider registered after the vault was built, or replaced,
 * still receives every measurement.
 */
import { INSTRUMENTATION_SCOPE, type OtelApi } from './otel-api.js';

export class MeterInstruments<T> {
  readonly #api: typeof OtelApi;
  readonly #make: (meter: OtelApi.Meter) => T;
  #provider: OtelApi.MeterProvider | undefined;
  #instruments: T | undefined;

  constructor(api: typeof OtelApi, make: (meter: OtelApi.Meter) => T) {
    this.#api = api;
    this.#make = make;
  }

  get(): T {
    const provider = this.#api.metrics.getMeterProvider();
    if (provider !== this.#provider || this.#instruments === undefined) {
      this.#provider = provider;
      this.#instruments = this.#make(provider.getMeter(INSTRUMENTATION_SCOPE));
    }
    return this.#instruments;
  }
}
