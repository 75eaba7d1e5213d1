/**
 * Access tokens: short-lived JWTs (RFC 9068 profile, `typ: at+jwt`) signed ES256 with the store's
 * signing key. The audience is the protected resource (RFC 8707) and is checked on every request;
 * `fid` names the token family, which is looked up on every request so revocation is immediate.
 */
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { InvalidTokenError } from './internal/oauth-errors.js';
import { ACCESS_TOKEN_ALG, type SigningKey } from './signing-key.js';
import { randomId } from './internal/crypto.js';

/** The claims Alter puts in an access token. */
export interface AccessTokenClaims {
  /** The user the token acts for (the vault user whose grants tool calls use). */
  readonly sub: string;
  readonly client_id: string;
  /** Space-separated scopes. */
  readonly scope: string;
  /** Token family id (one authorization; revoked as a whole). */
  readonly fid: string;
  readonly aud: string;
  readonly iss: string;
  readonly exp: number;
  readonly iat: number;
  readonly jti: string;
}

export interface MintInput {
  readonly user: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly familyId: string;
  readonly resource: string;
  readonly ttlSec: number;
}

/** Signs an access token. Returns the compact JWT and its expiry (epoch seconds). */
export async function mintAccessToken(key: SigningKey, issuer: string, input: MintInput): Promise<{ token: string; expiresAt: number }> {
  const now = Math.floor(Date.now() / 1000);
  const expiresAt = now + input.ttlSec;
  const token = await new SignJWT({ client_id: input.clientId, scope: input.scopes.join(' '), fid: input.familyId })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, typ: 'at+jwt', kid: key.kid })
    .setIssuer(issuer)
    .setSubject(input.user)
    .setAudience(input.resource)
    .setIssuedAt(now)
    .setExpirationTime(expiresAt)
    .setJti(randomId())
    .sign(key.privateKey);
  return { token, expiresAt };
}

/**
 * Verifies signature, `typ`, issuer, audience and expiry.
 * @throws InvalidTokenError (a wire error → 401 with `WWW-Authenticate`) for any failure;
 *   the message says which check failed and never echoes the token.
 */
export async function verifyAccessTokenJwt(key: SigningKey, issuer: string, resource: string, token: string): Promise<AccessTokenClaims> {
  try {
    const { payload } = await jwtVerify(token, key.publicKey, {
      algorithms: [ACCESS_TOKEN_ALG],
      typ: 'at+jwt',
      issuer,
      audience: resource,
    });
    if (
      typeof payload.sub !== 'string' ||
      typeof payload.client_id !== 'string' ||
      typeof payload.fid !== 'string' ||
      typeof payload.exp !== 'number'
    ) {
      throw new InvalidTokenError('Access token is missing required claims');
    }
    return payload as unknown as AccessTokenClaims;
  } catch (err) {
    if (err instanceof InvalidTokenError) throw err;
    if (err instanceof joseErrors.JWTExpired) throw new InvalidTokenError('Token has expired');
    if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'aud')
      throw new InvalidTokenError('Token was not issued for this resource');
    if (err instanceof joseErrors.JWTClaimValidationFailed) throw new InvalidTokenError(`Token claim "${err.claim}" is invalid`);
    if (err instanceof joseErrors.JOSEError) throw new InvalidTokenError('Token signature or format is invalid');
    throw err;
  }
}
