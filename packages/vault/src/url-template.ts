/**
 * `{name}` URL templating. Each value is percent-encoded as ONE path segment piece: it can never
 * add a `/`, a `?`, a `#`, or form a `.`/`..` segment, whatever it contains (unicode included).
 */
import { InvalidArgumentError, UrlTemplateError } from './errors.js';

/** Query values: strings, numbers, booleans, or arrays of them (repeated keys). */
export type QueryParamValue = string | number | boolean | ReadonlyArray<string | number | boolean>;

const PLACEHOLDER = /\{([^{}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * Replaces each `{name}` with the encoded `pathParams[name]`, appends `queryParams`, and parses.
 * @throws UrlTemplateError naming the placeholder or parameter that does not match.
 * @throws InvalidArgumentError when the URL cannot be parsed.
 */
export function buildUrl(
  template: string,
  pathParams?: Readonly<Record<string, string | number>>,
  queryParams?: Readonly<Record<string, QueryParamValue | undefined>>,
): URL {
  const used = new Set<string>();
  const params = pathParams ?? {};
  const authorityEnd = authorityEndIndex(template);
  const expanded = template.replace(PLACEHOLDER, (match, name: string, offset: number) => {
    if (!NAME.test(name)) throw new UrlTemplateError(`URL placeholder "${match}" is not a valid name; use {letters_digits}.`);
    if (offset < authorityEnd) {
      throw new UrlTemplateError(`URL placeholder {${name}} is in the scheme or host; placeholders are allowed only in the path and query.`);
    }
    if (!Object.hasOwn(params, name)) {
      throw new UrlTemplateError(`URL placeholder {${name}} has no value; pass pathParams: { ${name}: … }.`);
    }
    used.add(name);
    return encodePiece(name, params[name]);
  });
  for (const name of Object.keys(params)) {
    if (!used.has(name)) throw new UrlTemplateError(`pathParams.${name} has no {${name}} placeholder in the URL; remove it or fix the URL.`);
  }
  let url: URL;
  try {
    url = new URL(expanded);
  } catch {
    throw new InvalidArgumentError('url', 'is not an absolute URL (expected https://host/path)');
  }
  if (queryParams !== undefined) {
    if (queryParams === null || typeof queryParams !== 'object') throw new InvalidArgumentError('queryParams', 'expected an object of strings');
    for (const [k, v] of Object.entries(queryParams)) {
      if (v === undefined) continue;
      const values = Array.isArray(v) ? v : [v];
      for (const item of values) {
        if (!['string', 'number', 'boolean'].includes(typeof item)) {
          throw new InvalidArgumentError(`queryParams.${k}`, 'expected a string, number, boolean or an array of them');
        }
        url.searchParams.append(k, String(item));
      }
    }
  }
  return url;
}

function encodePiece(name: string, value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) value = String(value);
  if (typeof value !== 'string') throw new UrlTemplateError(`pathParams.${name} must be a string or a finite number.`);
  if (value === '') throw new UrlTemplateError(`pathParams.${name} is empty; an empty value would change the path.`);
  // "." and ".." survive encoding (and %2E%2E is normalized by URL parsers), so refuse them.
  if (value === '.' || value === '..') throw new UrlTemplateError(`pathParams.${name} is "${value}", which would move up the path; refused.`);
  let encoded: string;
  try {
    encoded = encodeURIComponent(value);
  } catch {
    throw new UrlTemplateError(`pathParams.${name} is not valid unicode (lone surrogate).`);
  }
  // encodeURIComponent leaves !'()* as is; encode them too so no provider parses them specially.
  return encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Index just past `scheme://authority` (0 when the template has no scheme). */
function authorityEndIndex(template: string): number {
  const schemeEnd = template.indexOf('://');
  if (schemeEnd < 0) return 0;
  const start = schemeEnd + 3;
  const rest = template.slice(start);
  const m = /[/?#]/.exec(rest);
  return m ? start + m.index : template.length;
}
