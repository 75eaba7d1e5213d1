/**
 * `returnTo`: where a finished Connect session sends the browser. Validation at creation, and the
 * failure URL (`connect_session` + a fixed reason code) built without re-parsing a path, so a path
 * can never turn into a protocol-relative redirect to another host.
 */

/** The reasons a failed session reports to its `returnTo` (`error=`): fixed codes, safe in a URL. */
const RETURN_REASONS: ReadonlySet<string> = new Set(['denied', 'provider_error', 'expired', 'state_mismatch', 'account_mismatch']);

/** True for an absolute http(s) URL or a same-origin path (`/…`, never `//…` or `/\…`). */
export function isSafeReturnTo(value: unknown): boolean {
  if (typeof value !== 'string' || value === '') return false;
  if (value.startsWith('/')) return !value.startsWith('//') && !value.startsWith('/\\');
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** The `error=` code for a failed session: one of {@link RETURN_REASONS}, never free text. */
export function returnReason(reason: string | undefined, status: 'failed' | 'expired'): string {
  if (reason !== undefined && RETURN_REASONS.has(reason)) return reason;
  return status === 'expired' ? 'expired' : 'provider_error';
}

/**
 * `returnTo` with `connect_session=<id>&error=<reason>` set (replacing any of those already there),
 * keeping its other parameters and fragment. Works for absolute URLs and for paths.
 */
export function failureReturnUrl(returnTo: string, sessionId: string, reason: string): string {
  if (!returnTo.startsWith('/')) {
    const url = new URL(returnTo);
    url.searchParams.set('connect_session', sessionId);
    url.searchParams.set('error', reason);
    return url.href;
  }
  // A path is rebuilt by hand, its path part kept verbatim: URL parsing would normalize
  // `/.//evil.example` into `//evil.example`, a protocol-relative redirect to another host.
  const hashAt = returnTo.indexOf('#');
  const beforeHash = hashAt === -1 ? returnTo : returnTo.slice(0, hashAt);
  const queryAt = beforeHash.indexOf('?');
  const query = new URLSearchParams(queryAt === -1 ? '' : beforeHash.slice(queryAt + 1));
  query.set('connect_session', sessionId);
  query.set('error', reason);
  return `${queryAt === -1 ? beforeHash : beforeHash.slice(0, queryAt)}?${query.toString()}${hashAt === -1 ? '' : returnTo.slice(hashAt)}`;
}
