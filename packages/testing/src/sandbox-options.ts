import type { SandboxService } from './sandbox-service.js';
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
  /**
   * Services the sandbox does not know yet — e.g. the API of your own tool pack: each gets an
   * OAuth client (Connect issues real tokens for it; `sandbox.provider(id)` is its vault config),
   * its scopes, and its routes served behind the same Bearer-token and scope check as the
   * built-in fake APIs. See docs/tool-packs.md.
   */
  readonly services?: readonly SandboxService[] | undefined;
}
