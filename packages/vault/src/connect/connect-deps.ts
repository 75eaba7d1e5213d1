/**
 * What AlterVault hands to the ConnectManager (connect-manager.ts). Agreed between the vault core
 * and Connect: the manager reaches the store, providers and crypto only through this object.
 */
import type { GrantStore, SealedSecret } from '../grant-store.js';
import type { Logger } from '../logger.js';
import type { ProviderConfig } from '../provider-config.js';
import type { RevokeGrantResult } from '../upstream-revocation.js';
import type { GrantRow } from './grants-page-html.js';
import type { StoreSignals } from '../store-signals.js';

/** Input of {@link ConnectDeps.putGrant}: plaintext tokens (sealed by the vault). */
export interface ConnectPutGrantInput {
  readonly user: string;
  readonly provider: string;
  readonly account: string;
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly expiresAt: Date | null;
  readonly scopes: readonly string[];
}

export interface ConnectDeps {
  readonly store: GrantStore;
  readonly caller: string;
  /** @throws VaultConfigError for unknown ids */
  provider(id: string): ProviderConfig;
  seal(plain: string): SealedSecret;
  open(sealed: SealedSecret): string;
  /** Stores (upserts) a grant the same way vault.grants.put does, invalidating caches. */
  putGrant(input: ConnectPutGrantInput): Promise<{ id: string }>;
  readonly options: { readonly baseUrl?: string | undefined; readonly sessionTtlSec?: number | undefined };
  readonly logger: Logger;
  /** The user's grants as the grants page lists them (grants-page.ts). */
  grantRowsOfUser?(user: string): Promise<readonly GrantRow[]>;
  /** Revokes (upstream too) the grant `grantId` if it is one of `user`'s; undefined when it is not. */
  revokeGrantOfUser?(user: string, grantId: string): Promise<RevokeGrantResult | undefined>;
  /** Called once per session created (telemetry's "started" count). */
  sessionStarted?(): void;
  /** Signals between the processes sharing the store (PostgreSQL); absent: waiters poll. */
  readonly signals?: StoreSignals;
  /** Opens the store (idempotent); Connect awaits it before touching the kv. */
  ready?(): Promise<void>;
}
