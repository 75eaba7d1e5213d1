import type { FakeApiErrors, FakeResponse, FakeRoute, UnauthorizedReason } from './fake-api.js';

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

/** A Google API error body: `{ error: { code, message, errors: [{ message, domain, reason }], status } }`. */
export function googleError(code: number, message: string, reason: string, headers?: Record<string, string>): FakeResponse {
  const body = { error: { code, message, errors: [{ message, domain: 'global', reason }], status: STATUS_NAMES[code] ?? 'UNKNOWN' } };
  return headers ? { status: code, body, headers } : { status: code, body };
}

/** Google's answers for auth failures, missing scopes, unknown paths and injected faults. */
export function googleErrors(service: string): FakeApiErrors {
  return {
    unauthorized(_reason: UnauthorizedReason) {
      const message =
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
      return {
        status: 401,
        body: {
          error: {
            code: 401,
            message,
            errors: [
              { message: 'Invalid Credentials', domain: 'global', reason: 'authError', location: 'Authorization', locationType: 'header' },
            ],
            status: 'UNAUTHENTICATED',
          },
        },
        headers: { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
      };
    },
    forbidden(route: FakeRoute) {
      return {
        status: 403,
        body: {
          error: {
            code: 403,
            message: 'Request had insufficient authentication scopes.',
            errors: [{ message: 'Insufficient Permission', domain: 'global', reason: 'insufficientPermissions' }],
            status: 'PERMISSION_DENIED',
            details: [
              {
                '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
                reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
                domain: 'googleapis.com',
                metadata: { service, method: `${route.method} ${route.path}` },
              },
            ],
          },
        },
        headers: {
          'www-authenticate': `Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="${route.anyScope.join(' ')}"`,
        },
      };
    },
    notFound() {
      return googleError(404, 'Not Found', 'notFound');
    },
    injected(status: number, retryAfterSec: number) {
      const headers = { 'retry-after': String(retryAfterSec) };
      if (status === 429) return googleError(429, 'Resource has been exhausted (e.g. check quota).', 'rateLimitExceeded', headers);
      if (status === 503) return googleError(503, 'The service is currently unavailable.', 'backendError', headers);
      return googleError(status, `The sandbox answered ${status} on purpose (faults.failNext).`, 'backendError', headers);
    },
  };
}
