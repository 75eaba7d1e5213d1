/**
 * class-validator and class-transformer are optional peers: loaded once, at import time, only if
 * installed. Only the DTO adapter uses them; zod users never need them.
 */

export interface ClassValidatorLike {
  validate(object: object, options?: Record<string, unknown>): Promise<ValidationErrorLike[]>;
  getMetadataStorage(): {
    getTargetValidationMetadatas(target: Function, schema: string, always: boolean, strictGroups: boolean, groups?: string[]): ValidationMetadataLike[];
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
  if (mod === null || typeof mod !== 'object') return undefined;
  const m = mod as Record<string, unknown>;
  if (typeof m[probe] === 'function' || (typeof m[probe] === 'object' && m[probe] !== null)) return m as T;
  const d = m.default as Record<string, unknown> | undefined;
  if (d && (typeof d[probe] === 'function' || (typeof d[probe] === 'object' && d[probe] !== null))) return d as T;
  return undefined;
}

// Module specifiers in variables keep TypeScript from requiring the optional packages' types.
const CV = 'class-validator';
const CT = 'class-transformer';
// class-transformer keeps @Type() metadata in a module-level store it does not export from its
// index; this is the file its own index requires, so both share one instance.
const CT_STORAGE = 'class-transformer/cjs/storage.js';

export const classValidator: ClassValidatorLike | undefined = pick(await import(CV).catch(() => undefined), 'validate');
export const classTransformer: ClassTransformerLike | undefined = pick(await import(CT).catch(() => undefined), 'plainToInstance');
const storageModule = pick<{ defaultMetadataStorage: ClassTransformerStorageLike }>(await import(CT_STORAGE).catch(() => undefined), 'defaultMetadataStorage');
export const classTransformerStorage: ClassTransformerStorageLike | undefined = storageModule?.defaultMetadataStorage;
