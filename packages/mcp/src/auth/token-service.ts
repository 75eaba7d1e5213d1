/**
 * The token service: everything about codes and tokens once a user has signed in, with no HTTP in
 * it. A code is single-use, bound to its client, redirect URI, PKCE S256 challenge and resource; a
 * replayed code revokes what it issued (OAuth 2.1 §4.1.3). Access tokens are short-lived ES256
 * JWTs bound to the resource (RFC 8707); refresh tokens rotate on every use, and presenting a
 * spent one revokes the whole family (every token of that authorization). Revocation (RFC 7009)
 * of either token revokes the family; every bearer check looks the family up, so it is immediate.
 *
 * Codes and tokens are stored only as SHA-256 hashes.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '@alter/vault';
import { isStorableText } from '@alter/vault/internal';
import { mintAccessToken, verifyAccessTokenJwt } from './access-token.js';
import type { AlterClientsStore } from './alter-clients-store.js';
import { AuthRecords, type CodeRecord, type FamilyRecord, type PendingAuthorization, type RefreshRecord } from './auth-records.js';
import type { ResolvedAuthProviderOptions, ResolvedUrls } from './auth-provider-options.js';
import { BASE64URL_CHARS, randomId, randomToken, safeEqual, sha256 } from './internal/crypto.js';
import { InvalidGrantError, InvalidScopeError, InvalidTargetError, InvalidTokenError } from './internal/oauth-errors.js';
import type { AuthInfo, OAuthClient, OAuthTokens } from './oauth-types.js';
import type { SigningKey } from './signing-key.js';

/** What the token service needs from its provider. */
export interface TokenServiceDeps {
  readonly records: AuthRecords;
  readonly options: ResolvedAuthProviderOptions;
  readonly logger: Logger;
  urls(): ResolvedUrls;
  signingKey(): Promise<SigningKey>;
  clients(): AlterClientsStore;
}

/** RFC 7636 §4.1: 43–128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~". */
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/** Issues, exchanges, verifies and revokes codes and tokens. */
export class TokenService {
  readonly #deps: TokenServiceDeps;

  constructor(deps: TokenServiceDeps) {
    this.#deps = deps;
  }

  /** A new single-use authorization code for a completed sign-in of `user`. */
  async issueCode(pending: PendingAuthorization, user: string): Promise<string> {
    const code = randomToken('alt_ac_');
    const record: CodeRecord = {
      clientId: pending.clientId,
      redirectUri: pending.redirectUri,
      codeChallenge: pending.codeChallenge,
      scopes: pending.scopes,
      resource: pending.resource,
      user,
      familyId: `${pairTag(user, pending.clientId)}.${randomId()}`,
      expiresAt: Date.now() + this.#deps.options.authorizationCodeTtlSec * 1000,
    };
    await this.#deps.records.codes.put(sha256(code), record, new Date(record.expiresAt));
    return code;
  }

  /**
   * Exchanges a code (single use) for tokens after checking the client, the PKCE verifier
   * (S256), the redirect URI and the resource. A replayed code revokes what it issued.
   * @throws InvalidGrantError / InvalidTargetError / InvalidRequestError (wire errors).
   */
  async exchangeCode(
    client: OAuthClient,
    input: { code: string; codeVerifier: string; redirectUri?: string; resource?: string },
  ): Promise<OAuthTokens> {
    const hash = sha256(input.code);
    // Looked at before it is spent: a wrong verifier (an attacker holding a stolen code) must not
    // burn the legitimate client's code.
    const peek = await this.#deps.records.codes.get(hash);
    if (!peek || peek.value.clientId !== client.client_id || peek.value.expiresAt < Date.now()) {
      if (!peek) await this.#revokeIfReplayed(hash);
      throw new InvalidGrantError('Invalid or expired authorization code');
    }
    if (!CODE_VERIFIER.test(input.codeVerifier))
      throw new InvalidGrantError('code_verifier must be 43-128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636)');
    if (!safeEqual(s256(input.codeVerifier), peek.value.codeChallenge))
      throw new InvalidGrantError('code_verifier does not match the challenge');

    const code = await this.#deps.records.codes.take(hash);
    if (!code) {
      await this.#revokeIfReplayed(hash);
      throw new InvalidGrantError('Invalid or expired authorization code');
    }
    await this.#deps.records.spentCodes.put(hash, { familyId: code.familyId }, inSeconds(this.#deps.options.refreshTokenTtlSec));
    if (code.clientId !== client.client_id) throw new InvalidGrantError('The authorization code was issued to another client');
    if (code.expiresAt < Date.now()) throw new InvalidGrantError('Invalid or expired authorization code');
    // OAuth 2.1 §4.1.3: the redirect_uri, when the request carried one, must be the one the code was issued to.
    if (input.redirectUri !== undefined && input.redirectUri !== code.redirectUri)
      throw new InvalidGrantError('redirect_uri does not match the authorization request');
    if (input.resource !== undefined && !sameResource(input.resource, code.resource))
      throw new InvalidTargetError('resource does not match the authorization request');
    const family: FamilyRecord = {
      clientId: code.clientId,
      user: code.user,
      scopes: code.scopes,
      resource: code.resource,
      status: 'active',
      createdAt: new Date().toISOString(),
    };
    if (!(await this.#deps.records.families.compareAndSet(code.familyId, 0, family, inSeconds(this.#deps.options.refreshTokenTtlSec)))) {
      throw new InvalidGrantError('The authorization code was already used');
    }
    this.#deps.logger.info('auth: tokens issued', { clientId: code.clientId, user: code.user, family: code.familyId });
    return this.#issueTokens(client, code.familyId, family, code.scopes);
  }

  /**
   * Rotates a refresh token. Presenting a spent one (or another client's) revokes its whole family.
   * A request refused for any other reason (a revoked authorization, another resource, a scope
   * beyond the grant) leaves the token as it was: only a refresh that succeeds spends it
   * (RFC 6749 §5.2 and §6, OAuth 2.1 §4.3), so a client can correct its request and retry.
   * @throws InvalidGrantError / InvalidScopeError / InvalidTargetError.
   */
  async refresh(client: OAuthClient, input: { refreshToken: string; scopes?: readonly string[]; resource?: string }): Promise<OAuthTokens> {
    const hash = sha256(input.refreshToken);
    const entry = await this.#deps.records.refreshTokens.get(hash);
    if (!entry) throw new InvalidGrantError('Invalid or expired refresh token');
    const record = entry.value;
    if (record.clientId !== client.client_id) {
      await this.#deps.records.revokeFamily(record.familyId, 'refresh token presented by another client');
      throw new InvalidGrantError('The refresh token was issued to another client');
    }
    if (record.spent) throw await this.#refreshTokenReused(record);
    // Every check that can refuse the request runs against the token and family as read, before
    // the token is spent.
    const familyEntry = await this.#deps.records.families.get(record.familyId);
    if (familyEntry?.value.status !== 'active') throw new InvalidGrantError('The authorization was revoked. Sign in again.');
    const family = familyEntry.value;
    if (input.resource !== undefined && !sameResource(input.resource, family.resource))
      throw new InvalidTargetError('resource does not match the original authorization');
    let granted = family.scopes;
    const asked = (input.scopes ?? []).filter((s) => s !== '');
    if (asked.length > 0) {
      const extra = asked.filter((s) => !family.scopes.includes(s));
      if (extra.length > 0) throw new InvalidScopeError(`Scopes not in the original authorization: ${extra.join(' ')}`);
      granted = [...new Set(asked)];
    }
    // Spend it (compare-and-set): of two concurrent uses exactly one wins; the other is a reuse.
    if (!(await this.#deps.records.refreshTokens.compareAndSet(hash, entry.version, { ...record, spent: true }, entry.expiresAt))) {
      throw await this.#refreshTokenReused(record);
    }
    // Slide the family's lifetime (keep its status: a concurrent revocation wins, and the tokens
    // issued below then fail the family check like every other token of it).
    await this.#deps.records.families.compareAndSet(
      record.familyId,
      familyEntry.version,
      family,
      inSeconds(this.#deps.options.refreshTokenTtlSec),
    );
    return this.#issueTokens(client, record.familyId, family, granted);
  }

  /** A spent refresh token was presented again: revokes its family; returns the error to answer. */
  async #refreshTokenReused(record: RefreshRecord): Promise<InvalidGrantError> {
    await this.#deps.records.revokeFamily(record.familyId, 'refresh token reuse');
    this.#deps.logger.warn('auth: refresh token reused; every token of its grant is revoked', {
      clientId: record.clientId,
      family: record.familyId,
    });
    return new InvalidGrantError('The refresh token was already used; every token of this authorization has been revoked. Sign in again.');
  }

  /**
   * Verifies an access token: signature, `typ`, issuer, audience (this resource), expiry, and that
   * its family is still active. @throws InvalidTokenError (→ 401).
   */
  async verifyAccessToken(token: string): Promise<AuthInfo> {
    const urls = this.#deps.urls();
    const claims = await verifyAccessTokenJwt(await this.#deps.signingKey(), urls.issuer, urls.resource, token);
    const family = await this.#deps.records.families.get(claims.fid);
    if (family?.value.status !== 'active' || family.value.user !== claims.sub || family.value.clientId !== claims.client_id) {
      throw new InvalidTokenError('Token has been revoked');
    }
    return {
      token,
      clientId: claims.client_id,
      scopes: claims.scope === '' ? [] : claims.scope.split(' '),
      expiresAt: claims.exp,
      resource: new URL(claims.aud),
      extra: { user: claims.sub },
    };
  }

  /** RFC 7009: revoking either token of an authorization revokes the whole authorization. Unknown tokens are ignored. */
  async revoke(client: OAuthClient, token: string): Promise<void> {
    const refresh = await this.#deps.records.refreshTokens.get(sha256(token));
    if (refresh) {
      if (refresh.value.clientId === client.client_id)
        await this.#deps.records.revokeFamily(refresh.value.familyId, 'revoked by the client');
      return;
    }
    const urls = this.#deps.urls();
    try {
      const claims = await verifyAccessTokenJwt(await this.#deps.signingKey(), urls.issuer, urls.resource, token);
      if (claims.client_id === client.client_id) await this.#deps.records.revokeFamily(claims.fid, 'revoked by the client');
    } catch (err) {
      if (!(err instanceof InvalidTokenError)) throw err;
      // RFC 7009 §2.2: an invalid token is not an error.
    }
  }

  /** Revokes every authorization `user` gave `clientId` and forgets the consent. Returns how many. */
  async revokeUserClient(user: string, clientId: string): Promise<number> {
    // Ids no store could hold name no authorization (and PostgreSQL would refuse the query).
    if (!isStorableText(user) || !isStorableText(clientId)) return 0;
    let count = 0;
    // Family ids start with a tag of (user, client), so this lists only that pair's families —
    // all of them: revoked ones stay listed until they expire, so one page could hide active ones.
    for (const { key, value } of await this.#deps.records.families.listAll(`${pairTag(user, clientId)}.`, BASE64URL_CHARS)) {
      if (value.user === user && value.clientId === clientId && value.status === 'active') {
        if (await this.#deps.records.revokeFamily(key, 'revoked by the server')) count++;
      }
    }
    await this.#deps.records.consents.delete(AuthRecords.consentKey(user, clientId));
    return count;
  }

  async #issueTokens(client: OAuthClient, familyId: string, family: FamilyRecord, scopes: readonly string[]): Promise<OAuthTokens> {
    const { options } = this.#deps;
    const { token } = await mintAccessToken(await this.#deps.signingKey(), this.#deps.urls().issuer, {
      user: family.user,
      clientId: family.clientId,
      scopes,
      familyId,
      resource: family.resource,
      ttlSec: options.accessTokenTtlSec,
    });
    const tokens: OAuthTokens = {
      access_token: token,
      token_type: 'Bearer',
      expires_in: options.accessTokenTtlSec,
      scope: scopes.join(' '),
    };
    if (client.grant_types.includes('refresh_token')) {
      const refreshToken = randomToken('alt_rt_');
      await this.#deps.records.refreshTokens.put(
        sha256(refreshToken),
        { familyId, clientId: family.clientId, spent: false },
        inSeconds(options.refreshTokenTtlSec),
      );
      tokens.refresh_token = refreshToken;
    }
    // A token issued is what "used" means for a registration's unused-expiry.
    await this.#deps.clients().tokenIssued(client.client_id);
    return tokens;
  }

  /** A code that was already exchanged is being replayed: revoke the tokens it produced (OAuth 2.1 §4.1.3). */
  async #revokeIfReplayed(codeHash: string): Promise<void> {
    const spent = await this.#deps.records.spentCodes.get(codeHash);
    if (spent) {
      await this.#deps.records.revokeFamily(spent.value.familyId, 'authorization code replayed');
      this.#deps.logger.warn('auth: authorization code replayed; the tokens it issued are revoked', { family: spent.value.familyId });
    }
  }
}

/** Resource identifiers compare as strings, ignoring a fragment and one trailing slash. */
export function sameResource(a: string, b: string): boolean {
  const norm = (v: string) => (v.includes('#') ? v.slice(0, v.indexOf('#')) : v).replace(/\/$/, '');
  return norm(a) === norm(b);
}

/** RFC 7636 S256: BASE64URL(SHA256(verifier)). */
function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/**
 * Prefix of a family id: groups one user's authorizations of one client (not secret, not
 * reversible). Family ids are `<pair tag>.<random id>`, base64url after the dot (see revokeUserClient).
 */
function pairTag(user: string, clientId: string): string {
  return sha256(`${user}\n${clientId}`).slice(0, 16);
}

function inSeconds(sec: number): Date {
  return new Date(Date.now() + sec * 1000);
}
