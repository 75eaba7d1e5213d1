import { ProviderApiError } from '@alter/vault';

/** The part of a `VaultResponse` the tools read (kept structural so tests can pass real responses only). */
export interface ProviderResponse {
  readonly status: number;
  readonly data: unknown;
  json<T = unknown>(): T;
}

/**
 * Returns the parsed JSON body of a 2xx Google API response, or throws {@link ProviderApiError}
 * with Google's own error message (`{ error: { code, message, status } }`) so the model can
 * correct its call.
 */
export function googleJson<T>(res: ProviderResponse, operation: string): T {
  if (res.status >= 200 && res.status < 300) return res.json<T>();
  throw new ProviderApiError({
    provider: 'google',
    status: res.status,
    operation,
    providerError: googleErrorMessage(res.data),
    hint: hintFor(res.status),
  });
}

function googleErrorMessage(data: unknown): string | undefined {
  if (data && typeof data === 'object' && 'error' in data) {
    const error = (data as { error: unknown }).error;
    if (typeof error === 'string') return error;
    if (error && typeof error === 'object') {
      const message = (error as { message?: unknown }).message;
      const status = (error as { status?: unknown }).status;
      if (typeof message === 'string') return typeof status === 'string' ? `${status}: ${message}` : message;
    }
  }
  return undefined;
}

function hintFor(status: number): string | undefined {
  if (status === 404) return 'Check the id (message, calendar or event) and retry.';
  if (status === 403) return 'The account may lack access, or the API is not enabled for this OAuth client.';
  if (status === 429) return 'Google is rate limiting this account; wait a little and retry.';
  return undefined;
}
