/**
 * What revoking a grant at its provider can end as. `vault.grants.revoke()` always revokes our
 * copy first (fail closed: the tokens are never used again, even if the provider never answers),
 * then tells the provider and reports what it said in one of these shapes. None carries a token.
 */

/**
 * How a provider revokes a grant:
 * - `'rfc7009'`: POST `token` (+ `token_type_hint`) with client authentication to the provider's
 *   revocation endpoint (explicit or from discovery). The refresh token is revoked when there is
 *   one (providers then revoke the whole grant), else the access token.
 * - `'github-grant'`: GitHub's OAuth-app grant deletion, `DELETE {revocationEndpoint}` with
 *   `{client_id}` filled in, HTTP Basic client_id:client_secret and `{"access_token": …}`.
 * - `'slack-auth-revoke'`: Slack's `auth.revoke` called with the access token (answers `ok`).
 * - `'none'`: the provider cannot revoke; only our copy is revoked.
 */
export type RevocationStyle = 'rfc7009' | 'github-grant' | 'slack-auth-revoke' | 'none';

/** Every {@link RevocationStyle}, for validation. */
export const REVOCATION_STYLES: readonly RevocationStyle[] = Object.freeze(['rfc7009', 'github-grant', 'slack-auth-revoke', 'none']);

/** Which token was sent to the provider to revoke the grant. */
export type RevokedTokenType = 'refresh_token' | 'access_token';

/** The provider's answer to a revocation request. `reason` never holds a token. */
export type UpstreamRevocation =
  /** The provider accepted the revocation. */
  | { readonly upstream: 'confirmed'; readonly token: RevokedTokenType }
  /** The provider has no revocation endpoint (or `revocation: 'none'`): nothing was sent. */
  | { readonly upstream: 'unsupported'; readonly reason: string }
  /** The provider could not be reached, refused, or answered an error: it may still honour the token. */
  | { readonly upstream: 'failed'; readonly reason: string };

/** Outcome of `vault.grants.revoke()`. */
export type RevokeGrantResult =
  /** There was no active grant to revoke; nothing was sent to the provider. */
  | { readonly revoked: false; readonly upstream: 'skipped' }
  /** Our copy is revoked; `upstream` says whether the provider confirmed. */
  | ({
      readonly revoked: true;
      readonly grantId: string;
      readonly user: string;
      readonly provider: string;
      readonly account: string;
    } & UpstreamRevocation);
