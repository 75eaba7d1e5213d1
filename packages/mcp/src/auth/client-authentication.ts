/**
 * Client authentication at the token and revocation endpoints (OAuth 2.1 §2.4): `client_id` in
 * the form body, and for a confidential client `client_secret` in the body too
 * (`client_secret_post`, the only method registration hands out). The secret is compared in
 * constant time; an expired secret is refused.
 */
import type { AlterClientsStore } from './alter-clients-store.js';
import { safeEqual } from './internal/crypto.js';
import { InvalidClientError, InvalidRequestError } from './internal/oauth-errors.js';
import type { OAuthClient } from './oauth-types.js';

/**
 * The client a token or revocation request comes from.
 * @throws InvalidRequestError without `client_id`; InvalidClientError for an unknown client or a missing, wrong or expired secret.
 */
export async function authenticateClient(clients: AlterClientsStore, params: Readonly<Record<string, string>>): Promise<OAuthClient> {
  const clientId = params.client_id;
  if (!clientId) throw new InvalidRequestError('client_id is required in the form body');
  const client = await clients.getClient(clientId);
  if (!client) throw new InvalidClientError('Invalid client_id (unknown or expired: register again)');
  if (client.client_secret !== undefined) {
    const secret = params.client_secret;
    if (!secret) throw new InvalidClientError('Client secret is required (client_secret in the form body)');
    if (!safeEqual(secret, client.client_secret)) throw new InvalidClientError('Invalid client_secret');
    if (client.client_secret_expires_at && client.client_secret_expires_at < Math.floor(Date.now() / 1000))
      throw new InvalidClientError('Client secret has expired; register again');
  }
  return client;
}
