/**
 * HTTP plumbing shared by the auth server's endpoints: the allowed methods, CORS for the
 * endpoints browser-based clients call (metadata, token, register, revoke: any origin, no
 * credentials — they carry no cookie), form and JSON bodies, and the one place a thrown value
 * becomes an OAuth error response. Internal.
 */
import express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '@alter/vault';
import { InvalidRequestError, MethodNotAllowedError, OAuthWireError, ServerError } from './oauth-errors.js';

/** Largest form body the token, revoke, authorize and consent endpoints read. */
export const FORM_LIMIT = '16kb';

/** 405 with `Allow` for any other method. */
export function allowMethods(methods: readonly string[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (methods.includes(req.method)) return next();
    res.setHeader('Allow', methods.join(', '));
    sendOAuthError(
      res,
      new MethodNotAllowedError(`The method ${req.method} is not allowed for this endpoint (use ${methods.join(' or ')}).`),
    );
  };
}

/**
 * CORS for an endpoint any web client may call: `Access-Control-Allow-Origin: *` (never with
 * credentials: these endpoints read no cookie), and preflights answered 204.
 */
export function allowAnyOrigin(methods: readonly string[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method !== 'OPTIONS') return next();
    res.setHeader('Access-Control-Allow-Methods', [...methods, 'OPTIONS'].join(', '));
    const asked = req.headers['access-control-request-headers'];
    res.setHeader(
      'Access-Control-Allow-Headers',
      typeof asked === 'string' && /^[\w\s,-]{0,512}$/.test(asked) ? asked : 'content-type, authorization, mcp-protocol-version',
    );
    res.setHeader('Access-Control-Max-Age', '600');
    res.status(204).end();
  };
}

/** `application/x-www-form-urlencoded` body, bounded. A body parsed before (an app-wide parser) is kept. */
export function formBody(): RequestHandler {
  return express.urlencoded({ extended: false, limit: FORM_LIMIT });
}

/**
 * The string parameters of a form body (or query). A parameter sent more than once (the parsers
 * make it an array) is refused: RFC 6749 §3.1 forbids it, and reading one of the values (or
 * none, as before) would act on a request other than the one sent — a second `state`, `scope` or
 * `redirect_uri`. Anything else that is not a string (an object from an app-wide parser) reads as absent.
 * @throws InvalidRequestError naming the repeated parameter.
 */
export function stringParams(source: unknown): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  if (!source || typeof source !== 'object') return out;
  for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
    if (Array.isArray(value)) {
      // Named only when it is a plain parameter name: the description never echoes arbitrary input.
      const name = /^[a-z_]{1,40}$/.test(key) ? `The parameter ${key}` : 'A parameter';
      throw new InvalidRequestError(`${name} was sent more than once (RFC 6749 §3.1)`);
    }
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}

/**
 * Answers `err` as an OAuth error: a wire error with its status and JSON; anything else is logged
 * (its name and code, never its message: it may quote input) and answered 500 `server_error`.
 */
export function sendOAuthError(res: Response, err: unknown, logger?: Logger, where?: string): void {
  let wire: OAuthWireError;
  if (err instanceof OAuthWireError) {
    wire = err;
  } else {
    logger?.error('auth: request failed', {
      path: where ?? null,
      error: err instanceof Error ? err.name : 'error',
      code: (err as { code?: unknown })?.code ?? null,
    });
    wire = new ServerError('Internal Server Error');
  }
  if (res.headersSent) return;
  res.setHeader('Cache-Control', 'no-store');
  res.status(wire.status).json(wire.toResponseObject());
}

/** An async route whose failures become OAuth error responses (see {@link sendOAuthError}). */
export function oauthRoute(logger: Logger, fn: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req, res) => {
    fn(req, res).catch((err: unknown) => sendOAuthError(res, err, logger, req.path));
  };
}
