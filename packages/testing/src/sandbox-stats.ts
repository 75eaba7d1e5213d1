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

/** Live counters of a sandbox (`sandbox.stats`). Read them in assertions; `reset()` between phases. */
export interface SandboxStats {
  readonly tokenRequests: TokenRequestStats;
  readonly apiRequests: ApiRequestStats;
  /** Zeroes every counter. */
  reset(): void;
}

/** Creates zeroed live counters. */
export function createSandboxStats(): SandboxStats {
  const stats = {
    tokenRequests: emptyTokenStats(),
    apiRequests: emptyApiStats(),
    reset() {
      Object.assign(stats.tokenRequests, emptyTokenStats());
      Object.assign(stats.apiRequests, emptyApiStats());
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
