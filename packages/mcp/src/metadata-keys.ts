/**
 * Every metadata key @alter/mcp reads or writes, declared once. Keys are namespaced strings, not
 * `Symbol()`s, so two copies of the package (or a bundled and an unbundled one) agree.
 */
import type { ToolMetadata } from './tool-metadata.js';

/** A typed metadata key: the string stored by reflect-metadata plus the type of its value. */
export interface MetadataKey<T> {
  readonly key: string;
  /** Phantom field carrying `T`; never set at runtime. */
  readonly __type?: T;
}

function metadataKey<T>(key: string): MetadataKey<T> {
  return Object.freeze({ key });
}

/** The frozen {@link ToolMetadata} of one decorated method (on the prototype, per property). */
export const TOOL_METADATA: MetadataKey<ToolMetadata> = metadataKey<ToolMetadata>('alter:tool');

/** Names of the members decorated on one prototype (own list per prototype; the scanner walks the chain). */
export const TOOL_MEMBERS: MetadataKey<readonly string[]> = metadataKey<readonly string[]>('alter:tools');

/** A DTO property's description, written by `@Description(text)`. */
export const FIELD_DESCRIPTION: MetadataKey<string> = metadataKey<string>('alter:field:description');

/** TypeScript's emitted parameter types of a method (`emitDecoratorMetadata`). */
export const DESIGN_PARAMTYPES: MetadataKey<readonly unknown[]> = metadataKey<readonly unknown[]>('design:paramtypes');

/** TypeScript's emitted type of a property (`emitDecoratorMetadata`). */
export const DESIGN_TYPE: MetadataKey<unknown> = metadataKey<unknown>('design:type');
