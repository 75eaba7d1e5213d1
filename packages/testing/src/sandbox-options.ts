import type { SandboxUser } from './sandbox-user.js';

/** Options of `startSandbox()`. Every field is optional. */
export interface SandboxOptions {
  /**
   * Users added to the default `alice` and `bob` (a user with an existing login replaces that
   * default, e.g. to change alice's email).
   */
  readonly users?: readonly SandboxUser[] | undefined;
  /**
   * Redirect URIs registered for every sandbox client from the start (exact match, as at real
   * providers). More can be added later with `sandbox.registerRedirectUri()`.
   */
  readonly redirectUris?: readonly string[] | undefined;
  /** Access-token lifetime in seconds (default 3600). */
  readonly accessTokenTtlSec?: number | undefined;
  /** Refresh-token lifetime in seconds (default 14 days). */
  readonly refreshTokenTtlSec?: number | undefined;
  /** Scopes the authorization server should know besides the built-in Google/GitHub/Slack ones. */
  readonly extraScopes?: readonly string[] | undefined;
}
