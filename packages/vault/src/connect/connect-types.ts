/** Public shapes of Connect sessions (see connect-manager.ts). */

export interface CreateConnectSessionInput {
  /**
   * The user the grants are stored for. Omit it to let the first provider's login decide who the
   * user is (the auth server's authorize step): the session then resolves to
   * `identityUser(provider, identity)`.
   */
  readonly user?: string | undefined;
  /** Providers and the scopes to ask each for, walked through in this order. */
  readonly providers: Readonly<Record<string, readonly string[]>>;
  /**
   * Where the browser goes after the last provider (default: a "you can close this tab" page). A
   * failed or expired session comes back here too, with `connect_session=<id>&error=<reason>`
   * added (`denied`, `provider_error`, `expired`, `state_mismatch`); read the outcome with
   * `vault.connect.get(id)` rather than trusting the query.
   */
  readonly returnTo?: string | undefined;
  /** Lifetime in seconds (default 600). */
  readonly ttlSec?: number | undefined;
  /**
   * Who may carry the session out (default: whoever opens the link — a bearer link; send it only
   * to the user, over a channel you trust):
   *
   * - `'confirm'`: the link opens on an interstitial naming the app (the vault's `caller`), the
   *   user the grant will belong to, the providers and scopes; it continues only on an explicit
   *   confirmation (a CSRF-protected POST), which binds that browser: the provider must come back
   *   to it. With `vault.connect.useBrowserUser()` installed (AlterAuthProvider does), a link
   *   naming a user opens only in a browser signed in as that user. When the user already has
   *   grants at a provider, the login must come back as one of those accounts unless the user
   *   ticks "use a different account" (else the session fails with reason `account_mismatch`
   *   and nothing is stored). Use it for links sent through a chat or a tool result.
   * - `'cookie'`: bound to the browser you send `session.bindingCookie` to (as a `Set-Cookie`
   *   header on the response that redirects it to `session.url`; Connect must be served on the
   *   same host). Any other browser stops on a "wrong browser" page; a provider callback arriving
   *   in another browser fails the session (`wrong_browser`) without exchanging the code.
   */
  readonly bind?: 'confirm' | 'cookie' | undefined;
}

export interface ConnectSession {
  readonly id: string;
  /** The URL the user opens. Single-use; expires at `expiresAt`. */
  readonly url: string;
  readonly expiresAt: Date;
  /**
   * With `bind: 'cookie'`: the `Set-Cookie` header value that binds a browser to this session.
   * Send it on the response that takes the user's browser to `url`. A secret: never log it.
   */
  readonly bindingCookie?: string;
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
  readonly identity?: {
    readonly provider: string;
    readonly subject: string;
    readonly email?: string;
    readonly name?: string;
    readonly login?: string;
  };
  /**
   * Set when status is 'failed': a safe reason code and message. Reasons: `denied`,
   * `provider_error`, `state_mismatch`, `expired`, `wrong_browser` (a bound session's callback
   * came back to another browser), `account_mismatch` (a re-authorization signed in as another account).
   */
  readonly error?: { readonly reason: string; readonly message: string };
}

/** Input of `vault.connect.createGrantsLink()`. */
export interface CreateGrantsLinkInput {
  /** Whose grants the page lists and disconnects. */
  readonly user: string;
  /** Lifetime in seconds (default 900; at most a day). The page works until then in the browser that confirmed it. */
  readonly ttlSec?: number;
}

/** A link to the end user's grants page (bound to the first browser that confirms it). */
export interface GrantsLink {
  readonly id: string;
  readonly url: string;
  readonly expiresAt: Date;
}
