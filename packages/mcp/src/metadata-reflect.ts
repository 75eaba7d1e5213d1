/**
 * The only file in @alter/mcp that calls `Reflect.*` metadata functions: the seam where standard
 * (TC39) decorators or another metadata store would plug in.
 *
 * Decision: @alter/mcp loads `reflect-metadata` itself (it is a dependency), so users need no
 * extra import. If a bundler drops it anyway, the first decorator fails fast with
 * {@link ReflectMetadataMissingError} instead of silently recording nothing.
 */
import 'reflect-metadata';
import { ReflectMetadataMissingError } from './errors.js';
import type { MetadataKey } from './metadata-keys.js';

/** Throws {@link ReflectMetadataMissingError} unless the reflect-metadata polyfill is loaded. */
export function assertReflectMetadata(): void {
  if (typeof Reflect !== 'object' || typeof Reflect.defineMetadata !== 'function' || typeof Reflect.getMetadata !== 'function') {
    throw new ReflectMetadataMissingError();
  }
}

assertReflectMetadata();

export function defineMetadata<T>(key: MetadataKey<T>, value: T, target: object, property?: string | symbol): void {
  if (property === undefined) Reflect.defineMetadata(key.key, value, target);
  else Reflect.defineMetadata(key.key, value, target, property);
}

/** Own metadata only (not inherited through the prototype chain). */
export function getOwnMetadata<T>(key: MetadataKey<T>, target: object, property?: string | symbol): T | undefined {
  return (property === undefined ? Reflect.getOwnMetadata(key.key, target) : Reflect.getOwnMetadata(key.key, target, property)) as T | undefined;
}

/** Metadata, inherited through the prototype chain. */
export function getMetadata<T>(key: MetadataKey<T>, target: object, property?: string | symbol): T | undefined {
  return (property === undefined ? Reflect.getMetadata(key.key, target) : Reflect.getMetadata(key.key, target, property)) as T | undefined;
}
