/**
 * The fake API of a custom service (`startSandbox({ services })`). Its routes are the service's
 * own; its answers outside them follow RFC 6750, which the vault's default scope signal reads
 * (`bearerInsufficientScope`): 401 `invalid_token`, and 403 `insufficient_scope` naming the
 * scopes that would do — so a pack for an unknown service sees the same re-authorize flow as the
 * built-in ones.
 */
import type { ResolvedSandboxService } from '../sandbox-service.js';
import type { FakeApi, FakeApiErrors } from './fake-api.js';

const errors: FakeApiErrors = {
  unauthorized: (reason) => ({
    status: 401,
    body: { error: 'invalid_token', error_description: `The access token is ${reason}.` },
    headers: { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="The access token is ${reason}."` },
  }),
  forbidden: (route) => ({
    status: 403,
    body: { error: 'insufficient_scope', error_description: `This call needs one of: ${route.anyScope.join(', ')}.` },
    headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${route.anyScope.join(' ')}"` },
  }),
  notFound: (path) => ({ status: 404, body: { error: 'not_found', error_description: `No route for ${path}.` } }),
  injected: (status, retryAfterSec) => ({
    status,
    body: { error: status === 429 ? 'rate_limited' : 'unavailable', error_description: 'Injected by sandbox.faults.failNext().' },
    headers: { 'Retry-After': String(retryAfterSec) },
  }),
};
Object.freeze(errors);

/** The {@link FakeApi} serving `service`'s routes on its hosts. */
export function serviceApi(service: ResolvedSandboxService): FakeApi {
  return Object.freeze({ name: service.id, provider: service.id, hosts: service.apiHosts, routes: service.routes, errors });
}
