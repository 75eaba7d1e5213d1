import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { EMULATED_PROVIDERS } from '../emulated-providers.js';
import type { SandboxClients } from '../internal/sandbox-clients.js';
import { readBody, sendJson } from '../internal/http-util.js';
import type { SandboxFaults } from '../sandbox-faults.js';
import type { SandboxStats } from '../sandbox-stats.js';
import type { ResolvedSandboxUser } from '../sandbox-user.js';
import { echoError } from './echo-error.js';
import type { ProviderRevocationEndpoints } from './provider-revocation.js';
import { type FakeApi, type FakeResponse, type FakeRoute, matchPath, type UnauthorizedReason } from './fake-api.js';

/** What the dispatcher needs from the sandbox. */
export interface FakeApiServerDeps {
  readonly apis: readonly FakeApi[];
  /** Which OAuth client each provider id is (built-in and custom services). */
  readonly clients: SandboxClients;
  readonly provider: Provider;
  readonly faults: SandboxFaults;
  readonly stats: SandboxStats;
  readonly userBySub: (sub: string) => ResolvedSandboxUser | undefined;
  /** GitHub's grant deletion and Slack's auth.revoke (their own authentication, not Bearer). */
  readonly revocations: ProviderRevocationEndpoints;
}

/**
 * Serves every fake API under `/hosts/<real-host>/<real-path>`: finds the route, injects
 * `failNext` faults, checks the Bearer token against oidc-provider's own AccessToken store
 * (exists, not expired, grant not revoked, issued to this provider's client) and the route's
 * scopes, then runs the route.
 */
export class FakeApiServer {
  readonly #deps: FakeApiServerDeps;

  constructor(deps: FakeApiServerDeps) {
    this.#deps = deps;
  }

  /** Every real host served. */
  get hosts(): string[] {
    return [...new Set(this.#deps.apis.flatMap((a) => a.hosts))];
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const { stats, faults } = this.#deps;
    const m = /^\/hosts\/([^/]+)(\/.*)?$/.exec(url.pathname);
    const host = (m?.[1] ?? '').toLowerCase();
    const path = m?.[2] ?? '/';
    const apis = this.#deps.apis.filter((a) => a.hosts.includes(host));
    stats.apiRequests.total += 1;
    stats.apiRequests.byHost[host] = (stats.apiRequests.byHost[host] ?? 0) + 1;
    if (apis.length === 0) {
      return sendJson(res, 404, {
        error: 'sandbox_unknown_host',
        message: `The sandbox fakes no API at "${host}". Served hosts: ${this.hosts.join(', ')}.`,
      });
    }

    const method = (req.method ?? 'GET').toUpperCase();
    let found: { api: FakeApi; route: FakeRoute; params: Record<string, string> } | undefined;
    for (const api of apis) {
      for (const route of api.routes) {
        if (route.method !== '*' && route.method !== method) continue;
        const params = matchPath(route.path, path);
        if (params) {
          found = { api, route, params };
          break;
        }
      }
      if (found) break;
    }
    const api = found?.api ?? (apis[0] as FakeApi);
    const revocationRoute = found ? undefined : this.#deps.revocations.routeOf(method, host, path);
    if (revocationRoute) stats.apiRequests.byRoute[revocationRoute] = (stats.apiRequests.byRoute[revocationRoute] ?? 0) + 1;
    if (found) {
      const key = `${found.route.method === '*' ? method : found.route.method} ${found.route.path}`;
      stats.apiRequests.byRoute[key] = (stats.apiRequests.byRoute[key] ?? 0) + 1;
    }

    const rule = faults.takeFailure({ kind: 'api', pathname: url.pathname, realPath: path, realUrl: `https://${host}${path}` });
    if (rule) {
      stats.apiRequests.injected += 1;
      await drain(req);
      return send(res, api.errors.injected(rule.status, rule.retryAfterSec));
    }
    if (faults.takeEcho({ kind: 'api', pathname: url.pathname, realPath: path, realUrl: `https://${host}${path}` })) {
      stats.apiRequests.injected += 1;
      await drain(req);
      return send(res, echoError(api.provider, req.headers));
    }

    if (revocationRoute) return this.#deps.revocations.handle(req, res, host, path, url.searchParams);

    const auth = await this.#authenticate(req, api);
    if ('reason' in auth) {
      stats.apiRequests.unauthorized += 1;
      await drain(req);
      return send(res, api.errors.unauthorized(auth.reason));
    }
    const extraHeaders = api.headersFor?.(auth.scopes) ?? {};
    if (!found) {
      await drain(req);
      return send(res, api.errors.notFound(path), extraHeaders);
    }
    if (found.route.anyScope.length > 0 && !found.route.anyScope.some((s) => auth.scopes.has(s))) {
      stats.apiRequests.forbidden += 1;
      await drain(req);
      return send(res, api.errors.forbidden(found.route, auth.scopes), extraHeaders);
    }

    const raw = await readBody(req);
    const { body, malformed } = parseBody(raw, req.headers['content-type']);
    const answer = await found.route.handle({
      method,
      host,
      path,
      params: found.params,
      query: url.searchParams,
      headers: req.headers,
      body,
      bodyMalformed: malformed,
      user: auth.user,
      scopes: auth.scopes,
    });
    if (answer.status >= 200 && answer.status < 300) stats.apiRequests.ok += 1;
    return send(res, answer, extraHeaders);
  }

  async #authenticate(
    req: IncomingMessage,
    api: FakeApi,
  ): Promise<{ user: ResolvedSandboxUser; scopes: Set<string> } | { reason: UnauthorizedReason }> {
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer +([\x21-\x7e]+)$/i.exec(header.trim()) : null;
    if (!m?.[1]) return { reason: 'missing' };
    const { provider } = this.#deps;
    const token = await provider.AccessToken.find(m[1], { ignoreExpiration: true });
    if (!token) return { reason: 'invalid' };
    if (token.isExpired) return { reason: 'expired' };
    const grant = await provider.Grant.find(token.grantId);
    if (!grant) return { reason: 'revoked' };
    // A Google token does not open GitHub: only this provider's client (or the generic one) counts.
    const own = this.#deps.clients.get(api.provider)?.clientId;
    if (own === undefined) return { reason: 'invalid' };
    if (![own, EMULATED_PROVIDERS.sandbox.clientId].includes(token.clientId ?? '')) return { reason: 'invalid' };
    const user = this.#deps.userBySub(token.accountId);
    if (!user) return { reason: 'invalid' };
    return { user, scopes: new Set((token.scope ?? '').split(' ').filter(Boolean)) };
  }
}

function send(res: ServerResponse, answer: FakeResponse, extra: Readonly<Record<string, string>> = {}): void {
  if (answer.status === 204 || answer.body === undefined) {
    res.writeHead(answer.status, { ...extra, ...answer.headers });
    res.end();
    return;
  }
  sendJson(res, answer.status, answer.body, { ...extra, ...answer.headers });
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req) {
    // discard: the answer does not depend on the body
  }
}

function parseBody(raw: string, contentType: string | undefined): { body: unknown; malformed: boolean } {
  if (raw === '') return { body: undefined, malformed: false };
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    return { body: Object.fromEntries(new URLSearchParams(raw)), malformed: false };
  }
  try {
    return { body: JSON.parse(raw), malformed: false };
  } catch {
    return { body: undefined, malformed: true };
  }
}
