/** `vault.grants`: put/get/list/revoke grants. Returns {@link GrantInfo}, which never holds a token. */
import { InvalidArgumentError } from './errors.js';
import type { GrantStatus, GrantStore, StoredGrant } from './grant-store.js';
import { openGrantToken, sealGrantToken } from './grant-token-seal.js';
import { optionalDate, optionalIdentifier, requireIdentifier, requireNonEmptyString, requireObject, stringArray } from './internal/args.js';
import type { ProviderConfig } from './provider-config.js';
import type { SecretBox } from './secret-box.js';
import type { TokenManager } from './token-manager.js';
import type { GrantTokens } from './oauth-client.js';
import type { RevokeGrantResult, UpstreamRevocation } from './upstream-revocation.js';

/** A grant as the grants API shows it: no token fields. */
export interface GrantInfo {
  readonly id: string;
  readonly user: string;
  readonly provider: string;
  readonly account: string;
  readonly scopes: readonly string[];
  readonly expiresAt: Date | null;
  readonly status: GrantStatus;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Input of {@link GrantsApi.put}. Tokens are sealed before they reach the store. */
export interface PutGrantInput {
  readonly user: string;
  readonly provider: string;
  /** Default `''` (one account per user and provider). */
  readonly account?: string | undefined;
  readonly accessToken: string;
  /**
   * Omitted: an existing grant's refresh token is kept (providers such as Google send one only on
   * the first consent). `null` clears it.
   */
  readonly refreshToken?: string | null | undefined;
  readonly expiresAt?: Date | null | undefined;
  readonly scopes: readonly string[];
}

export interface GrantSelector {
  readonly user: string;
  readonly provider: string;
  readonly account?: string | undefined;
}

export interface GrantListFilter {
  readonly user?: string | undefined;
  readonly provider?: string | undefined;
  readonly account?: string | undefined;
  readonly includeRevoked?: boolean | undefined;
}

/** @internal what the grants API needs from the vault. */
export interface GrantsApiDeps {
  ready(): Promise<void>;
  readonly store: GrantStore;
  box(): SecretBox;
  provider(id: string): ProviderConfig;
  readonly tokens: TokenManager;
  /** Revokes a grant's tokens at its provider (the OAuth client of that provider). */
  revokeUpstream(provider: ProviderConfig, tokens: GrantTokens): Promise<UpstreamRevocation>;
}

export function toGrantInfo(g: StoredGrant): GrantInfo {
  return Object.freeze({
    id: g.id,
    user: g.user,
    provider: g.provider,
    account: g.account,
    scopes: Object.freeze([...g.scopes]),
    expiresAt: g.expiresAt,
    status: g.status,
    createdAt: g.createdAt,
    updatedAt: g.updatedAt,
  });
}

export class GrantsApi {
  readonly #deps: GrantsApiDeps;

  /** @internal */
  constructor(deps: GrantsApiDeps) {
    this.#deps = deps;
  }

  /**
   * Stores (upserts on user + provider + account) a grant; tokens are sealed with the vault key.
   * @throws InvalidArgumentError naming the bad field; VaultConfigError for an unknown provider.
   * @example
   * await vault.grants.put({ user: 'alice', provider: 'github', accessToken, scopes: ['repo'] });
   */
  async put(input: PutGrantInput): Promise<GrantInfo> {
    requireObject(input, 'input');
    const user = requireIdentifier(input.user, 'input.user');
    const provider = requireIdentifier(input.provider, 'input.provider');
    const account = optionalIdentifier(input.account, 'input.account') ?? '';
    const accessToken = requireNonEmptyString(input.accessToken, 'input.accessToken');
    const refreshToken =
      input.refreshToken === undefined || input.refreshToken === null
        ? input.refreshToken
        : requireNonEmptyString(input.refreshToken, 'input.refreshToken');
    const expiresAt = optionalDate(input.expiresAt, 'input.expiresAt') ?? null;
    const scopes = stringArray(input.scopes, 'input.scopes');
    this.#deps.provider(provider);
    await this.#deps.ready();
    const box = this.#deps.box();
    // Tokens are bound to (user, provider, account, field): copied into another row, they are refused.
    const owner = { user, provider, account };
    let sealedRefresh: string | null = null;
    if (typeof refreshToken === 'string') sealedRefresh = sealGrantToken(box, refreshToken, owner, 'refresh');
    else if (refreshToken === undefined) {
      const [existing] = await this.#deps.store.listGrants({ user, provider, account });
      sealedRefresh = existing?.refreshToken ?? null;
    }
    const stored = await this.#deps.store.putGrant({
      user,
      provider,
      account,
      accessToken: sealGrantToken(box, accessToken, owner, 'access'),
      refreshToken: sealedRefresh,
      expiresAt,
      scopes,
    });
    this.#deps.tokens.invalidate(user, provider);
    return toGrantInfo(stored);
  }

  /**
   * The grant selected like `request()` selects it (the named account, or the only active one);
   * undefined when there is none.
   * @throws AccountAmbiguousError when several accounts are active and none was named.
   */
  async get(selector: GrantSelector): Promise<GrantInfo | undefined> {
    const { user, provider, account } = this.#selector(selector, 'selector');
    await this.#deps.ready();
    const all = await this.#deps.store.listGrants({ user, provider, ...(account !== undefined ? { account } : {}), includeRevoked: true });
    const active = all.filter((g) => g.status === 'active');
    if (active.length === 1) return toGrantInfo(active[0]!);
    if (active.length > 1) {
      await this.#deps.tokens.select(provider, user, account); // throws AccountAmbiguousError
    }
    // Only revoked ones: show the newest so callers can see it was revoked.
    const newest = all.sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime())[0];
    return newest ? toGrantInfo(newest) : undefined;
  }

  /** Grants matching the filter (active only unless includeRevoked). */
  async list(filter: GrantListFilter = {}): Promise<GrantInfo[]> {
    requireObject(filter, 'filter');
    const user = optionalIdentifier(filter.user, 'filter.user');
    const provider = optionalIdentifier(filter.provider, 'filter.provider');
    const account = optionalIdentifier(filter.account, 'filter.account');
    if (filter.includeRevoked !== undefined && typeof filter.includeRevoked !== 'boolean') {
      throw new InvalidArgumentError('filter.includeRevoked', 'expected a boolean');
    }
    await this.#deps.ready();
    const rows = await this.#deps.store.listGrants({
      ...(user !== undefined ? { user } : {}),
      ...(provider !== undefined ? { provider } : {}),
      ...(account !== undefined ? { account } : {}),
      includeRevoked: filter.includeRevoked ?? false,
    });
    return rows.map(toGrantInfo);
  }

  /**
   * Revokes a grant: first our copy (marked revoked, kept for audit, never used again), then at
   * the provider (RFC 7009, GitHub's grant deletion or Slack's `auth.revoke`, see
   * {@link ProviderConfig.revocation}). Select it by id, or like `get()`. The result says whether
   * the provider confirmed; an unreachable provider does not stop the local revocation
   * (`upstream: 'failed'`, with a token-free reason). Resolves `{ revoked: false }` when there was
   * no active grant.
   * @throws AccountAmbiguousError when several accounts are active and none was named.
   * @example
   * const r = await vault.grants.revoke({ user: 'alice', provider: 'github' });
   * if (r.revoked && r.upstream === 'failed') console.warn(`revoke at GitHub yourself: ${r.reason}`);
   */
  async revoke(selector: GrantSelector | { readonly id: string }): Promise<RevokeGrantResult> {
    requireObject(selector, 'selector');
    await this.#deps.ready();
    const store = this.#deps.store;
    let grant: StoredGrant | undefined;
    if ('id' in selector && selector.id !== undefined) {
      grant = await store.getGrant(requireIdentifier(selector.id, 'selector.id'));
    } else {
      const { user, provider, account } = this.#selector(selector as GrantSelector, 'selector');
      const active = await store.listGrants({ user, provider, ...(account !== undefined ? { account } : {}) });
      if (active.length > 1) await this.#deps.tokens.select(provider, user, account);
      grant = active[0];
    }
    if (grant?.status !== 'active') return Object.freeze({ revoked: false, upstream: 'skipped' });
    // Read the tokens before our copy is revoked (a tampered row cannot stop the local revocation).
    let tokens: GrantTokens | undefined;
    try {
      const box = this.#deps.box();
      tokens = {
        accessToken: openGrantToken(box, grant, 'access', grant.accessToken),
        refreshToken: grant.refreshToken ? openGrantToken(box, grant, 'refresh', grant.refreshToken) : null,
      };
    } catch {
      tokens = undefined;
    }
    // Fail closed: our copy is revoked before the provider is asked, so a slow or unreachable
    // provider never leaves the grant usable here.
    await store.updateGrant(grant.id, { status: 'revoked' });
    this.#deps.tokens.invalidate(grant.user, grant.provider);
    const upstream: UpstreamRevocation = tokens
      ? await this.#upstream(grant.provider, tokens)
      : {
          upstream: 'failed',
          reason: 'the stored tokens could not be opened (wrong key or edited row); revoke the grant at the provider by hand',
        };
    return Object.freeze({
      revoked: true,
      grantId: grant.id,
      user: grant.user,
      provider: grant.provider,
      account: grant.account,
      ...upstream,
    });
  }

  async #upstream(providerId: string, tokens: GrantTokens): Promise<UpstreamRevocation> {
    let provider: ProviderConfig;
    try {
      provider = this.#deps.provider(providerId);
    } catch {
      return { upstream: 'failed', reason: `provider "${providerId}" is not configured in this vault, so it could not be asked to revoke` };
    }
    try {
      return await this.#deps.revokeUpstream(provider, tokens);
    } catch {
      // revokeGrant resolves failures itself; anything else is reported without its message (it may quote a token).
      return { upstream: 'failed', reason: 'the revocation request failed unexpectedly' };
    }
  }

  #selector(selector: GrantSelector, name: string): { user: string; provider: string; account: string | undefined } {
    requireObject(selector, name);
    return {
      user: requireIdentifier(selector.user, `${name}.user`),
      provider: requireIdentifier(selector.provider, `${name}.provider`),
      account: optionalIdentifier(selector.account, `${name}.account`),
    };
  }
}
