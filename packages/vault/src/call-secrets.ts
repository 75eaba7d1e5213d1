/**
 * Per-call secret tracking: while a tool call runs, the vault notes every secret it uses for
 * that call (access tokens it injects, refresh tokens and client secrets it sends to a token
 * endpoint) in the call's {@link CallSecrets}; before a result leaves the MCP layer, the MCP
 * layer redacts them through {@link CallSecrets.redact}. The values themselves are never
 * readable: the set is a private field, there is no getter, iterator, toJSON or inspect output.
 *
 * NOT public API. This module is the seam between @alter/vault and @alter/mcp, reachable as
 * `@alter/vault/internal`; it may change in any release.
 *
 * The tracker rides in the call frame of @alter/vault's one AsyncLocalStorage
 * (internal/call-scope.ts), beside the audit contexts but never inside one: an audit context is
 * readable by anyone holding the vault (`currentAuditContext()`), the tracker by nobody outside
 * this package and the MCP layer. The MCP layer re-enters the call's tracker explicitly on every
 * `ctx.request()` (see tool-call-context.ts), so a request made from a detached async context is
 * still tracked.
 */
import { inspect } from 'node:util';
import { currentSecrets, runWithSecrets } from './internal/call-scope.js';

/** What a redacted secret is replaced with. */
export const REDACTED = '[redacted]';

/**
 * Shorter values are not tracked: redacting a 3-letter "secret" would shred ordinary text, and
 * such a value is no secret (the leak check uses the same floor).
 */
const MIN_SECRET_LENGTH = 8;
/**
 * A message cut to a length limit may end in part of a secret: a run of at least this many
 * characters that starts like a secret is redacted up to where it stops matching.
 */
const PARTIAL_MATCH = 12;
/** Deeper structures are cut (fail closed) instead of walked: results are JSON, not graphs. */
const MAX_DEPTH = 64;

/**
 * Everything redaction needs to know about one secret (or, merged, several): its text forms,
 * longest first; the forms whose cut-off start is redacted too; and a regex matching the start of
 * any form. Building it (four encodings of two strings, a sort, a RegExp) is most of what noting a
 * secret costs, so the vault builds it once per secret holder (a cached token lease, a provider
 * config) and every call that uses the same secret shares it. Module-private and frozen: it
 * never leaves this module.
 */
class SecretForms {
  readonly forms: readonly string[];
  readonly partials: readonly string[];
  readonly quick: RegExp;
  /** The length of the shortest match of {@link quick}: a shorter text holds no form (keys, short values). */
  readonly shortest: number;

  private constructor(forms: readonly string[], partials: readonly string[]) {
    // Longest first, so a longer form is replaced before a shorter one it contains.
    this.forms = Object.freeze([...new Set(forms)].sort((a, b) => b.length - a.length));
    this.partials = Object.freeze(partials);
    const heads = new Set(this.forms.map((f) => f.slice(0, PARTIAL_MATCH).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
    this.quick = new RegExp([...heads].join('|'));
    this.shortest = Math.min(...this.forms.map((f) => Math.min(f.length, PARTIAL_MATCH)));
    Object.freeze(this);
  }

  /** The forms of one secret: see {@link CallSecrets.add}. */
  static of(secret: string): SecretForms {
    const forms: string[] = [];
    const partials: string[] = [];
    for (const plain of [secret, `Bearer ${secret}`]) {
      for (const form of encodings(plain)) {
        forms.push(form);
        // Only the bare secret's forms: a cut `Bearer ab…` would match on too few secret characters.
        if (plain === secret && form.length >= PARTIAL_MATCH + 4) partials.push(form);
      }
    }
    return new SecretForms(forms, partials);
  }

  /**
   * The union of several secrets' forms (what one call redacts when it used more than one secret:
   * a provider's client secret and a token, say). Built once per sequence of forms and shared by
   * every call that used the same secrets in the same order: building it (a sort and a RegExp that
   * V8 compiles on its first use) on every call was a large part of redacting a result.
   */
  static merge(all: readonly SecretForms[]): SecretForms {
    let level = mergedForms;
    let node: MergeNode | undefined;
    for (const forms of all) {
      node = level.get(forms);
      if (node === undefined) {
        node = { next: new WeakMap(), merged: undefined };
        level.set(forms, node);
      }
      level = node.next;
    }
    if (node === undefined) throw new TypeError('SecretForms.merge needs at least one secret');
    node.merged ??= new SecretForms(
      all.flatMap((f) => f.forms),
      all.flatMap((f) => f.partials),
    );
    return node.merged;
  }
}

/**
 * Merged forms, keyed by the sequence of forms they merge (a trie of WeakMaps): an entry lives
 * only as long as every secret holder whose forms it merges, so no secret is kept here either.
 */
interface MergeNode {
  readonly next: WeakMap<SecretForms, MergeNode>;
  merged: SecretForms | undefined;
}
const mergedForms = new WeakMap<SecretForms, MergeNode>();

/**
 * The forms of the secret each holder carries, built on the first call that uses it. Keyed by the
 * holder object (a token lease, a provider config), so they live exactly as long as the holder:
 * no secret is kept here after the vault drops its lease.
 */
const formsByHolder = new WeakMap<object, { readonly secret: string; readonly forms: SecretForms }>();

function formsHeldBy(holder: object, secret: string): SecretForms {
  const known = formsByHolder.get(holder);
  if (known !== undefined && known.secret === secret) return known.forms;
  const forms = SecretForms.of(secret);
  formsByHolder.set(holder, Object.freeze({ secret, forms }));
  return forms;
}

let noteWithHolder: (secrets: CallSecrets, secret: string | null | undefined, holder: object) => void;

/**
 * The secrets one tool call (with its nested tool calls) used. Create one per top-level call,
 * run the call inside {@link withCallSecrets}, then redact everything the call produced.
 */
export class CallSecrets {
  /** The forms of each noted secret, in the order noted. */
  readonly #noted: SecretForms[] = [];
  /** What redaction uses: the one noted secret's forms, or their union (built on first use). */
  #merged: SecretForms | undefined;
  /** The noted secrets' values (made on the first note: most calls' trackers note one secret or none). */
  #seen: Set<string> | undefined;

  /**
   * Notes a secret. Covered forms: the raw value (so also `Bearer <token>`, JSON strings and
   * form bodies that carry it verbatim), `encodeURIComponent(value)`, and standalone base64 /
   * base64url encodings of the value and of `Bearer <value>` (padding stripped). Not covered:
   * a secret base64-encoded inside a longer blob at an unaligned offset, or split/transformed.
   */
  add(secret: string | null | undefined): void {
    this.#note(secret, undefined);
  }

  /** {@link add}, with the forms built once per `holder` (see {@link noteCallSecret}). */
  #note(secret: string | null | undefined, holder: object | undefined): void {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH || this.#seen?.has(secret)) return;
    this.#seen ??= new Set();
    this.#seen.add(secret);
    this.#noted.push(holder === undefined ? SecretForms.of(secret) : formsHeldBy(holder, secret));
    this.#merged = undefined;
  }

  /** The forms to redact, or undefined when nothing was noted. */
  #forms(): SecretForms | undefined {
    if (this.#merged === undefined && this.#noted.length > 0)
      this.#merged = this.#noted.length === 1 ? this.#noted[0] : SecretForms.merge(this.#noted);
    return this.#merged;
  }

  /** True when no secret was noted (the redaction is then the identity). */
  get empty(): boolean {
    return this.#noted.length === 0;
  }

  /** `text` with every noted secret (in every covered form) replaced by {@link REDACTED}. */
  redactText(text: string): string {
    const all = this.#forms();
    if (all === undefined || text.length < all.shortest || !all.quick.test(text)) return text;
    let out = text;
    for (const form of all.forms) if (out.includes(form)) out = out.split(form).join(REDACTED);
    for (const form of all.partials) out = redactPartial(out, form);
    return out;
  }

  /**
   * A deep copy of `value` with every string (values and keys, in arrays and plain objects,
   * through `toJSON()`) redacted. Non-JSON leaves (numbers, booleans, null, undefined) pass as is;
   * structures deeper than 64 levels or cyclic are cut to {@link REDACTED} (fail closed).
   */
  redact<T>(value: T): T {
    if (this.#noted.length === 0) return value;
    return this.#walk(value, 0, []) as T;
  }

  /**
   * `path` holds the objects from the root down to `value` (at most MAX_DEPTH): an array, not a
   * Set, because a Set gives every object it holds an identity hash (a hidden-class change of a
   * fresh object), and a result is walked once per call. Own enumerable string keys are read with
   * Object.keys (what Object.entries enumerates) without an [key, value] array per property.
   */
  #walk(value: unknown, depth: number, path: object[]): unknown {
    if (typeof value === 'string') return this.redactText(value);
    if (value === null || typeof value !== 'object') return value;
    if (depth >= MAX_DEPTH || path.includes(value)) return REDACTED;
    path.push(value);
    try {
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return this.#walk(toJSON.call(value), depth + 1, path);
      if (Array.isArray(value)) return value.map((v) => this.#walk(v, depth + 1, path));
      if (value instanceof Uint8Array) return value;
      const out: Record<string, unknown> = {};
      const source = value as Record<string, unknown>;
      for (const k of Object.keys(source)) out[this.redactText(k)] = this.#walk(source[k], depth + 1, path);
      return out;
    } finally {
      path.pop();
    }
  }

  /** Never shows the secrets (not even how many there are). */
  toJSON(): string {
    return 'CallSecrets';
  }

  [inspect.custom](): string {
    return 'CallSecrets {}';
  }

  static {
    // The only way in for a holder: noteCallSecret (module-private, not a public method).
    noteWithHolder = (secrets, secret, holder) => secrets.#note(secret, holder);
  }
}
Object.freeze(CallSecrets.prototype);

function encodings(plain: string): string[] {
  return [
    plain,
    encodeURIComponent(plain),
    Buffer.from(plain).toString('base64').replace(/=+$/, ''),
    Buffer.from(plain).toString('base64url'),
  ];
}

/** Redacts every run in `text` that starts with `form`'s first {@link PARTIAL_MATCH} characters, up to where it stops matching `form`. */
function redactPartial(text: string, form: string): string {
  const head = form.slice(0, PARTIAL_MATCH);
  let out = text;
  let from = 0;
  for (let at = out.indexOf(head, from); at !== -1; at = out.indexOf(head, from)) {
    let end = at + PARTIAL_MATCH;
    while (end < out.length && end - at < form.length && out[end] === form[end - at]) end += 1;
    out = out.slice(0, at) + REDACTED + out.slice(end);
    from = at + REDACTED.length;
  }
  return out;
}
Object.freeze(CallSecrets);

/**
 * Runs `fn` with `secrets` as the current call's tracker: every secret the vault uses inside it
 * (however deep in async code) is noted there. Nested calls with the same tracker are fine.
 */
export function withCallSecrets<T>(secrets: CallSecrets, fn: () => T): T {
  if (!(secrets instanceof CallSecrets)) throw new TypeError('withCallSecrets(secrets, fn): secrets must be a CallSecrets');
  return runWithSecrets(secrets, fn);
}

/**
 * The tracker of the call the current async context runs in, or undefined outside any. Lets the
 * MCP layer refuse a context used inside another call (it exposes no secret: only redaction).
 */
export function currentCallSecrets(): CallSecrets | undefined {
  return currentSecrets();
}

/**
 * Notes `secret` in the current call's tracker; a no-op outside {@link withCallSecrets} (plain
 * vault use without MCP). Called by the vault where it uses a secret. `holder`, when given, is
 * the object that carries the secret for as long as it is valid (the cached token lease, the
 * provider config): the secret's redaction forms are then built once per holder, not per call.
 */
export function noteCallSecret(secret: string | null | undefined, holder?: object): void {
  const current = currentSecrets();
  if (current === undefined) return;
  if (holder === undefined) current.add(secret);
  else noteWithHolder(current, secret, holder);
}
