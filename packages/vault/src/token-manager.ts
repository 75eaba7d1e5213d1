/**
 * The token pipeline: memory cache → store → refresh.
 *
 * - Decrypted access tokens are cached per (user, provider, account) until 60 s before they
 *   expire (and at most 5 minutes, so grants changed by another process are picked up).
 * - A refresh is single-flight per grant inside the process, and runs under the store's grant
 *   lock across processes: the grant is re-read inside the lock, and if another process already
 *   refreshed it (version moved, token valid) that token is used instead of refreshing again.
 * - The new access token AND the rotated refresh token are persisted before the token is used,
 *   so a rotated refresh token is never lost.
 */
import { noteCallSecret } from './call-secrets.js';
import { AccountAmbiguousError, AlterError, GrantExpiredError, GrantNotFoundError, TokenRefreshError } from './errors.js';
import type { GrantStore, StoredGrant } from './grant-store.js';
import { openGrantToken, sealGrantToken } from './grant-token-seal.js';
import type { Logger } from './logger.js';
import type { ProviderConfig } from './provider-config.js';
import type { SecretBox } from './secret-box.js';
import { InvalidGrantSignal, type TokenRefresher } from './token-refresher.js';

/** Refresh this long before `expiresAt`. */
export const EXPIRY_SKEW_MS = 60_000;
/** Longest a cached token is trusted without re-reading the store. */
export const MAX_CACHE_MS = 5 * 60_000;

/** A usable access token and the grant it came from. Internal: never leaves the package. */
export interface TokenLease {
  readonly grantId: string;
  readonly account: string;
  readonly scopes: ReadonlySet<string>;
  readonly token: string;
  readonly version: number;
  readonly refreshable: boolean;
  readonly validUntil: number;
}

export interface TokenManagerDeps {
  readonly store: GrantStore;
  box(): SecretBox;
  refresher(provider: ProviderConfig): TokenRefresher;
  readonly logger: Logger;
}

type LockOutcome = { kind: 'lease'; lease: TokenLease } | { kind: 'revoked' } | { kind: 'expired' } | { kind: 'gone' };

/**
 * How early to refresh: 60 s, or half the token's lifetime for short-lived tokens (so a token
 * that lives 30 s is still used for 15 s instead of being refreshed on every request).
 */
function skewMs(g: StoredGrant): number {
  if (g.expiresAt === null) return 0;
  const lifetime = g.expiresAt.getTime() - g.updatedAt.getTime();
  return Math.max(0, Math.min(EXPIRY_SKEW_MS, lifetime / 2));
}

function tokenValid(g: StoredGrant, now: number): boolean {
  return g.expiresAt === null || g.expiresAt.getTime() - skewMs(g) > now;
}

export class TokenManager {
  readonly #deps: TokenManagerDeps;
  readonly #cache = new Map<string, TokenLease>();
  readonly #flights = new Map<string, Promise<TokenLease>>();

  constructor(deps: TokenManagerDeps) {
    this.#deps = deps;
  }

  static cacheKey(user: string, provider: string, account: string | undefined): string {
    return `${user}\u0000${provider}\u0000${account === undefined ? '\u0001' : account}`;
  }

  /** A valid access token for the selected grant (cached, stored, or freshly refreshed). */
  async acquire(provider: ProviderConfig, user: string, account: string | undefined): Promise<TokenLease> {
    const key = TokenManager.cacheKey(user, provider.id, account);
    const cached = this.#cache.get(key);
    if (cached !== undefined && Date.now() < cached.validUntil) return cached;
    const grant = await this.select(provider.id, user, account);
    const now = Date.now();
    if (tokenValid(grant, now)) {
      const lease = this.#lease(grant, openGrantToken(this.#deps.box(), grant, 'access', grant.accessToken), now);
      this.#cache.set(key, lease);
      return lease;
    }
    if (grant.refreshToken === null) throw new GrantExpiredError({ user, provider: provider.id, account: grant.account || undefined });
    const lease = await this.#refresh(provider, user, grant.id, grant.version, false);
    this.#cache.set(key, lease);
    return lease;
  }

  /** After a 401: refresh (unless another request already did) and return the new lease. */
  async forceRefresh(provider: ProviderConfig, user: string, account: string | undefined, used: TokenLease): Promise<TokenLease> {
    const key = TokenManager.cacheKey(user, provider.id, account);
    if (this.#cache.get(key) === used) this.#cache.delete(key);
    const lease = await this.#refresh(provider, user, used.grantId, used.version, true);
    this.#cache.set(key, lease);
    return lease;
  }

  /**
   * Picks the grant: the named account, or the only active one.
   * @throws GrantNotFoundError (revoked when only revoked grants exist), AccountAmbiguousError.
   */
  async select(providerId: string, user: string, account: string | undefined): Promise<StoredGrant> {
    const all = await this.#deps.store.listGrants({ user, provider: providerId, ...(account !== undefined ? { account } : {}), includeRevoked: true });
    const active = all.filter((g) => g.status === 'active');
    if (active.length === 1) return active[0]!;
    if (active.length > 1) throw new AccountAmbiguousError({ user, provider: providerId, accounts: active.map((g) => g.account) });
    throw new GrantNotFoundError({ user, provider: providerId, ...(account ? { account } : {}), revoked: all.length > 0 });
  }

  /** Forgets cached tokens of (user, provider) — after a put or revoke. */
  invalidate(user: string, provider: string): void {
    const prefix = `${user}\u0000${provider}\u0000`;
    for (const k of this.#cache.keys()) if (k.startsWith(prefix)) this.#cache.delete(k);
  }

  clear(): void {
    this.#cache.clear();
  }

  #lease(g: StoredGrant, token: string, now: number): TokenLease {
    const expiry = g.expiresAt === null ? Number.POSITIVE_INFINITY : g.expiresAt.getTime() - skewMs(g);
    return Object.freeze({
      grantId: g.id,
      account: g.account,
      scopes: new Set(g.scopes),
      token,
      version: g.version,
      refreshable: g.refreshToken !== null,
      validUntil: Math.min(expiry, now + MAX_CACHE_MS),
    });
  }

  #refresh(provider: ProviderConfig, user: string, grantId: string, seenVersion: number, force: boolean): Promise<TokenLease> {
    const inflight = this.#flights.get(grantId);
    if (inflight) return inflight;
    const flight = this.#refreshLocked(provider, user, grantId, seenVersion, force).finally(() => {
      this.#flights.delete(grantId);
    });
    this.#flights.set(grantId, flight);
    return flight;
  }

  async #refreshLocked(provider: ProviderConfig, user: string, grantId: string, seenVersion: number, force: boolean): Promise<TokenLease> {
    const { store, logger } = this.#deps;
    const box = this.#deps.box();
    let account: string | undefined;
    const outcome = await store.withGrantLock(grantId, async (locked): Promise<LockOutcome> => {
      const fresh = await locked.read();
      if (!fresh) return { kind: 'gone' };
      account = fresh.account || undefined;
      if (fresh.status !== 'active') return { kind: 'revoked' };
      const now = Date.now();
      // Another request or process refreshed while we waited for the lock: use its token.
      if (fresh.version !== seenVersion && tokenValid(fresh, now)) {
        return { kind: 'lease', lease: this.#lease(fresh, openGrantToken(box, fresh, 'access', fresh.accessToken), now) };
      }
      if (!force && tokenValid(fresh, now)) return { kind: 'lease', lease: this.#lease(fresh, openGrantToken(box, fresh, 'access', fresh.accessToken), now) };
      if (fresh.refreshToken === null) return { kind: 'expired' };
      const refresher = this.#deps.refresher(provider);
      logger.debug('refreshing access token', { provider: provider.id, user, grantId, forced: force });
      let tokens: Awaited<ReturnType<TokenRefresher['refresh']>>;
      // Opened (and its binding checked) before the try: a moved refresh token is never sent to the provider.
      const refreshToken = openGrantToken(box, fresh, 'refresh', fresh.refreshToken);
      noteCallSecret(refreshToken); // redacted from this call's tool result (call-secrets.ts)
      try {
        const options: { signal?: AbortSignal; user: string } = { user };
        tokens = await refresher.refresh(refreshToken, options);
      } catch (err) {
        if (err instanceof InvalidGrantSignal || (err instanceof Error && err.name === 'InvalidGrantSignal')) {
          // Persist the revocation: returning (not throwing) commits it.
          await locked.update({ status: 'revoked' });
          logger.warn('refresh token rejected (invalid_grant); grant marked revoked', { provider: provider.id, user, grantId });
          return { kind: 'revoked' };
        }
        if (err instanceof TokenRefreshError) throw err;
        if (err instanceof AlterError) throw err;
        const detail = err instanceof Error ? `${err.name}: ${err.message.slice(0, 200)}` : 'unknown error';
        throw new TokenRefreshError({ provider: provider.id, user, detail });
      }
      noteCallSecret(tokens?.refreshToken);
      if (typeof tokens?.accessToken !== 'string' || tokens.accessToken === '') {
        throw new TokenRefreshError({ provider: provider.id, user, detail: 'the refresher returned no access token' });
      }
      const updated = await locked.update({
        accessToken: sealGrantToken(box, tokens.accessToken, fresh, 'access'),
        ...(tokens.refreshToken ? { refreshToken: sealGrantToken(box, tokens.refreshToken, fresh, 'refresh') } : {}),
        expiresAt: tokens.expiresAt ?? null,
        ...(tokens.scopes ? { scopes: tokens.scopes } : {}),
      });
      return { kind: 'lease', lease: this.#lease(updated, tokens.accessToken, Date.now()) };
    });
    switch (outcome.kind) {
      case 'lease':
        return outcome.lease;
      case 'revoked':
      case 'gone':
        this.invalidate(user, provider.id);
        throw new GrantNotFoundError({ user, provider: provider.id, ...(account ? { account } : {}), revoked: true });
      case 'expired':
        throw new GrantExpiredError({ user, provider: provider.id, ...(account ? { account } : {}) });
    }
  }
}
