/** `@Description(text)`: documents a DTO property in the tool's JSON Schema. */
import { FIELD_DESCRIPTION } from './metadata-keys.js';
import { defineMetadata } from './metadata-reflect.js';

/**
 * Adds `description` to a DTO property's JSON Schema (class-validator has no such decorator;
 * `{ context: { description } }` on any validator works too).
 * @example
 * class SearchInput {
 *   @Description('Gmail search query, e.g. "is:unread"') @IsString() query!: string;
 * }
 */
export function Description(text: string): PropertyDecorator {
  if (typeof text !== 'string' || text.trim() === '') throw new TypeError('@Description(text): text must be a non-empty string');
  return (target, propertyKey) => defineMetadata(FIELD_DESCRIPTION, text, target, propertyKey);
}
