import { providerErrorCode, providerErrorText } from '@alter/mcp';
import { ProviderApiError } from '@alter/vault';

/** The part of a `VaultResponse` the tools read. */
export interface ProviderResponse {
  readonly status: number;
  readonly data: unknown;
  json<T = unknown>(): T;
}

/**
 * The headers GitHub recommends on every REST call: the JSON media type and a pinned API version
 * (https://docs.github.com/en/rest/about-the-rest-api/api-versions).
 */
export const GITHUB_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  Accept: 'application/vnd.github+json',
  'X-GitHub-Api-Version': '2022-11-28',
});

/**
 * Returns the parsed body of a 2xx GitHub response, or throws {@link ProviderApiError} carrying
 * GitHub's `message` when it is a plain sentence (and the first validation error's field and
 * code, for 422s). Text shaped like echoed request data (headers, URLs, tokens) is never copied
 * (see `providerErrorText`); the status still says what happened.
 */
export function githubJson<T>(res: ProviderResponse, operation: string): T {
  if (res.status >= 200 && res.status < 300) return res.json<T>();
  throw new ProviderApiError({
    provider: 'github',
    status: res.status,
    operation,
    providerError: githubErrorMessage(res.data),
    hint: hintFor(res.status),
  });
}

function githubErrorMessage(data: unknown): string | undefined {
  if (!data || typeof data !== 'object') return undefined;
  const { message: raw, errors } = data as { message?: unknown; errors?: unknown };
  const message = providerErrorText(raw);
  if (message === undefined) return undefined;
  const first = Array.isArray(errors) ? (errors[0] as { field?: unknown; code?: unknown; message?: unknown } | undefined) : undefined;
  if (!first || typeof first !== 'object') return message;
  const detail =
    providerErrorText(first.message) ??
    [providerErrorCode(first.field), providerErrorCode(first.code)].filter((x) => x !== undefined).join(' ');
  return detail ? `${message} (${detail})` : message;
}

function hintFor(status: number): string | undefined {
  // GitHub answers 404 (not 403) for private resources the token cannot see.
  if (status === 404) return 'Check owner, repo and number; a private repository the user cannot access also answers 404.';
  if (status === 403 || status === 429) return "GitHub refused or rate-limited the request; wait and retry, or check the user's access.";
  if (status === 410) return 'Issues are disabled on this repository.';
  return undefined;
}
