/**
 * Text both stores keep exactly as given. They keep UTF-8, where a lone UTF-16 surrogate cannot
 * exist: PostgreSQL keeps U+FFFD in its place, SQLite keeps bytes that read back as three U+FFFD.
 * PostgreSQL refuses U+0000 in text; SQLite keeps it. Ids that fail this are refused
 * (args.ts `requireIdentifier`); audited strings are stored as {@link toStorableText}.
 */

/** ES2024's String methods: every supported Node (≥ 20.19) has them; the project's lib is ES2023. */
type Es2024String = string & { isWellFormed(): boolean; toWellFormed(): string };

/** False only for a string holding a lone surrogate (a one-byte string cannot: V8 answers at once) or U+0000. */
export function isStorableText(value: string): boolean {
  return (value as Es2024String).isWellFormed() && !value.includes('\u0000');
}

/** `value` with U+FFFD for each lone surrogate and each U+0000: what a store keeps, byte for byte. */
export function toStorableText(value: string): string {
  return (value as Es2024String).toWellFormed().replaceAll('\u0000', '\ufffd');
}
