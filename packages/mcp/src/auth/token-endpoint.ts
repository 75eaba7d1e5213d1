/**
 * `POST /token` (OAuth 2.1 §3.2): the `authorization_code` grant (PKCE S256, redirect URI and
 * resource checked by the token service) and the `refresh_token` grant (rotation). Form body
 * only; the client authenticates in the body (client-authentication.ts). Answers are never cached.
 */
import type { Request, Response } from 'express';
import type { AlterClientsStore } from './alter-clients-store.js';
import { authenticateClient } from './client-authentication.js';
import { InvalidRequestError, UnauthorizedClientError, UnsupportedGrantTypeError } from './internal/oauth-errors.js';
import { stringParams } from './internal/oauth-http.js';
import { checkResourceIndicator } from './resource-indicator.js';
import type { TokenService } from './token-service.js';

/** Answers one token request. @throws the OAuth wire error to answer (the route maps it). */
export async function handleTokenRequest(req: Request, res: Response, clients: AlterClientsStore, tokens: TokenService): Promise<void> {
  res.setHeader('Cache-Control', 'no-store');
  const params = stringParams(req.body);
  if (!params.grant_type) throw new InvalidRequestError('grant_type is required (authorization_code or refresh_token)');
  if (params.grant_type !== 'authorization_code' && params.grant_type !== 'refresh_token') {
    throw new UnsupportedGrantTypeError(
      `The grant type "${params.grant_type}" is not supported (use authorization_code or refresh_token).`,
    );
  }
  const client = await authenticateClient(clients, params);
  if (!client.grant_types.includes(params.grant_type))
    throw new UnauthorizedClientError(`This client did not register the ${params.grant_type} grant.`);
  if (params.resource !== undefined) checkResourceIndicator(params.resource);
  const resource = params.resource === undefined ? {} : { resource: params.resource };
  if (params.grant_type === 'authorization_code') {
    if (!params.code) throw new InvalidRequestError('code is required');
    if (!params.code_verifier) throw new InvalidRequestError('code_verifier is required (PKCE)');
    const result = await tokens.exchangeCode(client, {
      code: params.code,
      codeVerifier: params.code_verifier,
      ...(params.redirect_uri === undefined ? {} : { redirectUri: params.redirect_uri }),
      ...resource,
    });
    res.status(200).json(result);
    return;
  }
  if (!params.refresh_token) throw new InvalidRequestError('refresh_token is required');
  const result = await tokens.refresh(client, {
    refreshToken: params.refresh_token,
    ...(params.scope === undefined ? {} : { scopes: params.scope.split(' ') }),
    ...resource,
  });
  res.status(200).json(result);
}
