/**
 * What the examples share (a private workspace package, never published): every export is the
 * examples' API, not Alter's.
 */
export type { ProviderId, ProviderSetup } from './provider-setup.js';
export { MissingCredentialsError, setupProviders, wantsSandbox } from './provider-setup.js';
export type { Closer, RunUntilSignalOptions } from './run-until-signal.js';
export { runMain, runUntilSignal } from './run-until-signal.js';
