/**
 * The OAuth wire errors of the auth server (RFC 6749 §5.2, RFC 6750 §3.1, RFC 7591 §3.2.2,
 * RFC 8707 §2, RFC 7009): each carries its `error` code and the HTTP status it is answered with.
 * These are what a client reads, never a local failure of ours (those stay `AlterError`s and
 * become `server_error` with no detail). Internal: never exported from the package.
 */

/** An error an OAuth endpoint answers with: `{ error, error_description }` and a status. */
export abstract class OAuthWireError extends Error {
  /** The RFC error code (`invalid_grant`, …). */
  abstract readonly error: string;
  /** HTTP status of a direct (non-redirect) answer. */
  readonly status: number = 400;

  constructor(description: string, options?: { cause?: unknown }) {
    super(description, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }

  /** The JSON body (RFC 6749 §5.2). */
  toResponseObject(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.message };
  }
}

export class InvalidRequestError extends OAuthWireError {
  readonly error = 'invalid_request';
}

export class InvalidClientError extends OAuthWireError {
  readonly error = 'invalid_client';
  // RFC 6749 §5.2 allows 400 unless the client authenticated with the Authorization header,
  // which this server does not accept; 400 keeps SDK clients re-registering as they do today.
}

export class InvalidGrantError extends OAuthWireError {
  readonly error = 'invalid_grant';
}

export class UnauthorizedClientError extends OAuthWireError {
  readonly error = 'unauthorized_client';
}

export class UnsupportedGrantTypeError extends OAuthWireError {
  readonly error = 'unsupported_grant_type';
}

export class UnsupportedResponseTypeError extends OAuthWireError {
  readonly error = 'unsupported_response_type';
}

export class InvalidScopeError extends OAuthWireError {
  readonly error = 'invalid_scope';
}

/** RFC 8707 §2: the `resource` is not one this server issues tokens for. */
export class InvalidTargetError extends OAuthWireError {
  readonly error = 'invalid_target';
}

export class AccessDeniedError extends OAuthWireError {
  readonly error = 'access_denied';
}

/** Something failed on our side; the description never carries the cause. */
export class ServerError extends OAuthWireError {
  readonly error = 'server_error';
  override readonly status = 500;
}

/** RFC 6750 §3.1 (→ 401 with `WWW-Authenticate`). */
export class InvalidTokenError extends OAuthWireError {
  readonly error = 'invalid_token';
  override readonly status = 401;
}

/** RFC 6750 §3.1 (→ 403 with `WWW-Authenticate` naming the scopes). */
export class InsufficientScopeError extends OAuthWireError {
  readonly error = 'insufficient_scope';
  override readonly status = 403;
}

/** RFC 7591 §3.2.2. */
export class InvalidClientMetadataError extends OAuthWireError {
  readonly error = 'invalid_client_metadata';
}

/** RFC 7591 §3.2.2: the message names the refused URI. */
export class InvalidRedirectUriError extends OAuthWireError {
  readonly error = 'invalid_redirect_uri';
}

export class TooManyRequestsError extends OAuthWireError {
  readonly error = 'too_many_requests';
  override readonly status = 429;
}

export class MethodNotAllowedError extends OAuthWireError {
  readonly error = 'method_not_allowed';
  override readonly status = 405;
}
