/** `@Description(text)`: documents a DTO property in the tool's JSON Schema. */
import { DecoratorSiteError, fieldSite } from './decorator-site.js';
import { FIELD_DESCRIPTION } from './metadata-keys.js';
import { defineMetadata } from './metadata-reflect.js';

/**
 * The decorator `@Description` returns: a legacy property decorator (`experimentalDecorators`)
 * or a TC39 standard field decorator.
 */
export interface DescriptionDecorator {
  (target: object, propertyKey: string | symbol): void;
  (value: undefined, context: ClassFieldDecoratorContext): void;
}

/**
 * Adds `description` to a DTO property's JSON Schema (class-validator has no such decorator;
 * `{ context: { description } }` on any validator works too).
 * @throws TypeError for an empty text, or when applied to something that is not a property.
 * @example
 * class SearchInput {
 *   @Description('Gmail search query, e.g. "is:unread"') @IsString() query!: string;
 * }
 */
export function Description(text: string): DescriptionDecorator {
  if (typeof text !== 'string' || text.trim() === '') throw new TypeError('@Description(text): text must be a non-empty string');
  return ((...args: unknown[]): void => {
    let site: ReturnType<typeof fieldSite>;
    try {
      site = fieldSite(args, '@Description');
    } catch (err) {
      if (err instanceof DecoratorSiteError) throw new TypeError(`@Description on ${err.message} ${err.fixes.join(' ')}`);
      throw err;
    }
    defineMetadata(FIELD_DESCRIPTION, text, site.home, site.propertyKey);
  }) as DescriptionDecorator;
}
