/**
 * The bearer check in front of the MCP endpoint (RFC 6750, MCP authorization): a valid access
 * token for this resource, with the required scopes, sets `req.auth` — the `AuthInfo` both SDK
 * generations' Streamable HTTP transports hand to tool handlers as `authInfo` (`extra.user` is
 * the Alter user). Otherwise 401 with `WWW-Authenticate: Bearer resource_metadata="…"` (how a
 * client discovers the authorization server, RFC 9728 §5.1), or 403 `insufficient_scope` naming
 * the scopes. Plain express middleware: no SDK is involved.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '@alter/vault';
import { InsufficientScopeError, InvalidTokenError, OAuthWireError, ServerError } from './internal/oauth-errors.js';
import type { AuthInfo } from './oauth-types.js';
import { sameResource } from './token-service.js';

export interface BearerGuardOptions {
  /** Verifies a token. @throws InvalidTokenError. */
  verify(token: string): Promise<AuthInfo>;
  readonly requiredScopes: readonly string[];
  readonly resourceMetadataUrl: string;
  /** The resource tokens must be bound to. */
  readonly resource: string;
  readonly logger: Logger;
}

/** The middleware. */
export function bearerGuard(options: BearerGuardOptions): RequestHandler {
  const challenge = (error?: OAuthWireError): string => {
    const parts = error ? [`error="${error.error}"`, `error_description="${error.message.replace(/["\\]/g, '')}"`] : [];
    if (options.requiredScopes.length > 0) parts.push(`scope="${options.requiredScopes.join(' ')}"`);
    parts.push(`resource_metadata="${options.resourceMetadataUrl}"`);
    return `Bearer ${parts.join(', ')}`;
  };
  return async (req: Request, res: Response, next: NextFunction) => {
    let auth: AuthInfo;
    try {
      const header = req.headers.authorization;
      // RFC 6750 §3.1: a request without credentials gets the challenge without an error code.
      if (!header) {
        res.setHeader('WWW-Authenticate', challenge());
        res
          .status(401)
          .json(new InvalidTokenError('Missing Authorization header: sign in (see WWW-Authenticate resource_metadata)').toResponseObject());
        return;
      }
      const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
      if (!match) throw new InvalidTokenError("Invalid Authorization header format, expected 'Bearer TOKEN'");
      auth = await options.verify(match[1]!);
      if (!auth.resource || !sameResource(auth.resource.href, options.resource))
        throw new InvalidTokenError('Token was not issued for this resource');
      if (typeof auth.expiresAt !== 'number' || auth.expiresAt < Date.now() / 1000) throw new InvalidTokenError('Token has expired');
      if (!options.requiredScopes.every((s) => auth.scopes.includes(s))) throw new InsufficientScopeError('Insufficient scope');
    } catch (err) {
      if (err instanceof InvalidTokenError || err instanceof InsufficientScopeError) {
        res.setHeader('WWW-Authenticate', challenge(err));
        res.status(err.status).json(err.toResponseObject());
        return;
      }
      options.logger.error('auth: bearer check failed', {
        error: err instanceof Error ? err.name : 'error',
        code: (err as { code?: unknown })?.code ?? null,
      });
      const wire = err instanceof OAuthWireError ? err : new ServerError('Internal Server Error');
      res.status(wire.status).json(wire.toResponseObject());
      return;
    }
    (req as Request & { auth?: AuthInfo }).auth = auth;
    next();
  };
}
