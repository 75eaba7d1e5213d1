/**
 * An in-test stand-in for a provider's token endpoint (refresh_token grant) plus the API-side
 * notion of which access tokens are valid. It is a fake of REMOTE behaviour only; the vault code
 * under test is real. Refresh tokens rotate: an old one answers invalid_grant.
 */
import { randomBytes } from 'node:crypto';
import type { ProviderConfig } from '@alter/vault';
import { InvalidGrantSignal, type RefreshedTokens, type TokenRefresher } from '../../src/token-refresher.js';

export class FakeTokenEndpoint {
  /** Access tokens the fake API accepts. */
  readonly validAccess = new Set<string>();
  /** When true the fake API answers 401 to every token (even fresh ones). */
  rejectAll = false;
  currentRefresh: string;
  refreshCalls = 0;
  /** Lifetime of issued access tokens (ms). */
  lifetimeMs = 3600_000;
  /** Rotate the refresh token on each refresh. */
  rotate = true;
  /** Delay of each refresh (ms), to widen race windows. */
  delayMs = 30;
  /** Next refresh fails with this error instead. */
  failWith: Error | undefined;
  readonly issued: string[] = [];

  constructor(initialRefresh: string) {
    this.currentRefresh = initialRefresh;
  }

  issueAccess(): string {
    const t = `at-${randomBytes(12).toString('base64url')}`;
    this.validAccess.add(t);
    this.issued.push(t);
    return t;
  }

  refresher(provider: ProviderConfig): TokenRefresher {
    return {
      refresh: async (refreshToken: string): Promise<RefreshedTokens> => {
        this.refreshCalls += 1;
        await new Promise((r) => setTimeout(r, this.delayMs));
        if (this.failWith) {
          const e = this.failWith;
          this.failWith = undefined;
          throw e;
        }
        if (refreshToken !== this.currentRefresh) throw new InvalidGrantSignal(provider.id);
        const accessToken = this.issueAccess();
        let next: string | undefined;
        if (this.rotate) {
          next = `rt-${randomBytes(12).toString('base64url')}`;
          this.currentRefresh = next;
          this.issued.push(next);
        }
        return {
          accessToken,
          ...(next ? { refreshToken: next } : {}),
          expiresAt: new Date(Date.now() + this.lifetimeMs),
          scopes: ['read'],
        };
      },
    };
  }
}
