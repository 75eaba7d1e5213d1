import { providerErrorCode } from '@alter/mcp';
import { ProviderApiError } from '@alter/vault';

/** The part of a `VaultResponse` the tools read. */
export interface ProviderResponse {
  readonly status: number;
  readonly data: unknown;
  json<T = unknown>(): T;
}

/**
 * Returns the body of a successful Slack Web API call. Slack answers most failures with HTTP 200
 * and `{ ok: false, error: "channel_not_found" }`, so both the status and `ok` are checked; the
 * error code (and, for `missing_scope`, the scope Slack wanted) goes into {@link ProviderApiError}.
 */
export function slackJson<T extends { ok?: boolean }>(res: ProviderResponse, operation: string): T {
  const body = (res.status >= 200 && res.status < 300 ? res.json<unknown>() : res.data) as
    | { ok?: unknown; error?: unknown; needed?: unknown }
    | undefined;
  if (res.status >= 200 && res.status < 300 && body && body.ok === true) return body as T;
  // Only what is shaped like a Slack error code or a scope list is copied: an `error` that echoes
  // the request (a gateway in front of Slack) never reaches the message.
  const code = providerErrorCode(body?.error);
  const needed = typeof body?.needed === 'string' && SCOPE_LIST.test(body.needed) ? ` (needs ${body.needed})` : '';
  throw new ProviderApiError({
    provider: 'slack',
    status: res.status,
    operation,
    providerError: code ? `${code}${needed}` : undefined,
    hint: hintFor(code, res.status),
  });
}

/** Slack's `needed`: comma-separated scopes (`channels:read,groups:read`). */
const SCOPE_LIST = /^[a-z][a-z0-9:._-]{0,63}(,[a-z][a-z0-9:._-]{0,63}){0,15}$/;

function hintFor(code: string | undefined, status: number): string | undefined {
  if (status === 429 || code === 'ratelimited') return 'Slack is rate limiting; wait a little and retry.';
  if (code === 'channel_not_found') return 'Use a channel id from list_channels (like C0123456789).';
  if (code === 'not_in_channel') return 'The user is not a member of that channel; join it in Slack first.';
  if (code === 'missing_scope') return 'The Slack grant lacks a scope; reconnect Slack with the scopes this tool declares.';
  if (code === 'is_archived') return 'The channel is archived.';
  return undefined;
}
