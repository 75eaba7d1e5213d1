/**
 * A declared endpoint: `METHOD /path/{param}` (host-relative: any host of the provider) or
 * `METHOD https://host/path/{param}` (that host only). A `{name}` matches exactly one non-empty path
 * segment; everything else matches literally. The query string is not part of an endpoint.
 * Allowlist semantics: a request is inside a declaration when one endpoint matches its method and path.
 */
import { InvalidArgumentError } from '../errors.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const PARAM = /^\{[A-Za-z_][A-Za-z0-9_]*\}$/;

export interface EndpointPattern {
  /** The declaration as written (for error messages and audit rows). */
  readonly source: string;
  readonly method: string;
  /** Lower-case host (`host` or `host:port`) when the endpoint names one; undefined: any provider host. */
  readonly host: string | undefined;
  /** Path segments; null for a `{param}` segment. */
  readonly segments: readonly (string | null)[];
}

/** Parses one declaration; `where` names it in the error. */
export function parseEndpoint(source: string, where: string): EndpointPattern {
  if (typeof source !== 'string') throw new InvalidArgumentError(where, 'expected a string like "GET /gmail/v1/users/me/messages/{id}"');
  const match = /^([A-Z]+) +(\S+)$/.exec(source.trim());
  if (!match || !METHODS.has(match[1]!)) {
    throw new InvalidArgumentError(
      where,
      `${JSON.stringify(source)} is not an endpoint: write "METHOD /path/{param}" with METHOD one of ${[...METHODS].join(', ')}, e.g. "GET /gmail/v1/users/me/messages/{id}".`,
    );
  }
  const method = match[1]!;
  let target = match[2]!;
  let host: string | undefined;
  if (/^https?:\/\//i.test(target)) {
    let url: URL;
    try {
      url = new URL(target.replace(/\{/g, '%7B').replace(/\}/g, '%7D'));
    } catch {
      throw new InvalidArgumentError(where, `${JSON.stringify(source)}: the URL does not parse.`);
    }
    if (url.search !== '' || url.hash !== '')
      throw new InvalidArgumentError(where, `${JSON.stringify(source)}: leave the query out; an endpoint is a method and a path.`);
    host = url.host.toLowerCase();
    // Still encoded: segments are decoded one by one below, as request paths are when matched.
    target = url.pathname.replace(/%7B/g, '{').replace(/%7D/g, '}');
  }
  if (!target.startsWith('/'))
    throw new InvalidArgumentError(where, `${JSON.stringify(source)}: the path must start with "/" (or give a full https:// URL).`);
  if (/[?#]/.test(target))
    throw new InvalidArgumentError(where, `${JSON.stringify(source)}: leave the query out; an endpoint is a method and a path.`);
  const segments = target
    .split('/')
    .slice(1)
    .map((segment) => {
      if (PARAM.test(segment)) return null;
      if (/[{}]/.test(segment)) throw new InvalidArgumentError(where, `${JSON.stringify(source)}: a {param} must be a whole path segment.`);
      // Compared decoded, like the request's segments (endpointMatches), whichever way it was written.
      return safeDecode(segment);
    });
  return Object.freeze({ source, method, host, segments: Object.freeze(segments) });
}

/** True when `pattern` allows `method` on `url` (the URL the request goes to, before host rewrites). */
export function endpointMatches(pattern: EndpointPattern, method: string, url: URL): boolean {
  if (pattern.method !== method) return false;
  if (pattern.host !== undefined && pattern.host !== url.host.toLowerCase()) return false;
  const segments = url.pathname.split('/').slice(1);
  if (segments.length !== pattern.segments.length) return false;
  for (let i = 0; i < segments.length; i++) {
    const want = pattern.segments[i];
    const got = segments[i]!;
    if (want === null) {
      if (got === '') return false;
    } else if (want !== safeDecode(got)) {
      return false;
    }
  }
  return true;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Startup validation of a tool's declared endpoints against its provider: each parses, and an
 * endpoint that names a host names one of the provider's allowed hosts.
 * @throws InvalidArgumentError naming the endpoint and what to do.
 */
export function checkDeclaredEndpoints(
  provider: { readonly id: string },
  endpoints: readonly string[],
  where: string,
  hostAllowed: (url: URL) => void,
): readonly EndpointPattern[] {
  return endpoints.map((e, i) => {
    const pattern = parseEndpoint(e, `${where}[${i}]`);
    if (pattern.host !== undefined) {
      try {
        hostAllowed(new URL(`https://${pattern.host}/`));
      } catch {
        throw new InvalidArgumentError(
          `${where}[${i}]`,
          `${JSON.stringify(e)} is on host ${pattern.host}, which the ${provider.id} provider does not allow: declare a path on one of its allowedHosts, or add the host to the provider's allowedHosts.`,
        );
      }
    }
    return pattern;
  });
}
