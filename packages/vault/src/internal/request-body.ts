/**
 * The body `vault.request()` sends: one private copy, taken when the request is checked, that is
 * approved, hashed, shown and sent. Nothing the caller still holds is ever sent.
 *
 * Why a copy, and why only these types:
 * - A stream has no length the vault knows. On GET, DELETE and OPTIONS Node sends it with neither
 *   Content-Length nor Transfer-Encoding, so its bytes arrive on the keep-alive socket as the start
 *   of the next request — another user's, Bearer token included (request smuggling; the same
 *   attack a caller-set Content-Length is refused for, request-headers.ts).
 * - axios sends a Uint8Array that is not a Buffer as its whole backing ArrayBuffer: a 7-byte view
 *   of Node's shared 8 KiB pool sent the other bytes of the pool, another user's token among them.
 *   The copy holds exactly the view's bytes.
 * - A Buffer or URLSearchParams the caller keeps can be changed after the approval hashed and
 *   showed it; the copy cannot.
 */
import { InvalidArgumentError } from '../errors.js';
import { describeType } from './args.js';

/** A body as sent: immutable text, or a Buffer or URLSearchParams no one else holds. */
export type SentBody = string | Buffer | URLSearchParams | undefined;

/**
 * The body to send for `json` / `body` options (at most one is set; the caller checks that).
 * @throws InvalidArgumentError (`options.body`) for any other type.
 */
export function sentBody(json: unknown, body: unknown): SentBody {
  if (json !== undefined) return JSON.stringify(json);
  if (body === undefined || typeof body === 'string') return body;
  // Buffer.from(view) copies exactly the view's bytes (never its backing ArrayBuffer).
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof URLSearchParams) return new URLSearchParams(body);
  const got = body !== null && typeof body === 'object' ? (body.constructor?.name ?? 'an object') : describeType(body);
  throw new InvalidArgumentError(
    'options.body',
    `expected a string, Buffer, Uint8Array or URLSearchParams, got ${got}: pass an object as options.json, and read a stream into a Buffer first (the vault sends only a body whose length it knows)`,
  );
}
