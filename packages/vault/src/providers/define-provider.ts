/**
 * Validates a {@link ProviderConfig} and hides its client secret. Every factory in this folder
 * ends here; @alter/testing's sandbox and users' hand-written providers may call it too.
 */
import { inspect } from 'node:util';
import { InvalidArgumentError } from '../errors.js';
import type { ProviderConfig } from '../provider-config.js';
import { parseHostEntry } from '../host-policy.js';
import { isLoopbackHost } from '../loopback-host.js';
import { REVOCATION_STYLES } from '../upstream-revocation.js';

const ID_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/i;
const REDACTED = '[redacted]';

/**
 * Checks a provider configuration and returns a frozen copy whose `clientSecret` is readable
 * (`config.clientSecret`) but never shown: it is non-enumerable, so `JSON.stringify`,
 * `util.inspect` and object spread leave it out (spreading therefore drops it — pass `id` to the
 * factory instead of spreading a config to rename it).
 *
 * @throws InvalidArgumentError naming the bad field (`clientId`, `tokenEndpoint`, …).
 * @example
 * const acme = defineProvider({
 *   id: 'acme', displayName: 'Acme', clientId: 'abc', clientSecret: process.env.ACME_SECRET,
 *   authorizationEndpoint: 'https://acme.example/oauth/authorize',
 *   tokenEndpoint: 'https://acme.example/oauth/token',
 *   defaultScopes: [], scopeSeparator: ' ', allowedHosts: ['api.acme.example'],
 * });
 */
export function defineProvider<T extends ProviderConfig>(config: T, factory = 'defineProvider'): T {
  const where = `${factory}()`;
  if (config === null || typeof config !== 'object') {
    throw new InvalidArgumentError('config', `${where} needs a provider configuration object.`);
  }
  if (typeof config.id !== 'string' || !ID_PATTERN.test(config.id)) {
    throw new InvalidArgumentError(
      'id',
      `${where}: provider id must be 1-64 letters, digits, '_', '-' or '.' (got ${JSON.stringify(config.id)}).`,
    );
  }
  if (typeof config.clientId !== 'string' || config.clientId.trim() === '') {
    throw new InvalidArgumentError(
      'clientId',
      `${where} for provider "${config.id}" needs the OAuth client id registered at the provider.`,
    );
  }
  if (config.clientSecret !== undefined && (typeof config.clientSecret !== 'string' || config.clientSecret === '')) {
    throw new InvalidArgumentError(
      'clientSecret',
      `${where} for provider "${config.id}": clientSecret must be a non-empty string when given.`,
    );
  }
  const auth = config.tokenEndpointAuthMethod ?? 'client_secret_basic';
  if (auth !== 'none' && config.clientSecret === undefined) {
    throw new InvalidArgumentError(
      'clientSecret',
      `${where} for provider "${config.id}" needs the client secret (or set tokenEndpointAuthMethod: 'none' for a public client).`,
    );
  }
  if (!config.issuer && !(config.authorizationEndpoint && config.tokenEndpoint)) {
    throw new InvalidArgumentError(
      'tokenEndpoint',
      `${where} for provider "${config.id}" needs either an issuer (for discovery) or both authorizationEndpoint and tokenEndpoint.`,
    );
  }
  for (const field of ['issuer', 'authorizationEndpoint', 'tokenEndpoint', 'userinfoEndpoint', 'revocationEndpoint'] as const) {
    const value = config[field];
    if (value === undefined) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new InvalidArgumentError(field, `${where} for provider "${config.id}": ${JSON.stringify(value)} is not an absolute URL.`);
    }
    const insecureOk = url.protocol === 'http:' && config.allowInsecureLoopback === true && isLoopbackHost(url.hostname);
    if (url.protocol !== 'https:' && !insecureOk) {
      throw new InvalidArgumentError(
        field,
        `${where} for provider "${config.id}": ${url.origin} must use https (http is allowed only for loopback hosts with allowInsecureLoopback: true).`,
      );
    }
  }
  if (!Array.isArray(config.allowedHosts) || config.allowedHosts.some((h) => typeof h !== 'string' || h === '')) {
    throw new InvalidArgumentError('allowedHosts', `${where} for provider "${config.id}": allowedHosts must be an array of host names.`);
  }
  for (const raw of config.allowedHosts) {
    const entry = parseHostEntry(raw);
    if (typeof entry === 'string') throw new InvalidArgumentError('allowedHosts', `${where} for provider "${config.id}": ${entry}.`);
  }
  if (config.revocation !== undefined && !REVOCATION_STYLES.includes(config.revocation)) {
    throw new InvalidArgumentError(
      'revocation',
      `${where} for provider "${config.id}": revocation must be one of ${REVOCATION_STYLES.join(', ')}.`,
    );
  }
  const cap = config.maxResponseBytes;
  if (cap !== undefined && (typeof cap !== 'number' || !Number.isSafeInteger(cap) || cap <= 0)) {
    throw new InvalidArgumentError(
      'maxResponseBytes',
      `${where} for provider "${config.id}": maxResponseBytes must be a positive integer (bytes, after decompression).`,
    );
  }
  if (!Array.isArray(config.defaultScopes)) {
    throw new InvalidArgumentError('scopes', `${where} for provider "${config.id}": scopes must be an array of strings.`);
  }
  if (typeof config.scopeSeparator !== 'string' || config.scopeSeparator === '') {
    throw new InvalidArgumentError('scopeSeparator', `${where} for provider "${config.id}": scopeSeparator must be a non-empty string.`);
  }
  for (const field of ['scopeSignal', 'normalizeScopes'] as const) {
    if (config[field] !== undefined && typeof config[field] !== 'function') {
      throw new InvalidArgumentError(field, `${where} for provider "${config.id}": ${field} must be a function.`);
    }
  }
  if (config.scopeErrors !== undefined && config.scopeErrors !== 'raise' && config.scopeErrors !== 'return') {
    throw new InvalidArgumentError('scopeErrors', `${where} for provider "${config.id}": scopeErrors must be 'raise' or 'return'.`);
  }
  // The provider's own scopes are spelled like every other scope list (Google short names expand).
  const defaultScopes = config.normalizeScopes ? config.normalizeScopes(config.defaultScopes, `${where} scopes`) : config.defaultScopes;
  return hideClientSecret(config, defaultScopes);
}

/** Returns a frozen copy of `config` whose `clientSecret` is non-enumerable and redacted in inspect/JSON. */
function hideClientSecret<T extends ProviderConfig>(config: T, defaultScopes: readonly string[]): T {
  const { clientSecret, ...rest } = config;
  const copy: Record<string | symbol, unknown> = {
    ...Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined)),
    defaultScopes: Object.freeze([...defaultScopes]),
    allowedHosts: Object.freeze([...config.allowedHosts]),
  };
  const visible = () => ({ ...copy, ...(clientSecret === undefined ? {} : { clientSecret: REDACTED }) });
  Object.defineProperties(copy, {
    clientSecret: { value: clientSecret, enumerable: false },
    toJSON: { value: visible, enumerable: false },
    [inspect.custom]: {
      value: (_depth: number, options: object, inspectFn: typeof inspect) => `ProviderConfig ${inspectFn(visible(), options)}`,
      enumerable: false,
    },
  });
  return Object.freeze(copy) as T;
}
