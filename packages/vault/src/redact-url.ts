/** Redacts secret query values (and userinfo) from URLs before they reach audit rows or logs. */

/** Query parameter names whose values are always redacted (compared case-insensitively). */
export const SECRET_QUERY_PARAMS: readonly string[] = Object.freeze([
  'access_token',
  'refresh_token',
  'id_token',
  'token',
  'key',
  'api_key',
  'apikey',
  'api-key',
  'client_secret',
  'code',
  'code_verifier',
  'password',
  'passwd',
  'secret',
  'sig',
  'signature',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
  'x-goog-signature',
  'x-goog-credential',
  'auth',
  'authorization',
  'session',
  'sessionid',
  'assertion',
]);

const SECRET_SET = new Set(SECRET_QUERY_PARAMS);
export const REDACTED = '[REDACTED]';

/** Returns `url` with secret query values replaced by `[REDACTED]` and any userinfo removed. */
export function redactUrl(url: URL | string): string {
  // Fast path (the common case on the request path): nothing to redact, no copy needed.
  if (typeof url !== 'string' && url.search === '' && url.hash === '' && url.username === '' && url.password === '') return url.href;
  let u: URL;
  try {
    u = new URL(typeof url === 'string' ? url : url.href);
  } catch {
    // Not parseable (a bad port, a bad template): keep only what precedes the query, without
    // userinfo. The audit row is append-only and hash-chained: a password written there stays.
    return withoutUserinfo(String(url).split(/[?#]/)[0] ?? '');
  }
  if (u.username || u.password) {
    u.username = '';
    u.password = '';
  }
  u.hash = '';
  if (u.search === '') return u.href;
  let changed = false;
  const out = new URLSearchParams();
  for (const [k, v] of u.searchParams) {
    if (SECRET_SET.has(k.toLowerCase())) {
      out.append(k, REDACTED);
      changed = true;
    } else {
      out.append(k, v);
    }
  }
  if (changed) u.search = out.toString();
  return u.href;
}

/**
 * `text` (a URL that did not parse, query and fragment already cut) without what its authority
 * holds before the last `@`: `https://x:secret@host:99999/p` → `https://host:99999/p`. The
 * authority runs from after `//` (or the start, when there is none) to the first `/` or `\`.
 */
function withoutUserinfo(text: string): string {
  const slashes = text.indexOf('//');
  const start = slashes === -1 ? 0 : slashes + 2;
  const rest = text.slice(start);
  const end = rest.search(/[/\\]/);
  const authority = end === -1 ? rest : rest.slice(0, end);
  const at = authority.lastIndexOf('@');
  if (at === -1) return text;
  return `${text.slice(0, start)}${rest.slice(at + 1)}`;
}
