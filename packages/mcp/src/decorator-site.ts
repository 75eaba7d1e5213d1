/**
 * Which decorator standard called us, and on what. TypeScript (with or without
 * `experimentalDecorators`), esbuild, tsx and swc call a method decorator in one of two shapes:
 *
 *   legacy   (prototype | constructor, propertyKey, descriptor)   experimentalDecorators, swc legacy
 *   standard (method, context: { kind, name, static, private, metadata, … })   TC39, TS 5+ default
 *
 * {@link methodSite} turns either into one {@link MethodSite} or throws a message naming the real
 * cause (a static, private or non-method member, a decorator used without its arguments, a
 * compiler that passes no `context.metadata`).
 */
import type { MetadataHome, StandardMetadata } from './metadata-reflect.js';

/** A decorated method, whichever standard decorated it. */
export interface MethodSite {
  /** `Class.method` (legacy) or `method` (standard decorators do not reveal the class). */
  readonly member: string;
  readonly propertyKey: string | symbol;
  readonly home: MetadataHome;
}

/** A decorated field (for `@Description` on DTO properties). */
export interface FieldSite {
  readonly member: string;
  readonly propertyKey: string | symbol;
  readonly home: MetadataHome;
}

/** Why a site was refused: the member as far as it is known, the problem and its fixes. */
export class DecoratorSiteError extends Error {
  constructor(
    readonly member: string,
    readonly problem: string,
    readonly fixes: readonly string[],
  ) {
    super(`${member}: ${problem}`);
  }
}

interface StandardContext {
  readonly kind: string;
  readonly name: string | symbol;
  readonly static?: boolean;
  readonly private?: boolean;
  readonly metadata?: unknown;
}

/** True for the second argument of a TC39 standard decorator call. */
export function isStandardContext(value: unknown): value is StandardContext {
  if (value === null || typeof value !== 'object') return false;
  const c = value as Record<string, unknown>;
  return typeof c.kind === 'string' && (typeof c.name === 'string' || typeof c.name === 'symbol') && 'addInitializer' in c;
}

const KIND_WORDS: Readonly<Record<string, string>> = {
  field: 'a field',
  accessor: 'an auto-accessor',
  getter: 'a getter',
  setter: 'a setter',
  class: 'a class (decorate its methods instead)',
};

const NO_METADATA_FIXES = [
  'Use TypeScript ≥ 5.2 or esbuild/tsx ≥ 0.21 (they pass context.metadata to standard decorators).',
  'Or compile with "experimentalDecorators": true (legacy decorators).',
];

function nameOf(key: string | symbol): string {
  return typeof key === 'symbol' ? `[${key.description ?? 'symbol'}]` : key;
}

function classNameOf(target: unknown): string {
  if (typeof target === 'function') return target.name || '(anonymous class)';
  const ctor = (target as { constructor?: { name?: unknown } } | null)?.constructor;
  return typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : '(anonymous class)';
}

function standardHome(context: StandardContext, member: string, decorator: string): MetadataHome {
  const metadata = context.metadata;
  if (metadata === null || typeof metadata !== 'object') {
    throw new DecoratorSiteError(
      member,
      `the compiler ran ${decorator} as a standard (TC39) decorator but passed no context.metadata, so the tool cannot be recorded.`,
      NO_METADATA_FIXES,
    );
  }
  return { standard: true, metadata: metadata as StandardMetadata };
}

/**
 * The method `args` (a decorator's arguments) describe.
 * @throws DecoratorSiteError for anything that is not a public instance method.
 */
export function methodSite(args: readonly unknown[], decorator: string): MethodSite {
  const [first, second, third] = args;
  if (args.length === 2 && isStandardContext(second)) {
    const member = nameOf(second.name);
    if (second.kind !== 'method') {
      throw new DecoratorSiteError(member, `is ${KIND_WORDS[second.kind] ?? `a ${second.kind}`}; only methods can be tools.`, [
        'Decorate a regular method: `async name(ctx: AlterContext, input) {…}`.',
      ]);
    }
    if (second.static === true)
      throw new DecoratorSiteError(member, 'is a static method; tools must be instance methods.', ['Remove `static` from the method.']);
    if (second.private === true) {
      throw new DecoratorSiteError(member, 'is a private (#) method; the registry cannot call it.', [
        'Make the method public (drop the `#`); use `private` (TypeScript) if only the type should hide it.',
      ]);
    }
    if (typeof first !== 'function') throw new DecoratorSiteError(member, 'is not a method.', ['Decorate a regular method.']);
    return { member, propertyKey: second.name, home: standardHome(second, member, decorator) };
  }
  if (
    args.length === 3 &&
    (typeof second === 'string' || typeof second === 'symbol') &&
    first !== null &&
    (typeof first === 'object' || typeof first === 'function')
  ) {
    const member = `${classNameOf(first)}.${nameOf(second)}`;
    if (typeof first === 'function')
      throw new DecoratorSiteError(member, 'is a static method; tools must be instance methods.', ['Remove `static` from the method.']);
    const descriptor = third as PropertyDescriptor | undefined;
    if (typeof descriptor?.value !== 'function') {
      throw new DecoratorSiteError(member, 'is not a method (getters, setters and fields cannot be tools).', [
        'Decorate a regular method: `async name(ctx: AlterContext, input) {…}`.',
      ]);
    }
    return { member, propertyKey: second, home: { standard: false, prototype: first } };
  }
  if (args.length === 2 && (typeof second === 'string' || typeof second === 'symbol') && first !== null && typeof first === 'object') {
    // A legacy property decorator call: (prototype, name) with no descriptor.
    throw new DecoratorSiteError(
      `${classNameOf(first)}.${nameOf(second)}`,
      'is a field, not a method (getters, setters and fields cannot be tools).',
      ['Decorate a regular method: `async name(ctx: AlterContext, input) {…}`.'],
    );
  }
  throw new DecoratorSiteError(
    '(unknown member)',
    `${decorator} was called with arguments no decorator standard uses (${describeArgs(args)}).`,
    [`Use it as a decorator on a method: \`${decorator}(…) async name(ctx, input) {…}\`, not as a function call.`],
  );
}

/**
 * The field `args` describe (legacy property decorator or standard field decorator).
 * @throws DecoratorSiteError for anything else.
 */
export function fieldSite(args: readonly unknown[], decorator: string): FieldSite {
  const [first, second] = args;
  if (args.length === 2 && isStandardContext(second)) {
    const member = nameOf(second.name);
    if (second.kind !== 'field' && second.kind !== 'accessor') {
      throw new DecoratorSiteError(
        member,
        `${decorator} documents a DTO property, but this is ${KIND_WORDS[second.kind] ?? `a ${second.kind}`}.`,
        ['Put it on a property of the input class.'],
      );
    }
    if (second.static === true)
      throw new DecoratorSiteError(member, `${decorator} documents a DTO property, but this property is static.`, ['Remove `static`.']);
    return { member, propertyKey: second.name, home: standardHome(second, member, decorator) };
  }
  if (args.length >= 2 && (typeof second === 'string' || typeof second === 'symbol') && first !== null && typeof first === 'object') {
    return { member: `${classNameOf(first)}.${nameOf(second)}`, propertyKey: second, home: { standard: false, prototype: first } };
  }
  throw new DecoratorSiteError(
    '(unknown member)',
    `${decorator} was called with arguments no decorator standard uses for a property (${describeArgs(args)}).`,
    ['Put it on a property of the input class.'],
  );
}

function describeArgs(args: readonly unknown[]): string {
  return args.map((a) => (a === null ? 'null' : typeof a === 'function' ? 'function' : typeof a)).join(', ') || 'none';
}
