import type { IncomingHttpHeaders } from 'node:http';
import type { ResolvedSandboxUser } from '../sandbox-user.js';

/**
 * The provider whose tokens a fake API accepts (plus the generic `'sandbox'` client): a built-in
 * one, or the id of a custom service (`startSandbox({ services })`).
 */
export type FakeApiProvider = string;

/** One request as a fake route sees it, after the Bearer token and scopes were checked. */
export interface FakeRequest {
  readonly method: string;
  /** The real host (`api.github.com`). */
  readonly host: string;
  /** The path on the real host (`/repos/alice/hello-world/issues`). */
  readonly path: string;
  /** Decoded `:name` segments of the route pattern. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Parsed body: JSON value, or an object of form fields, or undefined when empty. */
  readonly body: unknown;
  /** True when the body was present but not parseable for its content type. */
  readonly bodyMalformed: boolean;
  /** The user the access token belongs to. */
  readonly user: ResolvedSandboxUser;
  /** Scopes granted to the access token. */
  readonly scopes: ReadonlySet<string>;
}

/** What a fake route answers. */
export interface FakeResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** One route of a fake API (also what a custom service lists in `routes`). */
export interface FakeRoute {
  /** HTTP method, or `'*'` for any (Slack Web API methods accept GET and POST). */
  readonly method: string;
  /** Path pattern on the real host, `:name` matches one segment: `/gmail/v1/users/:userId/messages/:id`. */
  readonly path: string;
  /** The call is allowed when the token holds ANY of these scopes; empty means any valid token. */
  readonly anyScope: readonly string[];
  handle(req: FakeRequest): FakeResponse | Promise<FakeResponse>;
}

/** Why a request was not authenticated. */
export type UnauthorizedReason = 'missing' | 'invalid' | 'expired' | 'revoked';

/** The provider-shaped answers a fake API gives outside its routes. */
export interface FakeApiErrors {
  /** No, unknown, expired or revoked token (Google/GitHub 401; Slack HTTP 200 with `ok: false`). */
  unauthorized(reason: UnauthorizedReason): FakeResponse;
  /** The token lacks every scope in `route.anyScope`. */
  forbidden(route: FakeRoute, granted: ReadonlySet<string>): FakeResponse;
  /** No route matches the path. */
  notFound(path: string): FakeResponse;
  /** A `faults.failNext` answer (429 or 5xx) with `Retry-After`. */
  injected(status: number, retryAfterSec: number): FakeResponse;
}

/**
 * A fake provider API served under `/hosts/<host>/…`. To add a built-in one: write a file like
 * `github.ts` that returns this shape, and list it in `sandbox.ts`. A custom service
 * (`service-api.ts`) becomes one of these too.
 */
export interface FakeApi {
  readonly name: string;
  readonly provider: FakeApiProvider;
  /** Real hosts it answers for. Several APIs may share a host (Gmail and Calendar on www.googleapis.com). */
  readonly hosts: readonly string[];
  readonly routes: readonly FakeRoute[];
  readonly errors: FakeApiErrors;
  /** Headers added to every authenticated answer (GitHub's `X-OAuth-Scopes`). */
  readonly headersFor?: (scopes: ReadonlySet<string>) => Readonly<Record<string, string>>;
}

/** Builds a JSON answer. */
export function reply(status: number, body: unknown, headers?: Readonly<Record<string, string>>): FakeResponse {
  return headers ? { status, body, headers } : { status, body };
}

/** Matches `path` against a `:name` pattern; returns decoded params or undefined. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const p = pattern.split('/');
  const s = path.split('/');
  if (p.length !== s.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const seg = p[i] as string;
    const val = s[i] as string;
    if (seg.startsWith(':')) {
      if (!val) return undefined;
      try {
        params[seg.slice(1)] = decodeURIComponent(val);
      } catch {
        return undefined;
      }
    } else if (seg !== val) return undefined;
  }
  return params;
}

/** Reads a positive integer query parameter within bounds; undefined when absent, NaN when invalid. */
export function intParam(query: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) return Number.NaN;
  const n = Number(raw);
  return n < min || n > max ? Number.NaN : n;
}

/** True for a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
