/** Public shapes of Connect sessions (see connect-manager.ts). */

export interface CreateConnectSessionInput {
  /**
   * The user the grants are stored for. Omit it to let the first provider's login decide who the
   * user is (the auth server's authorize step): the session then resolves to
   * `identityUser(provider, identity)`.
   */
  readonly user?: string;
  /** Providers and the scopes to ask each for, walked through in this order. */
  readonly providers: Readonly<Record<string, readonly string[]>>;
  /**
   * Where the browser goes after the last provider (default: a "you can close this tab" page). A
   * failed or expired session comes back here too, with `connect_session=<id>&error=<reason>`
   * added (`denied`, `provider_error`, `expired`, `state_mismatch`); read the outcome with
   * `vault.connect.get(id)` rather than trusting the query.
   */
  readonly returnTo?: string;
  /** Lifetime in seconds (default 600). */
  readonly ttlSec?: number;
}

export interface ConnectSession {
  readonly id: string;
  /** The URL the user opens. Single-use; expires at `expiresAt`. */
  readonly url: string;
  readonly expiresAt: Date;
}

export type ConnectSessionStatus = 'pending' | 'complete' | 'failed' | 'expired';

/** What `waitFor()` resolves with when a session completes. */
export interface ConnectResult {
  readonly id: string;
  readonly status: ConnectSessionStatus;
  /** The user the grants were stored for (resolved from the first login when the session had none). */
  readonly user: string | undefined;
  /** One entry per provider connected: grant id, account, scopes granted. */
  readonly grants: ReadonlyArray<{
    readonly provider: string;
    readonly grantId: string;
    readonly account: string;
    readonly scopes: readonly string[];
    /** Scopes that were asked for but not granted (the provider or the user narrowed the consent). */
    readonly missingScopes?: readonly string[];
  }>;
  /** The provider identity read at the first provider (subject, email, …). */
  readonly identity?: { readonly provider: string; readonly subject: string; readonly email?: string; readonly name?: string; readonly login?: string };
  /** Set when status is 'failed': a safe reason code and message. */
  readonly error?: { readonly reason: string; readonly message: string };
}
