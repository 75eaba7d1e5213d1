import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeApiServer } from '../fake-apis/fake-api-server.js';
import type { SandboxFaults } from '../sandbox-faults.js';
import { countTokenRequest, type SandboxStats } from '../sandbox-stats.js';
import { readBody, sendJson, sleep } from './http-util.js';
import type { Interactions } from './interactions.js';

/** What the sandbox's one HTTP handler dispatches to. */
export interface RequestHandlerDeps {
  readonly url: string;
  readonly faults: SandboxFaults;
  readonly stats: SandboxStats;
  readonly interactions: Interactions;
  readonly apis: FakeApiServer;
  /** oidc-provider's Node handler (authorize, token, userinfo, discovery, …). */
  readonly oidc: (req: IncomingMessage, res: ServerResponse) => unknown;
}

/**
 * The sandbox's HTTP handler: applies latency, then sends `/hosts/*` to the fake APIs,
 * `/interaction/*` to the login/consent pages, and everything else to oidc-provider — except
 * token requests a `failNext({ target: 'token' })` rule claims, which are answered here.
 */
export function createRequestHandler(deps: RequestHandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    route(req, res, deps).catch((err: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, { error: 'server_error', error_description: `sandbox: ${err instanceof Error ? err.message : String(err)}` });
      else res.destroy();
    });
  };
}

async function route(req: IncomingMessage, res: ServerResponse, deps: RequestHandlerDeps): Promise<void> {
  const url = new URL(req.url ?? '/', deps.url);
  const isApi = url.pathname.startsWith('/hosts/');
  const isToken = url.pathname === '/token' && req.method === 'POST';
  await sleep(deps.faults.delayFor(isApi ? 'api' : isToken ? 'token' : 'other'));
  if (isApi) return deps.apis.handle(req, res, url);
  if (url.pathname.startsWith('/interaction/')) return deps.interactions.handle(req, res, url.pathname);
  if (isToken) {
    const rule = deps.faults.takeFailure({ kind: 'token', pathname: url.pathname });
    if (rule) {
      const form = new URLSearchParams(await readBody(req));
      countTokenRequest(deps.stats, form.get('grant_type'), 'temporarily_unavailable');
      return sendJson(
        res,
        rule.status,
        { error: 'temporarily_unavailable', error_description: `The sandbox answered ${rule.status} on purpose (faults.failNext).` },
        { 'retry-after': String(rule.retryAfterSec), 'cache-control': 'no-store' },
      );
    }
  }
  deps.oidc(req, res);
}
