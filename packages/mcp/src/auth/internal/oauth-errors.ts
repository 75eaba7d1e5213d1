/** OAuth wire errors the SDK does not define. Internal. */
import { OAuthError } from '@modelcontextprotocol/sdk/server/auth/errors.js';

/** RFC 7591 §3.2.2 `invalid_redirect_uri`. */
export class InvalidRedirectUriError extends OAuthError {
  static override errorCode = 'invalid_redirect_uri';
}
