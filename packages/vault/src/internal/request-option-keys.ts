/**
 * The keys a provider request accepts (`vault.request()`'s options, and `ctx.request()`'s, which
 * are a subset): a misspelt key would otherwise be ignored and the request sent without it —
 * `{ query: { q } }` for `queryParams` fetches the unfiltered list, `{ headers }` drops the
 * headers. One check for both entry points, on the request path, so it is a loop over the object's
 * own keys against a frozen table; the error (with its hint) is built only for a key not in it.
 */
import type { VaultRequestOptions } from '../alter-vault.js';
import { requireKnownKeys } from './args.js';

/** Every key of {@link VaultRequestOptions}: the type makes the compiler require each, and no other. */
const REQUEST_OPTION_KEYS: Readonly<Record<keyof VaultRequestOptions, true>> = Object.freeze({
  __proto__: null,
  user: true,
  account: true,
  json: true,
  body: true,
  queryParams: true,
  pathParams: true,
  extraHeaders: true,
  endpoints: true,
  approval: true,
  approvalAsker: true,
  reason: true,
  timeoutMs: true,
  signal: true,
  maxResponseBytes: true,
  scopes: true,
  scopeErrors: true,
} as Record<keyof VaultRequestOptions, true>);

/** The keys of {@link VaultRequestOptions}, in the order error messages list them. */
export const VAULT_REQUEST_OPTION_KEYS: readonly string[] = Object.freeze(Object.keys(REQUEST_OPTION_KEYS));

/** Names other HTTP clients use (axios, fetch, got, ky), and the option each means here. */
const REQUEST_OPTION_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  query: 'queryParams',
  params: 'queryParams',
  searchParams: 'queryParams',
  qs: 'queryParams',
  headers: 'extraHeaders',
  data: 'json',
  timeout: 'timeoutMs',
  maxContentLength: 'maxResponseBytes',
  maxBodyLength: 'maxResponseBytes',
});

/**
 * Throws InvalidArgumentError naming the first key of `options` a provider request does not know,
 * with the option it most likely means (`options.query: unknown option (did you mean
 * queryParams?)`). `listed` are the keys the message offers (`ctx.request()` lists only those tool
 * code may set; the others it accepts and replaces with the call's own).
 */
export function requireKnownRequestOptions(options: object, argument: string, listed: readonly string[] = VAULT_REQUEST_OPTION_KEYS): void {
  for (const key in options) {
    if (REQUEST_OPTION_KEYS[key as keyof VaultRequestOptions] !== true && Object.hasOwn(options, key)) {
      const aliases = Object.hasOwn(REQUEST_OPTION_ALIASES, key) ? { [key]: REQUEST_OPTION_ALIASES[key]! } : {};
      requireKnownKeys({ [key]: undefined }, listed, argument, aliases);
    }
  }
}
