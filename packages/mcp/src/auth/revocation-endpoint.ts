/**
 * `POST /revoke` (RFC 7009): the client authenticates as at the token endpoint; revoking either
 * token of an authorization revokes all of it; an unknown or invalid token is answered 200 too
 * (§2.2), so the endpoint tells nothing about tokens that are not the client's.
 */
import type { Request, Response } from 'express';
import type { AlterClientsStore } from './alter-clients-store.js';
import { authenticateClient } from './client-authentication.js';
import { InvalidRequestError } from './internal/oauth-errors.js';
import { stringParams } from './internal/oauth-http.js';
import type { TokenService } from './token-service.js';

/** Answers one revocation request. @throws the OAuth wire error to answer. */
export async function handleRevocationRequest(
  req: Request,
  res: Response,
  clients: AlterClientsStore,
  tokens: TokenService,
): Promise<void> {
  res.setHeader('Cache-Control', 'no-store');
  const params = stringParams(req.body);
  const client = await authenticateClient(clients, params);
  if (!params.token) throw new InvalidRequestError('token is required');
  await tokens.revoke(client, params.token);
  res.status(200).json({});
}
