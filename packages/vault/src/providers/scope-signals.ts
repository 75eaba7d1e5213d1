/**
 * How each provider says "this token lacks a scope" in an API answer. `vault.request()` asks the
 * provider's {@link ProviderConfig.scopeSignal} after every response; a non-undefined answer
 * becomes `ScopeReauthRequiredError`, which @alter/mcp turns into a re-authorize link. Without
 * these, a 403 for a missing scope reached tool code as data (`[]` with isError false).
 *
 * Every function reads only the response the vault already holds (the body was read within the
 * response cap), never throws, and returns the scopes to ask for (possibly empty when the
 * provider did not name them) or undefined when the answer is not a scope shortfall.
 */
import type { VaultResponse } from '../vault-response.js';
import { expandGithubScopes } from './github-scope-implications.js';

/** A provider's scope-shortfall detector: the scopes to re-authorize with, or undefined. */
export type ScopeSignal = (response: VaultResponse) => readonly string[] | undefined;

/**
 * RFC 6750 §3: `WWW-Authenticate: Bearer error="insufficient_scope", scope="a b"`. Returns the
 * `scope` attribute split on spaces (empty when absent), or undefined without the error.
 */
export function bearerInsufficientScope(response: VaultResponse): string[] | undefined {
  // An answer that says the token lacks scope is an error (RFC 6750: 403); a success never is,
  // and reading no header on it spares building the response's headers on every request.
  if (response.status < 400) return undefined;
  const header = response.headers['www-authenticate'];
  if (header === undefined || !/^\s*bearer\b/i.test(header)) return undefined;
  const params = parseAuthParams(header.replace(/^\s*bearer\s*/i, ''));
  if (params.get('error') !== 'insufficient_scope') return undefined;
  return splitScopes(params.get('scope') ?? '', /\s+/);
}

/**
 * Google: HTTP 403 with `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"` and/or a
 * JSON error whose `errors[].reason` is `insufficientPermissions` or whose `details[].reason` is
 * `ACCESS_TOKEN_SCOPE_INSUFFICIENT`. Google's `scope` lists alternatives (any one suffices), so
 * one is picked — the narrowest by name (`*.readonly`, then specific write scopes such as
 * `gmail.send`, then `*.modify`, then whole-service scopes), so re-authorizing does not ask for
 * more than the call needs. Without a `scope` attribute the answer names none (`[]`).
 */
export function googleScopeSignal(response: VaultResponse): string[] | undefined {
  if (response.status !== 403 && response.status !== 401) return undefined;
  const fromHeader = bearerInsufficientScope(response);
  const fromBody = response.status === 403 && googleBodySaysInsufficientScope(response);
  if (fromHeader === undefined && !fromBody) return undefined;
  const alternatives = fromHeader ?? [];
  if (alternatives.length === 0) return [];
  return [narrowestGoogleScope(alternatives)];
}

/**
 * GitHub (OAuth apps): HTTP 403 or 404 (GitHub hides private repositories behind 404) whose
 * `X-Accepted-OAuth-Scopes` names scopes none of which the token's `X-OAuth-Scopes` covers
 * (implied scopes counted: `repo` covers `public_repo`). The accepted list is alternatives; the
 * first (GitHub lists the narrowest first, e.g. `public_repo, repo`) is asked for.
 */
export function githubScopeSignal(response: VaultResponse): string[] | undefined {
  if (response.status !== 403 && response.status !== 404) return undefined;
  const accepted = splitScopes(response.headers['x-accepted-oauth-scopes'] ?? '', /[\s,]+/);
  const granted = response.headers['x-oauth-scopes'];
  // Without X-OAuth-Scopes this is not an OAuth-app token answer (GitHub App tokens have no scopes).
  if (accepted.length === 0 || granted === undefined) return undefined;
  const have = expandGithubScopes(splitScopes(granted, /[\s,]+/));
  if (accepted.some((s) => have.has(s))) return undefined;
  return [accepted[0]!];
}

/**
 * Slack: `{ "ok": false, "error": "missing_scope", "needed": "a,b", "provided": "…" }` (with
 * HTTP 200, as Slack reports every error). `needed` lists scopes that are all required.
 */
export function slackScopeSignal(response: VaultResponse): string[] | undefined {
  const body = jsonBody(response);
  if (body === undefined || body.ok !== false || body.error !== 'missing_scope') return undefined;
  return typeof body.needed === 'string' ? splitScopes(body.needed, /[\s,]+/) : [];
}

function googleBodySaysInsufficientScope(response: VaultResponse): boolean {
  const error = jsonBody(response)?.error;
  if (error === null || typeof error !== 'object') return false;
  const { errors, details } = error as { errors?: unknown; details?: unknown };
  const reasons = [...(Array.isArray(errors) ? errors : []), ...(Array.isArray(details) ? details : [])].map((e) =>
    e !== null && typeof e === 'object' ? (e as { reason?: unknown }).reason : undefined,
  );
  return reasons.includes('insufficientPermissions') || reasons.includes('ACCESS_TOKEN_SCOPE_INSUFFICIENT');
}

/**
 * Ranks by breadth: `…/x.readonly` (0) < other `…/x.y` (1) < `…/x.modify` (2) < `…/x.metadata`
 * (3, refuses queries and bodies) < whole-service `…/calendar` (4) < other URLs such as
 * `https://mail.google.com/` (5). Ties go to the later one: Google lists broader scopes first.
 */
function narrowestGoogleScope(alternatives: readonly string[]): string {
  const rank = (scope: string): number => {
    const name = scope.replace(/^https:\/\/www\.googleapis\.com\/auth\//, '');
    if (name === scope) return 5;
    if (/\.readonly$/.test(name)) return 0;
    if (/\.modify$/.test(name)) return 2;
    if (/\.metadata$/.test(name)) return 3;
    return name.includes('.') ? 1 : 4;
  };
  let best = alternatives[0]!;
  for (const scope of alternatives) if (rank(scope) <= rank(best)) best = scope;
  return best;
}

/** The JSON object body, or undefined (not JSON, not an object). Never throws. */
function jsonBody(response: VaultResponse): Record<string, unknown> | undefined {
  const type = response.headers['content-type'] ?? '';
  if (!/[/+]json\b/i.test(type)) return undefined;
  try {
    const value = response.json();
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function splitScopes(value: string, separator: RegExp): string[] {
  return [...new Set(value.split(separator).filter((s) => s !== ''))];
}

/** RFC 7235 auth-params: `a="x y", b=z` (quoted strings may hold commas and escaped quotes). */
function parseAuthParams(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const key = m[1]!.toLowerCase();
    if (!out.has(key)) out.set(key, m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? ''));
  }
  return out;
}
