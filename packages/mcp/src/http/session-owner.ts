/**
 * Who opened an MCP session, and the one check that a later request of that session comes from
 * them (MCP security best practices, "session hijacking": bind session ids to user-specific
 * information). Without it, anyone holding a valid token and a leaked or guessed session id could
 * post into another user's session, read its SSE stream or delete it.
 *
 * The owner is what the auth plug-in verified (`req.auth`): the user (`extra.user`, which the
 * plug-in contract requires, see http-auth-plugin.ts) and the OAuth client id. Not the token
 * itself: tokens are refreshed during a session's lifetime; the user and client are not.
 *
 * Fails closed: a session opened with auth is refused to a request without it, and the other way
 * round. Without an auth plug-in neither side has auth and every session is its caller's.
 */
import type { AuthInfo } from '../auth/oauth-types.js';

/** The caller that opened a session; `undefined` when the server has no auth plug-in. */
export interface SessionOwner {
  readonly user: string | undefined;
  readonly clientId: string;
}

/** The owner a session opened by the caller `auth` gets. */
export function sessionOwnerOf(auth: AuthInfo | undefined): SessionOwner | undefined {
  if (auth === undefined) return undefined;
  const user = auth.extra?.user;
  return Object.freeze({ user: typeof user === 'string' ? user : undefined, clientId: auth.clientId });
}

/** True when the caller `auth` is the one that opened a session owned by `owner`. */
export function isSessionOwner(owner: SessionOwner | undefined, auth: AuthInfo | undefined): boolean {
  const caller = sessionOwnerOf(auth);
  if (owner === undefined || caller === undefined) return owner === caller;
  return owner.user === caller.user && owner.clientId === caller.clientId;
}
