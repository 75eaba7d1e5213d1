/**
 * Every bound the auth server puts on what clients send and on what it fetches for them, with
 * their defaults, validated once at construction. Documented in docs/auth-server.md ("Limits").
 */
import { InvalidArgumentError } from '@alter/vault';
import type { RateLimit } from './rate-limiter.js';

/** Size bounds of client metadata (dynamic registration and Client ID Metadata Documents). */
export interface RegistrationLimits {
  /** Largest `/register` request body, in bytes. Default 16384. */
  readonly maxBodyBytes: number;
  /** Most `redirect_uris`. Default 10. */
  readonly maxRedirectUris: number;
  /** Longest URI (`redirect_uris[i]`, `client_uri`, `logo_uri`, `tos_uri`, `policy_uri`). Default 2048. */
  readonly maxUriLength: number;
  /** Most `contacts`. Default 5. */
  readonly maxContacts: number;
  /** Longest `contacts[i]`. Default 254 (an e-mail address). */
  readonly maxContactLength: number;
  /** Longest `client_name`, `software_id`, `software_version`. Default 256. */
  readonly maxTextLength: number;
  /** Longest `scope`. Default 1024. */
  readonly maxScopeLength: number;
}

/** Bounds on fetching Client ID Metadata Documents (outbound requests to URLs clients choose). */
export interface ClientDocumentLimits {
  /** Fetches of one client id. Default 3 per 60 s. */
  readonly perClient: RateLimit;
  /** Fetches from one host (any path). Default 20 per 60 s. */
  readonly perHost: RateLimit;
  /** Fetches in all. Default 100 per 60 s. */
  readonly global: RateLimit;
  /** How long a failed document (unreachable, invalid) is remembered and not fetched again. Default 60. */
  readonly failureCacheSec: number;
  /** Most failures remembered (oldest forgotten first). Default 1000. */
  readonly maxCachedFailures: number;
}

/** `AlterAuthProviderOptions.limits`: every field optional; see {@link ResolvedAuthServerLimits} for the defaults. */
export interface AuthServerLimitsOptions {
  /**
   * `/authorize` requests per client address, counted BEFORE the client is looked up (and its
   * document fetched). Default 100 per 900 s; `false` turns it off.
   */
  readonly authorize?: RateLimit | false | undefined;
  /** `/register` requests per client address, counted before the body is read. Default 20 per 3600 s; `false` turns it off. */
  readonly register?: RateLimit | false | undefined;
  readonly clientDocuments?: Partial<ClientDocumentLimits> | undefined;
  readonly registration?: Partial<RegistrationLimits> | undefined;
}

/** The limits in force (defaults filled in, frozen). */
export interface ResolvedAuthServerLimits {
  readonly authorize: RateLimit | false;
  readonly register: RateLimit | false;
  readonly clientDocuments: ClientDocumentLimits;
  readonly registration: RegistrationLimits;
}

/** Defaults of {@link RegistrationLimits}. */
export const DEFAULT_REGISTRATION_LIMITS: RegistrationLimits = Object.freeze({
  maxBodyBytes: 16 * 1024,
  maxRedirectUris: 10,
  maxUriLength: 2048,
  maxContacts: 5,
  maxContactLength: 254,
  maxTextLength: 256,
  maxScopeLength: 1024,
});

const DEFAULT_DOCUMENT_LIMITS: ClientDocumentLimits = Object.freeze({
  perClient: Object.freeze({ max: 3, windowSec: 60 }),
  perHost: Object.freeze({ max: 20, windowSec: 60 }),
  global: Object.freeze({ max: 100, windowSec: 60 }),
  failureCacheSec: 60,
  maxCachedFailures: 1000,
});

const DEFAULT_AUTHORIZE: RateLimit = Object.freeze({ max: 100, windowSec: 900 });
const DEFAULT_REGISTER: RateLimit = Object.freeze({ max: 20, windowSec: 3600 });

/**
 * Fills in defaults and validates. `endpointLimitsOff` (the legacy `rateLimit: false`) turns the
 * per-address endpoint limits off unless they are set explicitly; document-fetch limits always apply.
 * @throws InvalidArgumentError naming the bad field.
 */
export function resolveAuthServerLimits(input: AuthServerLimitsOptions | undefined, endpointLimitsOff: boolean): ResolvedAuthServerLimits {
  if (input !== undefined && (typeof input !== 'object' || input === null))
    throw new InvalidArgumentError('options.limits', 'must be an object.');
  const known = new Set(['authorize', 'register', 'clientDocuments', 'registration']);
  for (const key of Object.keys(input ?? {}))
    if (!known.has(key)) throw new InvalidArgumentError(`options.limits.${key}`, `is not a known limit (known: ${[...known].join(', ')}).`);
  const endpoint = (name: 'authorize' | 'register', fallback: RateLimit): RateLimit | false => {
    const value = input?.[name];
    if (value === false) return false;
    if (value === undefined) return endpointLimitsOff ? false : fallback;
    return rateLimit(`options.limits.${name}`, value);
  };
  const docs = input?.clientDocuments ?? {};
  const reg = input?.registration ?? {};
  checkKeys('options.limits.clientDocuments', docs, Object.keys(DEFAULT_DOCUMENT_LIMITS));
  checkKeys('options.limits.registration', reg, Object.keys(DEFAULT_REGISTRATION_LIMITS));
  const registration: Record<string, number> = {};
  for (const [key, fallback] of Object.entries(DEFAULT_REGISTRATION_LIMITS)) {
    registration[key] = positiveInt(`options.limits.registration.${key}`, (reg as Record<string, number | undefined>)[key] ?? fallback);
  }
  return Object.freeze({
    authorize: endpoint('authorize', DEFAULT_AUTHORIZE),
    register: endpoint('register', DEFAULT_REGISTER),
    clientDocuments: Object.freeze({
      perClient: rateLimit('options.limits.clientDocuments.perClient', docs.perClient ?? DEFAULT_DOCUMENT_LIMITS.perClient),
      perHost: rateLimit('options.limits.clientDocuments.perHost', docs.perHost ?? DEFAULT_DOCUMENT_LIMITS.perHost),
      global: rateLimit('options.limits.clientDocuments.global', docs.global ?? DEFAULT_DOCUMENT_LIMITS.global),
      failureCacheSec: positiveInt(
        'options.limits.clientDocuments.failureCacheSec',
        docs.failureCacheSec ?? DEFAULT_DOCUMENT_LIMITS.failureCacheSec,
      ),
      maxCachedFailures: positiveInt(
        'options.limits.clientDocuments.maxCachedFailures',
        docs.maxCachedFailures ?? DEFAULT_DOCUMENT_LIMITS.maxCachedFailures,
      ),
    }),
    registration: Object.freeze(registration as unknown as RegistrationLimits),
  });
}

function rateLimit(argument: string, value: RateLimit): RateLimit {
  if (!value || typeof value !== 'object') throw new InvalidArgumentError(argument, 'must be { max, windowSec } (or false where allowed).');
  checkKeys(argument, value, ['max', 'windowSec']);
  return Object.freeze({
    max: positiveInt(`${argument}.max`, value.max),
    windowSec: positiveInt(`${argument}.windowSec`, value.windowSec),
  });
}

function positiveInt(argument: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError(argument, 'must be a positive integer.');
  return value;
}

// Options objects have no index signature, but plain JavaScript callers can still misspell a key;
// a typo must not silently leave a default in force.
function checkKeys(argument: string, value: object, known: readonly string[]): void {
  if (typeof value !== 'object' || value === null) throw new InvalidArgumentError(argument, 'must be an object.');
  for (const key of Object.keys(value))
    if (!known.includes(key)) throw new InvalidArgumentError(`${argument}.${key}`, `is not known (known: ${known.join(', ')}).`);
}
