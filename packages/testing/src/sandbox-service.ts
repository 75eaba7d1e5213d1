/**
 * A service the sandbox does not know yet — the fake API of a third-party tool pack (`notes`,
 * `acme`). Passed to `startSandbox({ services })`, it gets what the built-in providers have: an
 * OAuth client at the sandbox's authorization server (so Connect issues real tokens for it), its
 * scopes known to that server, and its routes served under `/hosts/<host>/…` behind the same
 * Bearer-token and scope check the fake Gmail, GitHub and Slack APIs use (`fake-api-server.ts`).
 */
import { EMULATED_PROVIDERS, isEmulatedProviderId } from './emulated-providers.js';
import { invalidArgument } from './errors.js';
import type { FakeRoute } from './fake-apis/fake-api.js';

/** One custom service: its provider id, the real hosts its API answers on, its scopes and routes. */
export interface SandboxService {
  /** The provider id the vault and `@AlterTool(id)` use (`'notes'`). Not one of the built-in ids. */
  readonly id: string;
  /** Shown on the sandbox's login and consent pages (default: the id). */
  readonly displayName?: string | undefined;
  /** The real API hosts the pack calls (`['api.notes.example']`); the vault's token may go only there. */
  readonly hosts: readonly string[];
  /** Every scope the service's tools ask for: the authorization server drops scopes it does not know. */
  readonly scopes: readonly string[];
  /**
   * The fake API. Each route runs only after the sandbox checked the Bearer token (issued to this
   * service's client, not expired, grant not revoked) and that it holds one of `anyScope`.
   */
  readonly routes: readonly FakeRoute[];
}

/** A validated, frozen {@link SandboxService} with the OAuth client the sandbox registers for it. */
export interface ResolvedSandboxService {
  readonly id: string;
  readonly displayName: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly apiHosts: readonly string[];
  readonly scopes: readonly string[];
  /** Scopes asked at every Connect besides the tool's: the protocol scopes (identity, refresh). */
  readonly defaultScopes: readonly string[];
  readonly identity: 'userinfo';
  readonly routes: readonly FakeRoute[];
}

const ID = /^[a-z][a-z0-9-]{0,39}$/;
const HOST = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', '*']);

/** True when `value` is an array (possibly empty) whose every item passes `ok`: options come from JavaScript too. */
function isArrayOf(value: unknown, ok: (item: unknown) => boolean): boolean {
  return Array.isArray(value) && value.every(ok);
}

/**
 * Validates `services` and gives each its OAuth client (`sandbox-<id>`; a test fixture, so the
 * secret is deterministic).
 * @throws {SandboxError} `SANDBOX_INVALID_ARGUMENT` naming the bad field.
 */
export function resolveServices(services: readonly SandboxService[]): readonly ResolvedSandboxService[] {
  if (!Array.isArray(services)) throw invalidArgument('options.services', 'must be an array of { id, hosts, scopes, routes }.');
  const seenIds = new Set<string>();
  const builtInHosts = new Set(Object.values(EMULATED_PROVIDERS).flatMap((p) => p.apiHosts));
  const seenHosts = new Set<string>();
  return Object.freeze(
    services.map((service, i) => {
      const where = `options.services[${i}]`;
      if (typeof service !== 'object' || service === null) throw invalidArgument(where, 'must be an object { id, hosts, scopes, routes }.');
      const { id } = service;
      if (typeof id !== 'string' || !ID.test(id))
        throw invalidArgument(`${where}.id`, 'must be lowercase letters, digits and dashes (e.g. "notes").');
      if (isEmulatedProviderId(id)) throw invalidArgument(`${where}.id`, `"${id}" is a built-in provider; give your service its own id.`);
      if (seenIds.has(id)) throw invalidArgument(`${where}.id`, `"${id}" is listed twice.`);
      seenIds.add(id);
      if (!Array.isArray(service.hosts) || service.hosts.length === 0)
        throw invalidArgument(`${where}.hosts`, 'must list the real API hosts the pack calls (e.g. ["api.notes.example"]).');
      for (const host of service.hosts) {
        if (typeof host !== 'string' || !HOST.test(host))
          throw invalidArgument(`${where}.hosts`, `${JSON.stringify(host)} is not a lowercase host name.`);
        if (builtInHosts.has(host) || seenHosts.has(host))
          throw invalidArgument(`${where}.hosts`, `"${host}" is already served by another fake API; each host has one owner.`);
        seenHosts.add(host);
      }
      if (!isArrayOf(service.scopes, (s) => typeof s === 'string' && SCOPE.test(s)))
        throw invalidArgument(
          `${where}.scopes`,
          'must be an array of scope tokens (printable ASCII without spaces, quotes or backslashes).',
        );
      const listed: readonly FakeRoute[] = Array.isArray(service.routes) ? service.routes : [];
      if (listed.length === 0) throw invalidArgument(`${where}.routes`, 'must list at least one route { method, path, anyScope, handle }.');
      const routes = listed.map((route, r): FakeRoute => {
        const at = `${where}.routes[${r}]`;
        if (typeof route?.method !== 'string' || !METHODS.has(route.method))
          throw invalidArgument(`${at}.method`, `must be one of ${[...METHODS].join(', ')}.`);
        if (typeof route.path !== 'string' || !route.path.startsWith('/'))
          throw invalidArgument(`${at}.path`, 'must be a path on the real host starting with "/" (":name" matches one segment).');
        if (!isArrayOf(route.anyScope, (s) => typeof s === 'string' && service.scopes.includes(s)))
          throw invalidArgument(`${at}.anyScope`, `must be an array of scopes listed in ${where}.scopes (empty: any valid token).`);
        if (typeof route.handle !== 'function') throw invalidArgument(`${at}.handle`, 'must be a function (request) => { status, body }.');
        return Object.freeze({
          method: route.method,
          path: route.path,
          anyScope: Object.freeze([...route.anyScope]),
          handle: route.handle,
        });
      });
      return Object.freeze({
        id,
        displayName: typeof service.displayName === 'string' && service.displayName ? service.displayName : id,
        clientId: `sandbox-${id}`,
        clientSecret: `sandbox-${id}-secret`,
        apiHosts: Object.freeze([...service.hosts]),
        scopes: Object.freeze([...service.scopes]),
        defaultScopes: Object.freeze([...EMULATED_PROVIDERS.sandbox.defaultScopes]),
        identity: 'userinfo' as const,
        routes: Object.freeze(routes),
      });
    }),
  );
}
