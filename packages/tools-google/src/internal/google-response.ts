import { providerErrorCode, providerErrorText } from '@alter/mcp';
import { ProviderApiError } from '@alter/vault';

/** The part of a `VaultResponse` the tools read (kept structural so tests can pass real responses only). */
export interface ProviderResponse {
  readonly status: number;
  readonly data: unknown;
  json<T = unknown>(): T;
}

/**
 * Returns the parsed JSON body of a 2xx Google API response, or throws {@link ProviderApiError}
 * with Google's error status and reason codes (`{ error: { status, errors: [{ reason }] } }`) and
 * its message when that is a plain sentence, so the model can correct its call. Text shaped like
 * echoed request data (headers, URLs, tokens) is never copied (see `providerErrorText`).
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
  if (!data || typeof data !== 'object' || !('error' in data)) return undefined;
  const error = (data as { error: unknown }).error;
  // OAuth-style `{ error: "invalid_request" }`: a code, or nothing.
  if (typeof error === 'string') return providerErrorCode(error);
  if (!error || typeof error !== 'object') return undefined;
  const { message, status, errors } = error as { message?: unknown; status?: unknown; errors?: unknown };
  const code = providerErrorCode(status);
  const text = providerErrorText(message);
  const reason = Array.isArray(errors) ? providerErrorCode((errors[0] as { reason?: unknown } | undefined)?.reason) : undefined;
  if (text !== undefined) return code ? `${code}: ${text}` : text;
  if (code && reason) return `${code} (${reason})`;
  return code ?? reason;
}

function hintFor(status: number): string | undefined {
  if (status === 404) return 'Check the id (message, calendar or event) and retry.';
  if (status === 403) return 'The account may lack access, or the API is not enabled for this OAuth client.';
  if (status === 429) return 'Google is rate limiting this account; wait a little and retry.';
  return undefined;
}
