/**
 * The `resource` parameter (RFC 8707 §2) as `/authorize` and `/token` accept it: an absolute URI
 * without a fragment. Whether it names this server is the caller's check (`sameResource`).
 */
import { InvalidRequestError, InvalidTargetError } from './internal/oauth-errors.js';

/**
 * Refuses a `resource` value that is not a resource indicator at all.
 * @throws InvalidRequestError when it is not an absolute URI; InvalidTargetError when it has a
 * fragment (RFC 8707 §2: it "MUST NOT include a fragment component").
 */
export function checkResourceIndicator(resource: string): void {
  if (!URL.canParse(resource)) throw new InvalidRequestError('resource must be an absolute URI');
  if (resource.includes('#')) throw new InvalidTargetError('resource must not include a fragment (RFC 8707)');
}
