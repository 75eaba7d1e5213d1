/**
 * The token pipeline: memory cache → store → refresh.
 *
 * - Decrypted access tokens are cached per (user, provider, account) until 60 s before they
 *   expire (and at most 5 minutes, so grants changed by another process are picked up).
 * - A refresh is single-flight per grant inside the process, and across processes through a
 *   short-lived lease ({@link GrantLock}): the lease is a compare-and-set that commits at once, the
 *   token endpoint is called with NO store transaction open, and the new access token AND the
 *   rotated refresh token are persisted right on receipt (bounded retries) before the token is used.
 * - Processes that find the lease taken poll with backoff (each request bounded by its timeout) and
 *   re-read: when the grant's version moved and its token is valid they use it. A lease whose
 *   holder died lapses after its TTL (longer than the token endpoint timeout) and is taken over.
 */
import { randomUUID } from 'node:crypto';
import { noteCallSecret } from './call-secrets.js';
import {
  AccountAmbiguousError,
  AlterError,
  GrantExpiredError,
  GrantNotFoundError,
  RequestAbortedError,
  RequestTimeoutError,
  TokenRefreshError,
} from './errors.js';
import type { GrantLock } from './grant-lock.js';
import type { GrantStore, GrantUpdate, StoredGrant } from './grant-store.js';
import { openGrantToken, sealGrantToken } from './grant-token-seal.js';
import type { Logger } from './logger.js';
import type { ProviderConfig } from './provider-config.js';
import type { SecretBox } from './secret-box.js';
import { InvalidGrantSignal, type RefreshedTokens } from './token-refresher.js';
import type { TokenRefresher } from './token-refresher.js';

/** Refresh this long before `expiresAt`. */
export const EXPIRY_SKEW_MS = 60_000;
/** Longest a cached token is trusted without re-reading the store. */
export const MAX_CACHE_MS = 5 * 60_000;
/** How often a process waiting on another's refresh lease re-reads the grant (doubling, with jitter). */
const LEASE_POLL_MIN_MS = 10;
const LEASE_POLL_MAX_MS = 250;
/** Saving freshly rotated tokens: attempts and first backoff (100, 200, 400, 800 ms: ~1.5 s in all). */
const PERSIST_ATTEMPTS = 5;
const PERSIST_RETRY_BASE_MS = 100;

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
  /** Cross-process single-flight of refreshes. */
  readonly lock: GrantLock;
  /** Lease TTL; longer than the token endpoint timeout plus the persist retries. */
  readonly leaseTtlMs: number;
  box(): SecretBox;
  refresher(provider: ProviderConfig): TokenRefresher;
  readonly logger: Logger;
}

/**
 * What ends one request's wait for a shared refresh: its timeout and/or its signal. (AlterVault
 * passes only the signal: its whole-request deadline wraps the acquisition already.)
 */
export interface WaitOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

type Decision =
  | { kind: 'use'; grant: StoredGrant }
  | { kind: 'refresh'; grant: StoredGrant }
  | { kind: 'revoked'; account: string }
  | { kind: 'expired'; account: string }
  | { kind: 'gone' };

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

  /**
   * The cached lease when it is still valid, else undefined. Synchronous, so the request path
   * takes a cached token without a store wait to bound (no timeout timer, no promise race).
   */
  cached(provider: ProviderConfig, user: string, account: string | undefined): TokenLease | undefined {
    const cached = this.#cache.get(TokenManager.cacheKey(user, provider.id, account));
    return cached !== undefined && Date.now() < cached.validUntil ? cached : undefined;
  }

  /** A valid access token for the selected grant (cached, stored, or freshly refreshed). */
  async acquire(provider: ProviderConfig, user: string, account: string | undefined, wait?: WaitOptions): Promise<TokenLease> {
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
    const lease = await this.#refresh(provider, user, grant.id, grant.version, false, wait);
    this.#cache.set(key, lease);
    return lease;
  }

  /** After a 401: refresh (unless another request already did) and return the new lease. */
  async forceRefresh(
    provider: ProviderConfig,
    user: string,
    account: string | undefined,
    used: TokenLease,
    wait?: WaitOptions,
  ): Promise<TokenLease> {
    const key = TokenManager.cacheKey(user, provider.id, account);
    if (this.#cache.get(key) === used) this.#cache.delete(key);
    const lease = await this.#refresh(provider, user, used.grantId, used.version, true, wait);
    this.#cache.set(key, lease);
    return lease;
  }

  /**
   * Picks the grant: the named account, or the only active one.
   * @throws GrantNotFoundError (revoked when only revoked grants exist), AccountAmbiguousError.
   */
  async select(providerId: string, user: string, account: string | undefined): Promise<StoredGrant> {
    const all = await this.#deps.store.listGrants({
      user,
      provider: providerId,
      ...(account !== undefined ? { account } : {}),
      includeRevoked: true,
    });
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

  #refresh(
    provider: ProviderConfig,
    user: string,
    grantId: string,
    seenVersion: number,
    force: boolean,
    wait: WaitOptions | undefined,
  ): Promise<TokenLease> {
    let flight = this.#flights.get(grantId);
    if (!flight) {
      const started = this.#refreshLeased(provider, user, grantId, seenVersion, force).finally(() => {
        this.#flights.delete(grantId);
      });
      this.#flights.set(grantId, started);
      flight = started;
    }
    // The flight is shared by every request of this process; each request waits at most its own timeout.
    return wait === undefined ? flight : waitBounded(flight, provider.id, wait);
  }

  /**
   * Cross-process single-flight without a transaction across HTTP: re-read the grant; if another
   * process already refreshed it (version moved, token valid) use that; otherwise take the lease
   * (a compare-and-set that ends at once) and refresh, or — when someone else holds it — poll with
   * backoff and re-read. A lease whose holder died lapses after its TTL and is taken over.
   */
  async #refreshLeased(provider: ProviderConfig, user: string, grantId: string, seenVersion: number, force: boolean): Promise<TokenLease> {
    const { store, lock, logger } = this.#deps;
    const ttlMs = this.#deps.leaseTtlMs;
    const owner = `${process.pid}:${randomUUID()}`;
    // A live holder persists or its lease lapses within one TTL; three TTLs bound the loop even
    // when leases keep changing hands.
    const giveUpAt = Date.now() + 3 * ttlMs;
    const waitStarted = Date.now();
    let pollMs = LEASE_POLL_MIN_MS;
    for (let attempt = 0; ; attempt++) {
      const decision = this.#decide(await store.getGrant(grantId), seenVersion, force);
      if (decision.kind !== 'refresh') return this.#settle(decision, provider, user);
      const lease = await lock.tryAcquire(grantId, owner, ttlMs);
      if (lease) {
        if (attempt > 0)
          logger.debug('refresh lease taken after waiting', {
            provider: provider.id,
            grantId,
            waitedMs: Date.now() - waitStarted,
            lock: lock.kind,
          });
        try {
          // Re-read under the lease: the previous holder may have persisted between our read and our CAS.
          const held = this.#decide(await store.getGrant(grantId), seenVersion, force);
          if (held.kind !== 'refresh') return this.#settle(held, provider, user);
          return await this.#refreshHoldingLease(provider, user, held.grant, force);
        } finally {
          await releaseLease(lock, grantId, owner).catch((err: unknown) => {
            logger.warn('could not release the refresh lease; it expires on its own', {
              provider: provider.id,
              grantId,
              error: (err as Error)?.message,
            });
          });
        }
      }
      if (Date.now() >= giveUpAt) {
        throw new TokenRefreshError({
          provider: provider.id,
          user,
          detail: `another process kept the refresh lease of this grant for over ${3 * ttlMs} ms without saving new tokens`,
        });
      }
      await sleep(pollMs + Math.random() * pollMs);
      pollMs = Math.min(pollMs * 2, LEASE_POLL_MAX_MS);
    }
  }

  /** What to do with the grant as read now: use its token, fail, or refresh it. */
  #decide(fresh: StoredGrant | undefined, seenVersion: number, force: boolean): Decision {
    if (!fresh) return { kind: 'gone' };
    if (fresh.status !== 'active') return { kind: 'revoked', account: fresh.account };
    const now = Date.now();
    // Another request or process refreshed meanwhile: use its token.
    if (fresh.version !== seenVersion && tokenValid(fresh, now)) return { kind: 'use', grant: fresh };
    if (!force && tokenValid(fresh, now)) return { kind: 'use', grant: fresh };
    if (fresh.refreshToken === null) return { kind: 'expired', account: fresh.account };
    return { kind: 'refresh', grant: fresh };
  }

  #settle(decision: Exclude<Decision, { kind: 'refresh' }>, provider: ProviderConfig, user: string): TokenLease {
    switch (decision.kind) {
      case 'use':
        return this.#lease(
          decision.grant,
          openGrantToken(this.#deps.box(), decision.grant, 'access', decision.grant.accessToken),
          Date.now(),
        );
      case 'revoked':
      case 'gone': {
        this.invalidate(user, provider.id);
        const account = decision.kind === 'revoked' ? decision.account : '';
        throw new GrantNotFoundError({ user, provider: provider.id, ...(account ? { account } : {}), revoked: true });
      }
      case 'expired':
        throw new GrantExpiredError({ user, provider: provider.id, ...(decision.account ? { account: decision.account } : {}) });
    }
  }

  /** Holding the lease, with no store transaction open: call the token endpoint, then persist at once. */
  async #refreshHoldingLease(provider: ProviderConfig, user: string, fresh: StoredGrant, force: boolean): Promise<TokenLease> {
    const { store, logger } = this.#deps;
    const box = this.#deps.box();
    const grantId = fresh.id;
    const refresher = this.#deps.refresher(provider);
    logger.debug('refreshing access token', { provider: provider.id, user, grantId, forced: force });
    // Opened (and its binding checked) before the call: a moved refresh token is never sent to the provider.
    const refreshToken = openGrantToken(box, fresh, 'refresh', fresh.refreshToken!);
    noteCallSecret(refreshToken); // redacted from this call's tool result (call-secrets.ts)
    let tokens: RefreshedTokens;
    try {
      const options: { signal?: AbortSignal; user: string } = { user };
      tokens = await refresher.refresh(refreshToken, options);
    } catch (err) {
      if (err instanceof InvalidGrantSignal || (err instanceof Error && err.name === 'InvalidGrantSignal')) {
        return this.#onInvalidGrant(provider, user, fresh);
      }
      if (err instanceof AlterError) throw err;
      const detail = err instanceof Error ? `${err.name}: ${err.message.slice(0, 200)}` : 'unknown error';
      throw new TokenRefreshError({ provider: provider.id, user, detail });
    }
    // From here until the write commits, the provider may already have rotated the refresh token
    // and only this process knows the new one: the crash window (docs/vault.md "Refresh and crashes").
    const received = performance.now();
    noteCallSecret(tokens?.refreshToken);
    if (typeof tokens?.accessToken !== 'string' || tokens.accessToken === '') {
      throw new TokenRefreshError({ provider: provider.id, user, detail: 'the refresher returned no access token' });
    }
    const update: GrantUpdate = {
      accessToken: sealGrantToken(box, tokens.accessToken, fresh, 'access'),
      ...(tokens.refreshToken ? { refreshToken: sealGrantToken(box, tokens.refreshToken, fresh, 'refresh') } : {}),
      expiresAt: tokens.expiresAt ?? null,
      ...(tokens.scopes ? { scopes: tokens.scopes } : {}),
    };
    let updated: StoredGrant | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        // Each attempt is its own statement on a pooled connection (a broken one is discarded).
        updated = await store.updateGrant(grantId, update);
        const windowMs = performance.now() - received;
        logger.debug('refreshed tokens persisted', {
          provider: provider.id,
          grantId,
          windowMs: Math.round(windowMs * 1000) / 1000,
          attempts: attempt,
        });
        break;
      } catch (err) {
        if (attempt >= PERSIST_ATTEMPTS) {
          // The new tokens still work for this flight; the stored refresh token may be spent, so the
          // next refresh can end in invalid_grant → GrantNotFoundError{revoked} (reconnect).
          logger.error('refreshed tokens could not be saved; the grant may need re-authorization', {
            provider: provider.id,
            grantId,
            attempts: attempt,
            error: (err as Error)?.message,
          });
          return this.#lease(
            { ...fresh, expiresAt: tokens.expiresAt ?? null, scopes: tokens.scopes ?? fresh.scopes },
            tokens.accessToken,
            Date.now(),
          );
        }
        await sleep(PERSIST_RETRY_BASE_MS * 2 ** (attempt - 1));
      }
    }
    if (!updated) {
      this.invalidate(user, provider.id);
      throw new GrantNotFoundError({ user, provider: provider.id, ...(fresh.account ? { account: fresh.account } : {}), revoked: true });
    }
    return this.#lease(updated, tokens.accessToken, Date.now());
  }

  /**
   * The provider refused the refresh token. If the grant moved meanwhile (another holder saved new
   * tokens after our lease lapsed) use those; otherwise the grant is dead: mark it revoked.
   */
  async #onInvalidGrant(provider: ProviderConfig, user: string, sent: StoredGrant): Promise<TokenLease> {
    const { store, logger } = this.#deps;
    const now = await store.getGrant(sent.id);
    if (now && now.status === 'active' && now.version !== sent.version && tokenValid(now, Date.now())) {
      return this.#settle({ kind: 'use', grant: now }, provider, user);
    }
    await store.updateGrant(sent.id, { status: 'revoked' });
    logger.warn('refresh token rejected (invalid_grant); grant marked revoked', { provider: provider.id, user, grantId: sent.id });
    return this.#settle({ kind: 'revoked', account: sent.account }, provider, user);
  }
}

/** Races a shared flight against one request's timeout and signal. */
function waitBounded(flight: Promise<TokenLease>, provider: string, wait: WaitOptions): Promise<TokenLease> {
  return new Promise<TokenLease>((resolve, reject) => {
    if (wait.signal?.aborted) {
      reject(new RequestAbortedError({ provider }));
      return;
    }
    const onAbort = () => {
      cleanup();
      reject(new RequestAbortedError({ provider }));
    };
    const { timeoutMs } = wait;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            cleanup();
            reject(new RequestTimeoutError({ provider, timeoutMs }));
          }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      wait.signal?.removeEventListener('abort', onAbort);
    };
    wait.signal?.addEventListener('abort', onAbort, { once: true });
    flight.then(
      (lease) => {
        cleanup();
        resolve(lease);
      },
      (err: unknown) => {
        cleanup();
        reject(err);
      },
    );
  });
}

/**
 * Releases a lease, retrying a few times: right after a database blip the pool can hand out a
 * connection the server already closed, and an unreleased lease makes every other caller wait
 * for its TTL. Each attempt is its own pooled statement (a broken connection is discarded).
 */
async function releaseLease(lock: GrantLock, grantId: string, owner: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await lock.release(grantId, owner);
      return;
    } catch (err) {
      if (attempt >= LEASE_RELEASE_ATTEMPTS) throw err;
      await sleep(50 * attempt);
    }
  }
}

/** Attempts to release a refresh lease before leaving it to expire. */
const LEASE_RELEASE_ATTEMPTS = 3;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
