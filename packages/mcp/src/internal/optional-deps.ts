/**
 * class-validator and class-transformer are optional peers that only the DTO adapter uses: they
 * are loaded on the first DTO check (never when @alter/mcp is imported, so a zod-only server does
 * not pay for them), either from what `@alter/mcp/class-validator` handed over with
 * {@link provideDtoLibraries} — static imports a bundler can follow — or by a synchronous
 * `require` (both are CommonJS) resolved from this package's location.
 */
import { createRequire } from 'node:module';

export interface ClassValidatorLike {
  validate(object: object, options?: Record<string, unknown>): Promise<ValidationErrorLike[]>;
  getMetadataStorage(): {
    getTargetValidationMetadatas(
      target: Function,
      schema: string,
      always: boolean,
      strictGroups: boolean,
      groups?: string[],
    ): ValidationMetadataLike[];
  };
}

export interface ValidationErrorLike {
  property: string;
  value?: unknown;
  constraints?: Record<string, string>;
  children?: ValidationErrorLike[];
}

export interface ValidationMetadataLike {
  type: string;
  name?: string;
  propertyName: string;
  constraints: unknown[];
  each: boolean;
  context?: unknown;
}

export interface ClassTransformerLike {
  plainToInstance(cls: Function, plain: unknown, options?: Record<string, unknown>): unknown;
}

export interface ClassTransformerStorageLike {
  findTypeMetadata(target: Function, propertyName: string): { typeFunction?: (options?: unknown) => Function } | undefined;
}

function pick<T>(mod: unknown, probe: string): T | undefined {
  if (mod === null || (typeof mod !== 'object' && typeof mod !== 'function')) return undefined;
  const m = mod as Record<string, unknown>;
  if (typeof m[probe] === 'function' || (typeof m[probe] === 'object' && m[probe] !== null)) return m as T;
  const d = m.default as Record<string, unknown> | undefined;
  if (d && (typeof d[probe] === 'function' || (typeof d[probe] === 'object' && d[probe] !== null))) return d as T;
  return undefined;
}

/** The DTO libraries, each undefined when it is not installed. */
export interface DtoLibraries {
  readonly classValidator: ClassValidatorLike | undefined;
  readonly classTransformer: ClassTransformerLike | undefined;
  readonly classTransformerStorage: ClassTransformerStorageLike | undefined;
}

let libraries: DtoLibraries | undefined;

/**
 * Hands over statically imported modules (`@alter/mcp/class-validator` does this). The first
 * hand-over or load wins, so every DTO check in the process sees one class-validator.
 */
export function provideDtoLibraries(modules: {
  classValidator: unknown;
  classTransformer: unknown;
  classTransformerStorage: unknown;
}): void {
  libraries ??= Object.freeze({
    classValidator: pick<ClassValidatorLike>(modules.classValidator, 'validate'),
    classTransformer: pick<ClassTransformerLike>(modules.classTransformer, 'plainToInstance'),
    classTransformerStorage: pick<{ defaultMetadataStorage: ClassTransformerStorageLike }>(
      modules.classTransformerStorage,
      'defaultMetadataStorage',
    )?.defaultMetadataStorage,
  });
}

/** The DTO libraries, loading them on first use; a library that is not installed is undefined. */
export function dtoLibraries(): DtoLibraries {
  if (libraries === undefined) {
    const require = createRequire(import.meta.url);
    provideDtoLibraries({
      classValidator: requireIfInstalled(require, 'class-validator'),
      classTransformer: requireIfInstalled(require, 'class-transformer'),
      // class-transformer keeps @Type() metadata in a module-level store it does not export from
      // its index; this is the file its own index requires, so both share one instance.
      classTransformerStorage: requireIfInstalled(require, 'class-transformer/cjs/storage.js'),
    });
  }
  return libraries as DtoLibraries;
}

/** `require(name)`, or undefined when `name` itself is not installed (any other failure is thrown). */
function requireIfInstalled(require: NodeJS.Require, name: string): unknown {
  try {
    return require(name);
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (code === 'MODULE_NOT_FOUND' && err instanceof Error && err.message.includes(`'${name}'`)) return undefined;
    throw err;
  }
}
