/**
 * `{name}` URL templating. Each value is percent-encoded as ONE path segment piece: it can never
 * add a `/`, a `?`, a `#`, or form a `.`/`..` segment, whatever it contains (unicode included).
 */
import { InvalidArgumentError, UrlTemplateError } from './errors.js';

/** Query values: strings, numbers, booleans, or arrays of them (repeated keys). */
export type QueryParamValue = string | number | boolean | ReadonlyArray<string | number | boolean>;

const PLACEHOLDER = /\{([^{}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/** Marks encodeURIComponent leaves as is (no `g` flag: test() keeps no state). */
const RESERVED_MARKS = /[!'()*]/;

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
  const compiled = compile(template);
  const params = pathParams ?? {};
  let expanded = compiled.literals[0]!;
  for (let i = 0; i < compiled.names.length; i++) {
    const name = compiled.names[i]!;
    if (!Object.hasOwn(params, name)) {
      throw new UrlTemplateError(`URL placeholder {${name}} has no value; pass pathParams: { ${name}: … }.`);
    }
    expanded += encodePiece(name, params[name]) + compiled.literals[i + 1]!;
  }
  for (const name in params) {
    if (Object.hasOwn(params, name) && !compiled.nameSet.has(name)) {
      throw new UrlTemplateError(`pathParams.${name} has no {${name}} placeholder in the URL; remove it or fix the URL.`);
    }
  }
  let url: URL;
  try {
    url = new URL(expanded);
  } catch {
    throw new InvalidArgumentError('url', 'is not an absolute URL (expected https://host/path)');
  }
  if (queryParams !== undefined) {
    if (queryParams === null || typeof queryParams !== 'object')
      throw new InvalidArgumentError('queryParams', 'expected an object of strings');
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

/** A template split at its placeholders: literals[0] name[0] literals[1] … literals[n]. */
interface CompiledTemplate {
  readonly literals: readonly string[];
  readonly names: readonly string[];
  readonly nameSet: ReadonlySet<string>;
}

/**
 * Templates are few and reused on every request (they are string literals in tool code), so each
 * is parsed and checked once. Bounded: a caller building templates dynamically cannot grow it
 * without limit (the cache is simply emptied when full).
 */
const compiledTemplates = new Map<string, CompiledTemplate>();
const MAX_COMPILED_TEMPLATES = 512;

/** @throws UrlTemplateError for a bad placeholder name or one in the scheme/host (never cached). */
function compile(template: string): CompiledTemplate {
  const hit = compiledTemplates.get(template);
  if (hit !== undefined) return hit;
  const authorityEnd = authorityEndIndex(template);
  const literals: string[] = [];
  const names: string[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1]!;
    if (!NAME.test(name)) throw new UrlTemplateError(`URL placeholder "${m[0]}" is not a valid name; use {letters_digits}.`);
    if (m.index < authorityEnd) {
      throw new UrlTemplateError(
        `URL placeholder {${name}} is in the scheme or host; placeholders are allowed only in the path and query.`,
      );
    }
    literals.push(template.slice(last, m.index));
    names.push(name);
    last = m.index + m[0].length;
  }
  literals.push(template.slice(last));
  const compiled: CompiledTemplate = Object.freeze({
    literals: Object.freeze(literals),
    names: Object.freeze(names),
    nameSet: new Set(names),
  });
  if (compiledTemplates.size >= MAX_COMPILED_TEMPLATES) compiledTemplates.clear();
  compiledTemplates.set(template, compiled);
  return compiled;
}

function encodePiece(name: string, value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) value = String(value);
  if (typeof value !== 'string') throw new UrlTemplateError(`pathParams.${name} must be a string or a finite number.`);
  if (value === '') throw new UrlTemplateError(`pathParams.${name} is empty; an empty value would change the path.`);
  // "." and ".." survive encoding (and %2E%2E is normalized by URL parsers), so refuse them.
  if (value === '.' || value === '..')
    throw new UrlTemplateError(`pathParams.${name} is "${value}", which would move up the path; refused.`);
  let encoded: string;
  try {
    encoded = encodeURIComponent(value);
  } catch {
    throw new UrlTemplateError(`pathParams.${name} is not valid unicode (lone surrogate).`);
  }
  // encodeURIComponent leaves !'()* as is; encode them too so no provider parses them specially.
  return RESERVED_MARKS.test(encoded) ? encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : encoded;
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
