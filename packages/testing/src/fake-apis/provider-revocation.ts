/**
 * The two non-RFC 7009 revocation APIs the vault speaks, faked on the sandbox's API hosts:
 *
 * - GitHub `DELETE https://api.github.com/applications/{client_id}/grant`: HTTP Basic
 *   client_id:client_secret, JSON body `{ "access_token": … }`; 204 when the authorization was
 *   deleted, 404 for a token this application did not issue, 422 without `access_token`.
 * - Slack `https://slack.com/api/auth.revoke`: the token to revoke is the one presented (Bearer
 *   header or `token` field); HTTP 200 `{ ok: true, revoked: true }` or `{ ok: false, error }`.
 *
 * Both end the token's whole grant in oidc-provider's store (so the access AND refresh tokens stop
 * working, as at the real providers) and are recorded in `sandbox.stats.revocations`. They are
 * authenticated by their own rules, not by the fake APIs' Bearer check.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { EMULATED_PROVIDERS } from '../emulated-providers.js';
import { readBody, sendJson } from '../internal/http-util.js';
import type { MemoryStore } from '../internal/memory-store.js';
import { recordRevocation, type SandboxStats } from '../sandbox-stats.js';
import type { ResolvedSandboxUser } from '../sandbox-user.js';

const GITHUB_DOCS = 'https://docs.github.com/rest/apps/oauth-applications#delete-an-app-authorization';
const GITHUB_GRANT = /^\/applications\/([^/]+)\/grant$/;

/** What the revocation endpoints need from the sandbox. */
export interface ProviderRevocationDeps {
  readonly provider: Provider;
  readonly store: MemoryStore;
  readonly stats: SandboxStats;
  readonly userBySub: (sub: string) => ResolvedSandboxUser | undefined;
}

/** Serves GitHub's grant deletion and Slack's auth.revoke. */
export class ProviderRevocationEndpoints {
  readonly #deps: ProviderRevocationDeps;

  constructor(deps: ProviderRevocationDeps) {
    this.#deps = deps;
  }

  /** The stats route key when `host` + `path` is one of these endpoints, else undefined. */
  routeOf(method: string, host: string, path: string): string | undefined {
    if (host === 'api.github.com' && method === 'DELETE' && GITHUB_GRANT.test(path)) return 'DELETE /applications/:client_id/grant';
    if (host === 'slack.com' && path === '/api/auth.revoke') return `${method} /api/auth.revoke`;
    return undefined;
  }

  /** Answers a request `routeOf` recognised. */
  async handle(req: IncomingMessage, res: ServerResponse, host: string, path: string, query: URLSearchParams): Promise<void> {
    if (host === 'api.github.com') return this.#github(req, res, path);
    return this.#slack(req, res, query);
  }

  async #github(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const raw = await readBody(req);
    const pathClient = decodeURIComponent(GITHUB_GRANT.exec(path)?.[1] ?? '');
    const basic = parseBasic(req.headers.authorization);
    const known = [EMULATED_PROVIDERS.github, EMULATED_PROVIDERS.sandbox].find((p) => p.clientId === basic?.id);
    const answer = (status: number, message?: string, extra: { tokenType?: 'access_token'; login?: string; revoked?: boolean } = {}) => {
      recordRevocation(this.#deps.stats, {
        via: 'github-grant',
        clientId: basic?.id ?? '',
        tokenType: extra.tokenType ?? 'unknown',
        ...(extra.login ? { login: extra.login } : {}),
        revoked: extra.revoked ?? false,
        status,
      });
      if (status === 204) {
        res.writeHead(204).end();
        return;
      }
      sendJson(res, status, { message, documentation_url: GITHUB_DOCS });
    };
    if (!basic) return answer(401, 'Requires authentication');
    if (!known || known.clientSecret !== basic.secret) return answer(401, 'Bad credentials');
    if (pathClient !== basic.id) return answer(404, 'Not Found');
    let accessToken: unknown;
    try {
      accessToken = (JSON.parse(raw) as { access_token?: unknown } | null)?.access_token;
    } catch {
      return answer(400, 'Problems parsing JSON');
    }
    if (typeof accessToken !== 'string' || accessToken === '') return answer(422, 'Validation Failed');
    const ended = await this.#endGrant(accessToken, [basic.id]);
    if (!ended) return answer(404, 'Not Found');
    return answer(204, undefined, { tokenType: 'access_token', ...(ended.login ? { login: ended.login } : {}), revoked: true });
  }

  async #slack(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    const raw = await readBody(req);
    const form = new URLSearchParams(raw);
    const header = req.headers.authorization;
    const bearer = typeof header === 'string' ? /^Bearer +([\x21-\x7e]+)$/i.exec(header.trim())?.[1] : undefined;
    const token = bearer ?? form.get('token') ?? query.get('token') ?? '';
    const test = ['1', 'true'].includes(form.get('test') ?? query.get('test') ?? '');
    const found = token ? await this.#deps.provider.AccessToken.find(token, { ignoreExpiration: true }) : undefined;
    const clientId = found?.clientId ?? '';
    const answer = (body: { ok: boolean; revoked?: boolean; error?: string }, login?: string) => {
      recordRevocation(this.#deps.stats, {
        via: 'slack-auth-revoke',
        clientId,
        tokenType: found ? 'access_token' : 'unknown',
        ...(login ? { login } : {}),
        revoked: body.revoked === true,
        status: 200,
      });
      sendJson(res, 200, body);
    };
    if (!token) return answer({ ok: false, error: 'not_authed' });
    if (!found || ![EMULATED_PROVIDERS.slack.clientId, EMULATED_PROVIDERS.sandbox.clientId].includes(clientId))
      return answer({ ok: false, error: 'invalid_auth' });
    if (found.isExpired) return answer({ ok: false, error: 'token_expired' });
    if (test) return answer({ ok: true, revoked: false });
    const ended = await this.#endGrant(token, [clientId]);
    if (!ended) return answer({ ok: false, error: 'token_revoked' });
    return answer({ ok: true, revoked: true }, ended.login);
  }

  /** Ends the grant of an access token issued to one of `clients` (expired tokens too). */
  async #endGrant(accessToken: string, clients: readonly string[]): Promise<{ login?: string } | undefined> {
    const { provider, store } = this.#deps;
    const token = await provider.AccessToken.find(accessToken, { ignoreExpiration: true });
    if (!token?.grantId || !clients.includes(token.clientId ?? '')) return undefined;
    const grant = await provider.Grant.find(token.grantId);
    if (!grant) return undefined;
    store.revokeByGrantId(token.grantId);
    store.destroy('Grant', token.grantId);
    const login = this.#deps.userBySub(token.accountId)?.login;
    return login ? { login } : {};
  }
}

/** `Basic base64(id:secret)` → its parts (ids and secrets are form-encoded by RFC 6749 clients; GitHub's are plain). */
function parseBasic(header: string | undefined): { id: string; secret: string } | undefined {
  const m = typeof header === 'string' ? /^Basic +([A-Za-z0-9+/=]+)$/i.exec(header.trim()) : null;
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { id: decoded.slice(0, i), secret: decoded.slice(i + 1) };
}
