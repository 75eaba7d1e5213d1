/**
 * The only file in @alter/mcp that reads or writes decorator metadata: the seam between the two
 * decorator standards and the rest of the package.
 *
 * - Legacy decorators (`experimentalDecorators`) record on the prototype with `Reflect.*`
 *   (reflect-metadata), next to TypeScript's `design:paramtypes`.
 * - TC39 standard decorators (TypeScript 5+ default, esbuild, tsx) have no prototype at
 *   decoration time; they record in the class's `context.metadata` object, which the runtime
 *   then exposes as `Class[Symbol.metadata]`. Each subclass's object inherits from its parent's
 *   (`Object.create(parent[Symbol.metadata])`), so "own" means an own property of that object.
 *
 * Readers ({@link getOwnMetadata}, {@link getMetadata}) take a prototype and look in both stores,
 * so the scanner does not care which standard compiled a class.
 *
 * Decision: @alter/mcp loads `reflect-metadata` itself (it is a dependency), so users need no
 * extra import — with `require`, not `import`, and only when the app has not loaded it already.
 * Node runs its CommonJS export lexer over every CommonJS module an ES module imports; for
 * reflect-metadata's 64 KB that was the largest single cost of importing @alter/mcp (≈ 130 ms of
 * CPU per start on the shared CI machine, see the cold-start section of docs/performance.md);
 * `require` skips the lexer. A bundle cannot see a `require` made through `createRequire`: a bundled
 * app imports reflect-metadata in its entry (docs/bundling.md), which then is found loaded here.
 * Where it is neither loaded nor installed, the package entry fails fast with
 * {@link ReflectMetadataMissingError} instead of silently recording nothing.
 */
import { createRequire } from 'node:module';
// Types only (the global `Reflect.*Metadata` declarations); the module itself is loaded below.
import type {} from 'reflect-metadata';
import { ReflectMetadataMissingError } from './errors.js';
import type { MetadataKey } from './metadata-keys.js';

/** True when the polyfill's functions are on `Reflect` (loaded by the app, another library, or us). */
function reflectMetadataLoaded(): boolean {
  return typeof Reflect === 'object' && typeof Reflect.defineMetadata === 'function' && typeof Reflect.getMetadata === 'function';
}

/** Loads reflect-metadata unless already loaded; a copy that is not installed is left to {@link assertReflectMetadata}. */
function loadReflectMetadata(): void {
  if (reflectMetadataLoaded()) return;
  try {
    createRequire(import.meta.url)('reflect-metadata');
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    const message = err instanceof Error ? err.message : '';
    // Only "reflect-metadata itself is not there" (a bundle); anything else is a real failure.
    if (code !== 'MODULE_NOT_FOUND' || !message.includes("'reflect-metadata'")) throw err;
  }
}

loadReflectMetadata();

/** Throws {@link ReflectMetadataMissingError} unless the reflect-metadata polyfill is loaded. */
export function assertReflectMetadata(): void {
  if (!reflectMetadataLoaded()) throw new ReflectMetadataMissingError();
}

assertReflectMetadata();

/**
 * `Symbol.metadata` (TC39 decorator metadata). Node 20 and 22 do not define it, and TypeScript's
 * emitted decorator code then passes `context.metadata: undefined`; esbuild falls back to
 * `Symbol.for('Symbol.metadata')`. Defining it as that registered symbol makes both agree (and
 * agrees with any other copy of this package or another library doing the same). Runs when
 * @alter/mcp is imported, which is before any class using `@AlterTool` is defined.
 */
function symbolMetadata(): symbol {
  const existing = (Symbol as { metadata?: unknown }).metadata;
  if (typeof existing === 'symbol') return existing;
  const polyfill = Symbol.for('Symbol.metadata');
  // Configurable, so another library's polyfill can still define it without throwing.
  Object.defineProperty(Symbol, 'metadata', { value: polyfill, writable: false, enumerable: false, configurable: true });
  return polyfill;
}

symbolMetadata();

/** `Symbol.metadata` now (read each time, in case a later polyfill replaced ours). */
function metadataSymbol(): symbol {
  const current = (Symbol as { metadata?: unknown }).metadata;
  return typeof current === 'symbol' ? current : Symbol.for('Symbol.metadata');
}

/** A class's `context.metadata` object (standard decorators). */
export type StandardMetadata = Record<PropertyKey, unknown>;

/** Where a decorator records: a prototype (legacy) or the class's `context.metadata` (standard). */
export type MetadataHome =
  | { readonly standard: false; readonly prototype: object }
  | { readonly standard: true; readonly metadata: StandardMetadata };

type MemberTable = Record<PropertyKey, unknown>;

function ownEntry(
  metadata: StandardMetadata,
  key: MetadataKey<unknown>,
  property: PropertyKey | undefined,
): { found: boolean; value: unknown } {
  if (!Object.hasOwn(metadata, key.key)) return { found: false, value: undefined };
  const stored = metadata[key.key];
  if (property === undefined) return { found: true, value: stored };
  const table = stored as MemberTable;
  return Object.hasOwn(table, property) ? { found: true, value: table[property] } : { found: false, value: undefined };
}

/** The standard-decorator metadata a class defined itself (not inherited), for its prototype. */
function ownStandardMetadata(prototype: object): StandardMetadata | undefined {
  if (!Object.hasOwn(prototype, 'constructor')) return undefined;
  const ctor = (prototype as { constructor?: unknown }).constructor;
  const key = metadataSymbol();
  if (typeof ctor !== 'function' || ctor.prototype !== prototype || !Object.hasOwn(ctor, key)) return undefined;
  const metadata = (ctor as unknown as Record<symbol, unknown>)[key];
  return metadata !== null && typeof metadata === 'object' ? (metadata as StandardMetadata) : undefined;
}

export function defineMetadata<T>(key: MetadataKey<T>, value: T, home: MetadataHome, property?: string | symbol): void {
  if (!home.standard) {
    if (property === undefined) Reflect.defineMetadata(key.key, value, home.prototype);
    else Reflect.defineMetadata(key.key, value, home.prototype, property);
    return;
  }
  const metadata = home.metadata;
  if (property === undefined) {
    metadata[key.key] = value;
    return;
  }
  // Own table per class; a parent's table (reached through the prototype of `metadata`) is never mutated.
  if (!Object.hasOwn(metadata, key.key)) metadata[key.key] = Object.create(null) as MemberTable;
  (metadata[key.key] as MemberTable)[property] = value;
}

/** Own metadata only (not inherited), from the store `home` writes to. */
export function getOwnMetadataAt<T>(key: MetadataKey<T>, home: MetadataHome, property?: string | symbol): T | undefined {
  if (home.standard) return ownEntry(home.metadata, key, property).value as T | undefined;
  return getOwnMetadata(key, home.prototype, property);
}

/** Own metadata of a prototype (not inherited through the prototype chain), from either store. */
export function getOwnMetadata<T>(key: MetadataKey<T>, target: object, property?: string | symbol): T | undefined {
  const reflected = (
    property === undefined ? Reflect.getOwnMetadata(key.key, target) : Reflect.getOwnMetadata(key.key, target, property)
  ) as T | undefined;
  if (reflected !== undefined) return reflected;
  const standard = ownStandardMetadata(target);
  return standard === undefined ? undefined : (ownEntry(standard, key, property).value as T | undefined);
}

/** Metadata, inherited through the prototype chain (the nearest class that has it wins), from either store. */
export function getMetadata<T>(key: MetadataKey<T>, target: object, property?: string | symbol): T | undefined {
  for (let p: object | null = target; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    const own = getOwnMetadata(key, p, property);
    if (own !== undefined) return own;
  }
  return undefined;
}

/** True when the nearest class in `target`'s chain that has `key` recorded it with a standard decorator. */
export function isStandardDecorated<T>(key: MetadataKey<T>, target: object, property?: string | symbol): boolean {
  for (let p: object | null = target; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    const reflected = property === undefined ? Reflect.getOwnMetadata(key.key, p) : Reflect.getOwnMetadata(key.key, p, property);
    if (reflected !== undefined) return false;
    const standard = ownStandardMetadata(p);
    if (standard !== undefined && ownEntry(standard, key, property).found) return true;
  }
  return false;
}
