import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProviderConfig } from '@alter/vault';
import { type ApproveOptions, type ApproveResult, approveFlow } from './approve.js';
import { SandboxBrowser } from './sandbox-browser.js';
import { type EmulatedProviderId, KNOWN_SCOPES } from './emulated-providers.js';
import { invalidArgument, SandboxError } from './errors.js';
import { serviceApi } from './fake-apis/service-api.js';
import { CalendarFake } from './fake-apis/calendar.js';
import { FakeApiServer } from './fake-apis/fake-api-server.js';
import { GitHubFake } from './fake-apis/github.js';
import { GmailFake } from './fake-apis/gmail.js';
import { ProviderRevocationEndpoints } from './fake-apis/provider-revocation.js';
import { SlackFake } from './fake-apis/slack.js';
import { createAuthorizationServer } from './internal/authorization-server.js';
import { ClientRegistry } from './internal/client-registry.js';
import { sendJson } from './internal/http-util.js';
import { Interactions } from './internal/interactions.js';
import { MemoryStore } from './internal/memory-store.js';
import { SandboxClients } from './internal/sandbox-clients.js';
import { createRequestHandler } from './internal/request-handler.js';
import { providers, type SandboxProviderOptions, serviceProviderConfig } from './providers.js';
import { SandboxFaults } from './sandbox-faults.js';
import type { SandboxOptions } from './sandbox-options.js';
import { resolveServices } from './sandbox-service.js';
import { createSandboxStats, type SandboxStats } from './sandbox-stats.js';
import { DEFAULT_SANDBOX_USERS, type ResolvedSandboxUser, resolveUsers, type SandboxUser } from './sandbox-user.js';

/** The sandbox's endpoints (all on `sandbox.url`). */
export interface SandboxOAuthEndpoints {
  readonly issuer: string;
  readonly discovery: string;
  readonly authorization: string;
  readonly token: string;
  readonly userinfo: string;
  readonly revocation: string;
  readonly introspection: string;
  readonly jwks: string;
}

/** The client registered for one emulated provider or custom service. Test fixtures: the secret is not a secret. */
export interface SandboxClient {
  /** A built-in provider id (`'github'`) or a custom service's (`'notes'`). */
  readonly provider: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUris: readonly string[];
}

/** The in-memory state of the fake APIs, for seeding and inspecting in tests. */
export interface SandboxFakes {
  readonly gmail: GmailFake;
  readonly calendar: CalendarFake;
  readonly github: GitHubFake;
  readonly slack: SlackFake;
}

/**
 * A running sandbox: an OAuth 2.0 / OIDC authorization server and fake Gmail, Calendar, GitHub
 * and Slack APIs on one loopback port. Create it with {@link startSandbox}; `close()` it after.
 */
export class Sandbox {
  /** Base URL and OIDC issuer, `http://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string;
  readonly endpoints: SandboxOAuthEndpoints;
  /** Every user who can sign in. */
  readonly users: readonly ResolvedSandboxUser[];
  /** Fault switches: expire tokens, revoke grants, rotate refresh tokens, 429/503, latency, fewer scopes. */
  readonly faults: SandboxFaults;
  /** Live counters: token requests by grant type, API requests by host/route/outcome. */
  readonly stats: SandboxStats;
  /** State of the fake APIs (seed data, inspect what a tool created). */
  readonly fakes: SandboxFakes;

  readonly #server: Server;
  readonly #clients: ClientRegistry;
  readonly #directory: SandboxClients;
  /** One browser per login (see {@link browser}), and back. */
  readonly #browsers = new Map<string, SandboxBrowser>();
  readonly #browserLogins = new WeakMap<SandboxBrowser, string>();
  #closed = false;

  /** @internal Use {@link startSandbox}. */
  constructor(parts: {
    url: string;
    server: Server;
    users: readonly ResolvedSandboxUser[];
    faults: SandboxFaults;
    stats: SandboxStats;
    fakes: SandboxFakes;
    clients: ClientRegistry;
    directory: SandboxClients;
  }) {
    this.url = parts.url;
    this.#server = parts.server;
    this.users = parts.users;
    this.faults = parts.faults;
    this.stats = parts.stats;
    this.fakes = parts.fakes;
    this.#clients = parts.clients;
    this.#directory = parts.directory;
    this.endpoints = Object.freeze({
      issuer: this.url,
      discovery: `${this.url}/.well-known/openid-configuration`,
      authorization: `${this.url}/auth`,
      token: `${this.url}/token`,
      userinfo: `${this.url}/me`,
      revocation: `${this.url}/token/revocation`,
      introspection: `${this.url}/token/introspection`,
      jwks: `${this.url}/jwks`,
    });
  }

  /**
   * The vault provider config for one emulated provider (`'google'`, `'github'`, `'slack'`,
   * `'sandbox'`), for a custom service passed in `startSandbox({ services })` (`'notes'`), or for
   * any id with `{ id, emulate }`. For a built-in id, same as `providers.sandbox(sandbox, …)`.
   * @throws {SandboxError} `SANDBOX_INVALID_ARGUMENT` for an id that is neither emulated nor a service.
   * @example
   * ```ts
   * const vault = new AlterVault({ caller: 'test', providers: [sandbox.provider('github')] });
   * ```
   */
  provider(id: EmulatedProviderId | (string & {}) | SandboxProviderOptions): ProviderConfig {
    const options: SandboxProviderOptions = typeof id === 'string' ? { id } : id;
    const service = options.emulate === undefined ? this.#directory.service(options.id ?? '') : undefined;
    if (service) return serviceProviderConfig(this.url, service, options);
    return providers.sandbox(this, options);
  }

  /**
   * The registered OAuth client of an emulated provider or custom service (id, secret, redirect URIs).
   * @throws {SandboxError} `SANDBOX_INVALID_ARGUMENT` for an unknown provider id.
   */
  client(provider: EmulatedProviderId | (string & {})): SandboxClient {
    const p = this.#directory.require(provider, 'provider');
    return Object.freeze({
      provider,
      clientId: p.clientId,
      clientSecret: p.clientSecret,
      redirectUris: Object.freeze(this.#clients.redirectUris(provider)),
    });
  }

  /** The sandbox user with this login. */
  user(login: string): ResolvedSandboxUser {
    const user = this.users.find((u) => u.login === login);
    if (!user) throw invalidArgument('login', `no sandbox user "${login}"; known: ${this.users.map((u) => u.login).join(', ')}.`);
    return user;
  }

  /** Base URL of a fake API host: `apiBase('api.github.com')` → `${url}/hosts/api.github.com`. */
  apiBase(host: string): string {
    return `${this.url}/hosts/${host}`;
  }

  /**
   * Registers a redirect URI (your Connect callback) for every sandbox client, or for one
   * provider's client. Matching stays exact, as at real providers: register the full URL your
   * server sends as `redirect_uri`, after it knows its port.
   * @throws {SandboxError} `SANDBOX_INVALID_ARGUMENT` for a non-http(s) URL or one with a fragment.
   * @example
   * ```ts
   * sandbox.registerRedirectUri(`http://127.0.0.1:${port}/connect/callback`);
   * ```
   */
  registerRedirectUri(uri: string, options: { readonly provider?: EmulatedProviderId | (string & {}) } = {}): void {
    this.#assertOpen();
    if (typeof uri !== 'string' || !URL.canParse(uri)) throw invalidArgument('uri', 'must be an absolute URL.');
    const parsed = new URL(uri);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalidArgument('uri', 'must be an http or https URL.');
    if (parsed.hash || uri.includes('#')) throw invalidArgument('uri', 'must not contain a fragment.');
    if (options.provider !== undefined) this.#directory.require(options.provider, 'options.provider');
    this.#clients.register(uri, options.provider);
  }

  /**
   * Signs a user in and answers the consent screen the way a browser would, starting from any
   * loopback URL that leads to the sandbox's authorize endpoint (a Connect URL, an MCP authorize
   * URL), and follows redirects back through the client's callback. Confirms a Connect
   * interstitial (tool links) like a user. Given an MCP client's authorization URL (an
   * `AlterAuthProvider` `/authorize`), it answers the server's consent page, then every provider's
   * login and consent, and stops at the client's `redirect_uri` with the code in `result.code`.
   * Runs in a fresh cookie jar unless `options.browser` names one (`sandbox.browser(login)` keeps
   * one per login, so remembered sessions and consent apply on the next run) — sessions bound to
   * a browser (an auth server's sign-in, a tool link that needs the signed-in user) complete only
   * in that browser. Only loopback URLs are ever contacted.
   * @throws {SandboxError} `SANDBOX_NOT_LOOPBACK`, `SANDBOX_INVALID_ARGUMENT` (unknown login),
   *   `SANDBOX_REDIRECT_LOOP`, `SANDBOX_CLOSED`.
   * @example
   * ```ts
   * const { url } = await vault.connect.createSession({ user: 'u1', providers: { github: ['repo'] } });
   * const done = await sandbox.approve(url, { login: 'alice' });
   * // deny: sandbox.approve(url, { login: 'alice', deny: true })
   * // in the browser that consented: sandbox.approve(connectUrl, { login: 'alice', browser, stopAt: `${issuer}/authorize/complete` })
   * // fewer scopes: sandbox.approve(url, { login: 'alice', scopes: ['read:user'] })
   * // an MCP client's sign-in: const { code } = await sandbox.approve(authorizationUrl.href, { login: 'alice', browser: sandbox.browser('alice') })
   * ```
   */
  async approve(url: string, options: ApproveOptions): Promise<ApproveResult> {
    this.#assertOpen();
    return approveFlow(
      {
        origin: this.url,
        knownLogin: (login) => this.users.some((u) => u.login === login),
        browserLogin: (browser) => this.#browserLogins.get(browser),
      },
      url,
      options,
    );
  }

  /**
   * The browser this sandbox keeps for one login (created on first use; the same object for the
   * sandbox's life). Sign-ins run in it keep their cookies — the sandbox session, an auth server's
   * "remembered consent" — so the next `approve(url, { login, browser: sandbox.browser(login) })`
   * skips the login form and a consent page the user already answered, as a returning user's
   * browser would. `approve()` refuses it for another login.
   * @throws {SandboxError} `SANDBOX_INVALID_ARGUMENT` for an unknown login, `SANDBOX_CLOSED`.
   * @example
   * ```ts
   * const first = await sandbox.approve(authorizationUrl, { login: 'alice', browser: sandbox.browser('alice') });
   * const again = await sandbox.approve(nextAuthorizationUrl, { login: 'alice', browser: sandbox.browser('alice') });
   * // again.answered: ['consent'] — no login form, no auth-server consent page
   * ```
   */
  browser(login: string): SandboxBrowser {
    this.#assertOpen();
    this.user(login);
    let browser = this.#browsers.get(login);
    if (browser === undefined) {
      browser = new SandboxBrowser();
      this.#browsers.set(login, browser);
      this.#browserLogins.set(browser, login);
    }
    return browser;
  }

  /** Stops the server and drops every connection. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #assertOpen(): void {
    if (this.#closed) throw new SandboxError('SANDBOX_CLOSED', 'This sandbox was closed; start a new one with startSandbox().');
  }

  /** Keeps client secrets and internals out of logs. */
  toJSON(): { url: string } {
    return { url: this.url };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Sandbox { url: '${this.url}' }`;
  }
}

/**
 * Starts a sandbox on 127.0.0.1 (a free port): a real OAuth 2.0 / OIDC authorization server
 * (oidc-provider: authorization code + PKCE S256 + refresh tokens, consent, id_token, userinfo,
 * revocation) with one client per emulated provider, and fake provider APIs checking the Bearer
 * token and its scopes.
 * @throws {SandboxError} `SANDBOX_INVALID_ARGUMENT` for bad options.
 * @example
 * ```ts
 * const sandbox = await startSandbox();
 * try {
 *   sandbox.registerRedirectUri(callbackUrl);
 *   await sandbox.approve(connectUrl, { login: 'alice' });
 * } finally {
 *   await sandbox.close();
 * }
 * ```
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const users = resolveUsers(mergeUsers(DEFAULT_SANDBOX_USERS, options.users ?? []));
  const accessTokenTtlSec = positiveInt(options.accessTokenTtlSec ?? 3600, 'options.accessTokenTtlSec');
  const refreshTokenTtlSec = positiveInt(options.refreshTokenTtlSec ?? 14 * 24 * 3600, 'options.refreshTokenTtlSec');
  const extraScopes = options.extraScopes ?? [];
  if (!Array.isArray(extraScopes) || extraScopes.some((s) => typeof s !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s))) {
    throw invalidArgument(
      'options.extraScopes',
      'must be an array of scope tokens (printable ASCII without spaces, quotes or backslashes).',
    );
  }

  const bySub = new Map(users.map((u) => [u.sub, u]));
  const byLogin = new Map(users.map((u) => [u.login, u]));
  const services = resolveServices(options.services ?? []);
  const directory = new SandboxClients(services);
  const clients = new ClientRegistry(directory);

  const store = new MemoryStore((clientId) => clients.metadata(clientId));
  const faults = new SandboxFaults(store, (login) => byLogin.get(login), directory);
  const stats = createSandboxStats();
  const fakes: SandboxFakes = {
    gmail: new GmailFake(users),
    calendar: new CalendarFake(users),
    github: new GitHubFake(users),
    slack: new SlackFake(users),
  };

  // Handlers are attached once the port (and so the issuer) is known.
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    if (handler) handler(req, res);
    else sendJson(res, 503, { error: 'temporarily_unavailable', error_description: 'The sandbox is starting.' });
  });
  // Idle keep-alive sockets outlive the client's: Node's global agent (which the vault's axios
  // uses) drops an idle socket after 5 s, the server's default is also 5 s, so under load the
  // server could close a socket just as the client reused it → ECONNRESET in a test. The client
  // now always closes first (the same fix as the vault tests' recording server).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  // From here on a failure (bad redirectUris, key generation) must not leave the port open.
  try {
    const provider = await createAuthorizationServer({
      issuer: url,
      store,
      faults,
      stats,
      userBySub: (sub) => bySub.get(sub),
      scopes: [...new Set([...KNOWN_SCOPES, ...extraScopes, ...services.flatMap((s) => s.scopes)])],
      accessTokenTtlSec,
      refreshTokenTtlSec,
    });
    const interactions = new Interactions(provider, faults, (login) => byLogin.get(login));
    const apis = new FakeApiServer({
      apis: [...fakes.gmail.apis(), ...fakes.calendar.apis(), ...fakes.github.apis(), ...fakes.slack.apis(), ...services.map(serviceApi)],
      clients: directory,
      provider,
      faults,
      stats,
      userBySub: (sub) => bySub.get(sub),
      revocations: new ProviderRevocationEndpoints({ provider, store, stats, userBySub: (sub) => bySub.get(sub) }),
    });
    const oidc = provider.callback();

    const sandbox = new Sandbox({ url, server, users, faults, stats, fakes, clients, directory });
    for (const uri of options.redirectUris ?? []) sandbox.registerRedirectUri(uri);

    handler = createRequestHandler({ url, faults, stats, interactions, apis, oidc });
    return sandbox;
  } catch (err) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw err;
  }
}

function mergeUsers(defaults: readonly SandboxUser[], extra: readonly SandboxUser[]): SandboxUser[] {
  if (!Array.isArray(extra)) throw invalidArgument('options.users', 'must be an array of { login, … }.');
  const out = new Map<string, SandboxUser>();
  for (const u of defaults) out.set(u.login, u);
  for (const u of extra) out.set(u?.login, u);
  return [...out.values()];
}

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw invalidArgument(name, 'must be a positive integer (seconds).');
  return value;
}
