import { defineProvider, type ProviderConfig } from '@alter/vault';
import {
  githubScopeSignal,
  googleScopeSignal,
  normalizeGithubScopes,
  normalizeGoogleScopes,
  normalizeSlackScopes,
  slackScopeSignal,
} from '@alter/vault/internal';

/** The real providers' scope behaviour, so sandbox-backed tests see what production sees. */
const SCOPE_BEHAVIOUR: Readonly<Record<string, Pick<ProviderConfig, 'scopeSignal' | 'normalizeScopes'>>> = Object.freeze({
  google: Object.freeze({
    scopeSignal: googleScopeSignal,
    // The emulator (oidc-provider) needs offline_access where Google uses access_type=offline.
    normalizeScopes: (scopes: readonly string[], where: string) =>
      scopes.flatMap((s) => (s === 'offline_access' ? [s] : normalizeGoogleScopes([s], where))),
  }),
  // The emulator's protocol scopes (oidc-provider needs them for ids and refresh tokens) pass;
  // every other name is checked as the real provider's factory checks it.
  github: Object.freeze({ scopeSignal: githubScopeSignal, normalizeScopes: exceptProtocolScopes(normalizeGithubScopes) }),
  slack: Object.freeze({ scopeSignal: slackScopeSignal, normalizeScopes: exceptProtocolScopes(normalizeSlackScopes) }),
});

function exceptProtocolScopes(normalize: (scopes: readonly string[], where: string) => readonly string[]) {
  const protocol = new Set(['openid', 'offline_access', 'email', 'profile']);
  return (scopes: readonly string[], where: string): string[] => scopes.flatMap((s) => (protocol.has(s) ? [s] : normalize([s], where)));
}
import { invalidArgument } from './errors.js';
import { EMULATED_PROVIDERS, type EmulatedProviderId, isEmulatedProviderId } from './emulated-providers.js';
import type { SandboxClientFacts } from './internal/sandbox-clients.js';

/** Options of {@link providers.sandbox}. */
export interface SandboxProviderOptions {
  /**
   * The provider id the vault and `@AlterTool(provider)` use (default `'sandbox'`). Ids
   * `'google'`, `'github'` and `'slack'` emulate those providers; any other id needs `emulate`.
   */
  readonly id?: string | undefined;
  /** Which emulated provider's client, API hosts and default scopes to use (default: `id` when it names one, else `'sandbox'`). */
  readonly emulate?: EmulatedProviderId | undefined;
  /** Replaces the default scopes asked at every Connect. */
  readonly defaultScopes?: readonly string[] | undefined;
  /** Replaces how the identity is read (`'id_token'` for google/sandbox, `'userinfo'` for github/slack). */
  readonly identity?: 'id_token' | 'userinfo' | undefined;
  readonly displayName?: string | undefined;
}

/** How each emulated provider revokes, mirroring the vault's built-in factories. */
const REVOCATION: Readonly<Record<EmulatedProviderId, (url: string) => Pick<ProviderConfig, 'revocation' | 'revocationEndpoint'>>> =
  Object.freeze({
    // RFC 7009 is the default style.
    google: (url: string) => ({ revocationEndpoint: `${url}/token/revocation` }),
    sandbox: (url: string) => ({ revocationEndpoint: `${url}/token/revocation` }),
    github: () => ({ revocation: 'github-grant' as const, revocationEndpoint: 'https://api.github.com/applications/{client_id}/grant' }),
    slack: () => ({ revocation: 'slack-auth-revoke' as const, revocationEndpoint: 'https://slack.com/api/auth.revoke' }),
  });

/** The part of a sandbox a provider config is built from. */
export interface SandboxEndpoints {
  /** Issuer URL of the sandbox, `http://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string;
}

/**
 * Builds a vault `ProviderConfig` that points at a running sandbox: its client id/secret, its
 * endpoints (also discoverable from `issuer`), `prompt=consent` so refresh tokens are issued,
 * the REAL API hosts of the emulated provider as `allowedHosts`, and `hostRewrites` that send
 * requests for those hosts to the sandbox's fakes.
 *
 * @throws {SandboxError} `SANDBOX_INVALID_ARGUMENT` for an unknown `emulate` value or an id that
 *   names no emulated provider without `emulate`.
 * @throws {InvalidArgumentError} (from @alter/vault) for an id the vault does not accept.
 * @example
 * ```ts
 * const sandbox = await startSandbox();
 * const github = providers.sandbox(sandbox, { id: 'github' });
 * // github.allowedHosts → ['api.github.com']
 * // github.hostRewrites → { 'api.github.com': `${sandbox.url}/hosts/api.github.com` }
 * ```
 */
function sandbox(target: SandboxEndpoints, options: SandboxProviderOptions = {}): ProviderConfig {
  const id = options.id ?? 'sandbox';
  if (typeof id !== 'string' || id === '') throw invalidArgument('options.id', 'must be a non-empty string.');
  const emulate = options.emulate ?? (isEmulatedProviderId(id) ? id : undefined);
  if (emulate === undefined) {
    throw invalidArgument(
      'options.emulate',
      `id '${id}' is not an emulated provider; pass emulate: 'google' | 'github' | 'slack' | 'sandbox'.`,
    );
  }
  if (!isEmulatedProviderId(emulate)) {
    throw invalidArgument('options.emulate', `'${String(emulate)}' is not one of ${Object.keys(EMULATED_PROVIDERS).join(', ')}.`);
  }
  return buildSandboxProvider(
    target.url,
    id,
    EMULATED_PROVIDERS[emulate],
    { ...REVOCATION[emulate](target.url.replace(/\/+$/, '')), ...(SCOPE_BEHAVIOUR[emulate] ?? {}) },
    options,
  );
}

/**
 * The vault config for a custom service of a running sandbox (`startSandbox({ services })`):
 * RFC 7009 revocation, the vault's default (RFC 6750) scope signal. `sandbox.provider(id)` calls it.
 */
export function serviceProviderConfig(url: string, service: SandboxClientFacts, options: SandboxProviderOptions = {}): ProviderConfig {
  const base = url.replace(/\/+$/, '');
  return buildSandboxProvider(url, service.id, service, { revocationEndpoint: `${base}/token/revocation` }, options);
}

/** The one shape of every sandbox provider config; only the client, hosts and scope behaviour differ. */
function buildSandboxProvider(
  target: string,
  id: string,
  p: SandboxClientFacts,
  behaviour: Pick<ProviderConfig, 'revocation' | 'revocationEndpoint' | 'scopeSignal' | 'normalizeScopes'>,
  options: SandboxProviderOptions,
): ProviderConfig {
  const url = target.replace(/\/+$/, '');
  // defineProvider validates like every vault factory and hides the client secret from
  // JSON.stringify / util.inspect (it stays readable as `config.clientSecret`).
  return defineProvider<ProviderConfig>(
    {
      id,
      displayName: options.displayName ?? p.displayName,
      clientId: p.clientId,
      clientSecret: p.clientSecret,
      tokenEndpointAuthMethod: 'client_secret_basic',
      issuer: url,
      authorizationEndpoint: `${url}/auth`,
      tokenEndpoint: `${url}/token`,
      userinfoEndpoint: `${url}/me`,
      // Revocation as the real provider does it (GitHub's grant deletion and Slack's auth.revoke
      // reach the fakes through hostRewrites, like every API call).
      ...behaviour,
      defaultScopes: Object.freeze([...(options.defaultScopes ?? p.defaultScopes)]),
      scopeSeparator: ' ',
      // oidc-provider issues refresh tokens only for offline_access, which it keeps only with prompt=consent.
      authorizationParams: Object.freeze({ prompt: 'consent' }),
      allowedHosts: Object.freeze([...p.apiHosts]),
      allowInsecureLoopback: true,
      hostRewrites: Object.freeze(Object.fromEntries(p.apiHosts.map((h) => [h, `${url}/hosts/${h}`]))),
      identity: options.identity ?? p.identity,
    },
    'providers.sandbox',
  );
}

/** Provider-config factories of @alter/testing (mirrors `providers` of @alter/vault). */
export const providers = Object.freeze({ sandbox });
