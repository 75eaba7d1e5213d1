/**
 * `POST /register` (RFC 7591 dynamic registration): the body (bounded, registration-body.ts) is
 * validated by client-metadata.ts — redirect URIs by the one policy of redirect-uri.ts,
 * `application_type` — and stored by the clients store. A public client (`none`) gets no secret;
 * any other gets a random secret, sealed at rest, sent once, expiring after 30 days.
 * The answer is 201 with the registered metadata (RFC 7591 §3.2.1).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { AlterClientsStore } from './alter-clients-store.js';
import { InvalidClientMetadataError } from './internal/oauth-errors.js';

const CLIENT_SECRET_TTL_SEC = 30 * 24 * 3600;

/** Answers one registration request. @throws the OAuth wire error to answer. */
export async function handleRegistrationRequest(req: Request, res: Response, clients: AlterClientsStore): Promise<void> {
  res.setHeader('Cache-Control', 'no-store');
  const body: unknown = req.body;
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new InvalidClientMetadataError('The registration request must be a JSON object of client metadata (RFC 7591).');
  const metadata = body as Record<string, unknown>;
  // Values the server assigns are never taken from the request.
  const { client_id: _id, client_secret: _secret, client_id_issued_at: _at, client_secret_expires_at: _exp, ...requested } = metadata;
  const issuedAt = Math.floor(Date.now() / 1000);
  const isPublic = requested.token_endpoint_auth_method === 'none';
  const client = await clients.registerClient({
    ...requested,
    client_id: randomUUID(),
    client_id_issued_at: issuedAt,
    ...(isPublic ? {} : { client_secret: randomBytes(32).toString('hex'), client_secret_expires_at: issuedAt + CLIENT_SECRET_TTL_SEC }),
  });
  res.status(201).json(client);
}
