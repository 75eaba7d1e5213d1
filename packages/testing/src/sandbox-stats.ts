/** Token-endpoint counters. Every POST to the token endpoint counts, including injected failures. */
export interface TokenRequestStats {
  total: number;
  authorization_code: number;
  refresh_token: number;
  /** Any other (or missing) grant_type. */
  other: number;
  /** Error responses by OAuth error code: `{ invalid_grant: 1, temporarily_unavailable: 2 }`. */
  errors: Record<string, number>;
}

/** Fake-API counters. */
export interface ApiRequestStats {
  total: number;
  /** 2xx answers. */
  ok: number;
  /** Rejected for a missing, unknown, expired or revoked token. */
  unauthorized: number;
  /** Rejected for missing scopes. */
  forbidden: number;
  /** Answered by `faults.failNext` instead of the fake. */
  injected: number;
  /** By real host: `{ 'api.github.com': 3 }`. */
  byHost: Record<string, number>;
  /** By route: `{ 'GET /user': 2, 'POST /repos/:owner/:repo/issues': 1 }`. */
  byRoute: Record<string, number>;
}

/**
 * One revocation request a fake provider received. Never holds the token itself (tests feed
 * tokens to a leak check, and this record may be printed).
 */
export interface SandboxRevocation {
  /** Which endpoint: the OAuth server's RFC 7009 endpoint, GitHub's grant deletion, Slack's auth.revoke. */
  readonly via: 'rfc7009' | 'github-grant' | 'slack-auth-revoke';
  /** The client that asked (RFC 7009, GitHub) or whose token was presented (Slack); `''` when unknown. */
  readonly clientId: string;
  /** The kind of token presented, when the sandbox knew it. */
  readonly tokenType: 'access_token' | 'refresh_token' | 'unknown';
  /** The signed-in user whose grant ended, when a grant ended. */
  readonly login?: string;
  /** True when a live grant was revoked (its access and refresh tokens stop working at once). */
  readonly revoked: boolean;
  /** The HTTP status answered. */
  readonly status: number;
}

/** Live counters of a sandbox (`sandbox.stats`). Read them in assertions; `reset()` between phases. */
export interface SandboxStats {
  readonly tokenRequests: TokenRequestStats;
  readonly apiRequests: ApiRequestStats;
  /** Every revocation request, in arrival order (RFC 7009, GitHub grant deletion, Slack auth.revoke). */
  readonly revocations: readonly SandboxRevocation[];
  /** Zeroes every counter and empties `revocations`. */
  reset(): void;
}

/** Creates zeroed live counters. */
export function createSandboxStats(): SandboxStats {
  const revocations: SandboxRevocation[] = [];
  const stats = {
    tokenRequests: emptyTokenStats(),
    apiRequests: emptyApiStats(),
    revocations,
    reset() {
      Object.assign(stats.tokenRequests, emptyTokenStats());
      Object.assign(stats.apiRequests, emptyApiStats());
      revocations.length = 0;
    },
  };
  return stats;
}

function emptyTokenStats(): TokenRequestStats {
  return { total: 0, authorization_code: 0, refresh_token: 0, other: 0, errors: {} };
}

function emptyApiStats(): ApiRequestStats {
  return { total: 0, ok: 0, unauthorized: 0, forbidden: 0, injected: 0, byHost: {}, byRoute: {} };
}

/** Counts one token-endpoint request. */
export function countTokenRequest(stats: SandboxStats, grantType: unknown, error: string | undefined): void {
  const t = stats.tokenRequests;
  t.total += 1;
  if (grantType === 'authorization_code') t.authorization_code += 1;
  else if (grantType === 'refresh_token') t.refresh_token += 1;
  else t.other += 1;
  if (error) t.errors[error] = (t.errors[error] ?? 0) + 1;
}

/** Records one revocation request (frozen). */
export function recordRevocation(stats: SandboxStats, revocation: SandboxRevocation): void {
  (stats.revocations as SandboxRevocation[]).push(Object.freeze({ ...revocation }));
}
