/**
 * The options of `AlterAuthProvider`, validated once into a frozen {@link ResolvedAuthProviderOptions}
 * (every default filled in), and the public URLs derived from `baseUrl`. Every bad value throws an
 * error naming the option and saying what it must be.
 */
import { type AlterVault, InvalidArgumentError, type Logger, VaultConfigError, createDefaultLogger } from '@alter/vault';
import { isLoopbackHost, normalizeProviderScopes } from '@alter/vault/internal';
import { type AuthServerLimitsOptions, type ResolvedAuthServerLimits, resolveAuthServerLimits } from './auth-server-limits.js';
import { type InternalAuthProviderOptions, RESOLVE_HOST } from './internal/internal-options.js';
import type { RateLimit } from './rate-limiter.js';
import type { ResolveHost } from './safe-fetch.js';

/**
 * The per-address limit of the token, revocation, authorize and registration endpoints, in the
 * shape `express-rate-limit` (which the MCP SDK's handlers used) takes: at most `max` requests
 * per `windowMs` milliseconds. Defaults: token and revoke 50 per 15 minutes; authorize and
 * register as in `limits`.
 */
export interface EndpointRateLimitOptions {
  readonly windowMs?: number | undefined;
  readonly max?: number | undefined;
}

/** Options of {@link AlterAuthProvider}. */
export interface AlterAuthProviderOptions {
  /**
   * Public URL of the MCP endpoint (`https://mcp.example.com/mcp`): the protected resource that
   * tokens are bound to (RFC 8707). The authorization server's issuer is its origin. When omitted,
   * `serveHttp` supplies it (its base URL plus the MCP path) when it installs the provider.
   */
  readonly baseUrl?: string | undefined;
  /** Providers to connect at sign-in and the scopes to ask each for. The first one's login identifies the user. */
  readonly providers: Readonly<Record<string, readonly string[]>>;
  /** Scopes this server's tokens can carry (`scopes_supported`). Default `['mcp']`. */
  readonly scopes?: readonly string[] | undefined;
  /** Scopes every request to the MCP endpoint needs (else 403 `insufficient_scope`). Default: none. */
  readonly requiredScopes?: readonly string[] | undefined;
  /** Access-token lifetime. Default 900 (15 minutes). */
  readonly accessTokenTtlSec?: number | undefined;
  /** Refresh-token lifetime (each rotation starts a new one). Default 30 days. */
  readonly refreshTokenTtlSec?: number | undefined;
  /** Authorization-code lifetime. Default 60. */
  readonly authorizationCodeTtlSec?: number | undefined;
  /**
   * Consent: `rememberSec` is how long a browser's approval of a client is remembered for the user
   * who completed it (default 30 days); `0` asks every time.
   */
  readonly consent?: { readonly rememberSec?: number | undefined } | undefined;
  /**
   * How long a browser stays signed in as the user after a completed authorization (a signed
   * HttpOnly cookie). A tool's Connect link naming a user opens only in a browser signed in as
   * that user. Default 30 days.
   */
  readonly signedInSec?: number | undefined;
  /** Name shown on the consent page. Default: the resource host. */
  readonly serverName?: string | undefined;
  /**
   * Accept Client ID Metadata Document URLs on loopback hosts and addresses (127.0.0.0/8, ::1;
   * plain `http://` too). Private, link-local and other special ranges stay refused. Default: only
   * when `baseUrl` itself is on a loopback host.
   */
  readonly allowLoopbackClientIds?: boolean | undefined;
  /**
   * Per-address rate limit of the endpoints: `false` turns them off (e.g. in tests; it also turns
   * off `limits.authorize` and `limits.register` unless those are set); `{ windowMs, max }` sets
   * the token and revocation limit (and authorize/register, unless `limits` sets them).
   * Default: token and revoke 50 per 15 minutes.
   */
  readonly rateLimit?: false | EndpointRateLimitOptions | undefined;
  /**
   * Bounds on what clients send and on what the server fetches for them: `/authorize` and
   * `/register` requests per client address, Client ID Metadata Document fetches (per client id,
   * per host, in all; failures remembered), and registration field sizes. Defaults in
   * docs/auth-server.md ("Input limits").
   */
  readonly limits?: AuthServerLimitsOptions | undefined;
  /**
   * Seconds a dynamically registered client lives without being used: counted from its
   * registration or the last token issued to it (code exchange or refresh). An expired client is
   * unknown (`invalid_client`); it must register again (the MCP SDK's client does so by itself).
   * Default: 90 days or `refreshTokenTtlSec`, whichever is longer; never less than
   * `refreshTokenTtlSec`, so no working refresh token outlives its client. `0` keeps clients forever.
   */
  readonly unusedClientTtlSec?: number | undefined;
  /** Default: the vault's default logger (warnings and errors). */
  readonly logger?: Logger | undefined;
}

/** Every option, validated, defaults filled in. */
export interface ResolvedAuthProviderOptions {
  readonly providers: Readonly<Record<string, readonly string[]>>;
  /** The provider whose login identifies the user (the first declared). */
  readonly identityProvider: string;
  readonly scopes: readonly string[];
  readonly requiredScopes: readonly string[];
  readonly accessTokenTtlSec: number;
  readonly refreshTokenTtlSec: number;
  readonly authorizationCodeTtlSec: number;
  readonly rememberConsentSec: number;
  readonly signedInSec: number;
  readonly serverName: string | undefined;
  readonly allowLoopbackClientIds: boolean | undefined;
  readonly limits: ResolvedAuthServerLimits;
  /** Per-address limits of `/token` and `/revoke` (`false`: off). */
  readonly tokenLimit: RateLimit | false;
  readonly revokeLimit: RateLimit | false;
  readonly unusedClientTtlSec: number;
  readonly logger: Logger;
  /** Test-only DNS resolver for Client ID Metadata Document fetches. */
  readonly resolveHost: ResolveHost | undefined;
}

/** The URLs everything is served under, derived from the MCP endpoint URL. */
export interface ResolvedUrls {
  /** The MCP endpoint URL: the protected resource tokens are bound to. */
  readonly resource: string;
  /** Its origin, no trailing slash. */
  readonly issuer: string;
  readonly secure: boolean;
  readonly prmUrl: string;
  readonly prmPath: string;
}

const DEFAULT_ENDPOINT_LIMIT: RateLimit = Object.freeze({ max: 50, windowSec: 900 });

/**
 * Validates `options` against `vault`.
 * @throws InvalidArgumentError naming the option; VaultConfigError for a provider the vault does not know.
 */
export function resolveAuthProviderOptions(vault: AlterVault, options: AlterAuthProviderOptions): ResolvedAuthProviderOptions {
  if (!options || typeof options !== 'object')
    throw new InvalidArgumentError('options', 'must be { providers: { <provider id>: [scopes] }, baseUrl? }.');
  const providers = validateProviders(vault, options.providers);
  const scopes = validateScopes('options.scopes', options.scopes ?? ['mcp']);
  if (scopes.length === 0) throw new InvalidArgumentError('options.scopes', 'must list at least one scope.');
  const requiredScopes = validateScopes('options.requiredScopes', options.requiredScopes ?? []);
  for (const s of requiredScopes) {
    if (!scopes.includes(s)) throw new InvalidArgumentError('options.requiredScopes', `"${s}" is not in options.scopes.`);
  }
  const refreshTokenTtlSec = positiveSeconds('options.refreshTokenTtlSec', options.refreshTokenTtlSec ?? 30 * 24 * 3600);
  const remember = options.consent?.rememberSec ?? 30 * 24 * 3600;
  if (!Number.isInteger(remember) || remember < 0)
    throw new InvalidArgumentError('options.consent.rememberSec', 'must be a non-negative integer.');
  // Never shorter than a refresh token: every token issued extends the client, so a client
  // holding a refresh token that still works is never unknown when it presents it.
  const unusedTtl = options.unusedClientTtlSec ?? Math.max(90 * 24 * 3600, refreshTokenTtlSec);
  if (!Number.isInteger(unusedTtl) || unusedTtl < 0)
    throw new InvalidArgumentError('options.unusedClientTtlSec', 'must be a non-negative integer (seconds; 0 keeps clients forever).');
  if (unusedTtl !== 0 && unusedTtl < refreshTokenTtlSec) {
    throw new InvalidArgumentError(
      'options.unusedClientTtlSec',
      `must be at least refreshTokenTtlSec (${refreshTokenTtlSec}), or 0 (keep clients forever): a client must outlive its refresh tokens.`,
    );
  }
  const endpointLimit = endpointRateLimit(options.rateLimit);
  const limits = resolveAuthServerLimits(
    endpointLimit === undefined || endpointLimit === false
      ? options.limits
      : { authorize: endpointLimit, register: endpointLimit, ...options.limits },
    options.rateLimit === false,
  );
  const resolveHost = (options as AlterAuthProviderOptions & InternalAuthProviderOptions)[RESOLVE_HOST];
  return Object.freeze({
    providers,
    identityProvider: Object.keys(providers)[0]!,
    scopes,
    requiredScopes,
    accessTokenTtlSec: positiveSeconds('options.accessTokenTtlSec', options.accessTokenTtlSec ?? 900),
    refreshTokenTtlSec,
    authorizationCodeTtlSec: positiveSeconds('options.authorizationCodeTtlSec', options.authorizationCodeTtlSec ?? 60),
    rememberConsentSec: remember,
    signedInSec: positiveSeconds('options.signedInSec', options.signedInSec ?? 30 * 24 * 3600),
    serverName: options.serverName,
    allowLoopbackClientIds: options.allowLoopbackClientIds,
    limits,
    tokenLimit: endpointLimit ?? DEFAULT_ENDPOINT_LIMIT,
    revokeLimit: endpointLimit ?? DEFAULT_ENDPOINT_LIMIT,
    unusedClientTtlSec: unusedTtl,
    logger: options.logger ?? createDefaultLogger(),
    resolveHost: typeof resolveHost === 'function' ? resolveHost : undefined,
  });
}

/**
 * The URLs of an MCP endpoint URL. @throws InvalidArgumentError (as `argument`) unless https, or
 * http on a loopback host, without query, fragment or credentials.
 */
export function resolveUrls(baseUrl: string, argument: string): ResolvedUrls {
  if (typeof baseUrl !== 'string' || !URL.canParse(baseUrl))
    throw new InvalidArgumentError(argument, `"${String(baseUrl)}" is not an absolute URL.`);
  const url = new URL(baseUrl);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new InvalidArgumentError(argument, 'must be https (plain http is allowed on localhost/127.0.0.1 for development).');
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new InvalidArgumentError(argument, 'must not have a query, fragment or credentials.');
  }
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  const prmPath = `/.well-known/oauth-protected-resource${path}`;
  return Object.freeze({
    resource: url.href,
    issuer: url.origin,
    secure: url.protocol === 'https:',
    prmPath,
    prmUrl: `${url.origin}${prmPath}`,
  });
}

/** `options.rateLimit` as a limit; undefined when not given. */
function endpointRateLimit(value: AlterAuthProviderOptions['rateLimit']): RateLimit | false | undefined {
  if (value === undefined || value === false) return value;
  if (typeof value !== 'object' || value === null)
    throw new InvalidArgumentError('options.rateLimit', 'must be false or { windowMs, max }.');
  for (const key of Object.keys(value)) {
    if (key !== 'windowMs' && key !== 'max') {
      throw new InvalidArgumentError(
        `options.rateLimit.${key}`,
        'is not supported: the auth server no longer uses express-rate-limit. Set { windowMs, max }, or per endpoint options.limits.authorize / options.limits.register.',
      );
    }
  }
  const windowMs = value.windowMs ?? 15 * 60 * 1000;
  if (!Number.isInteger(windowMs) || windowMs < 1000)
    throw new InvalidArgumentError('options.rateLimit.windowMs', 'must be an integer of at least 1000 (milliseconds).');
  return Object.freeze({
    max: positiveInt('options.rateLimit.max', value.max ?? DEFAULT_ENDPOINT_LIMIT.max),
    windowSec: Math.ceil(windowMs / 1000),
  });
}

function positiveSeconds(argument: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError(argument, 'must be a positive integer (seconds).');
  return value;
}

function positiveInt(argument: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError(argument, 'must be a positive integer.');
  return value;
}

function validateScopes(argument: string, scopes: readonly string[]): readonly string[] {
  if (!Array.isArray(scopes)) throw new InvalidArgumentError(argument, 'must be an array of scope strings.');
  for (const s of scopes) {
    if (typeof s !== 'string' || !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s))
      throw new InvalidArgumentError(argument, `"${String(s)}" is not a valid scope token.`);
  }
  return Object.freeze([...new Set(scopes)]);
}

function validateProviders(
  vault: AlterVault,
  providers: Readonly<Record<string, readonly string[]>> | undefined,
): Readonly<Record<string, readonly string[]>> {
  if (!providers || typeof providers !== 'object' || Array.isArray(providers)) {
    throw new InvalidArgumentError(
      'options.providers',
      'must be { <provider id>: [scopes] }, e.g. { google: ["openid"], github: ["repo"] }.',
    );
  }
  const ids = Object.keys(providers);
  if (ids.length === 0)
    throw new InvalidArgumentError('options.providers', 'must name at least one provider (its login identifies the user).');
  const known = vault.providerIds;
  const out: Record<string, readonly string[]> = {};
  for (const id of ids) {
    if (!known.includes(id)) {
      throw new VaultConfigError(
        `AlterAuthProvider: provider "${id}" is not configured in the vault (known: ${known.join(', ') || 'none'}). Add it to new AlterVault({ providers }).`,
      );
    }
    const scopes = providers[id];
    if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string' || s === '')) {
      throw new InvalidArgumentError(`options.providers.${id}`, 'must be an array of non-empty scope strings.');
    }
    out[id] = Object.freeze(normalizeProviderScopes(vault.provider(id), scopes, `options.providers.${id}`));
  }
  return Object.freeze(out);
}
