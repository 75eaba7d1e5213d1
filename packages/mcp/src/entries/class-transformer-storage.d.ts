// class-transformer ships no declaration for the CommonJS file that holds its @Type() metadata;
// entries/class-validator.ts only hands the module over (optional-deps.ts checks its shape).
declare module 'class-transformer/cjs/storage.js' {
  export const defaultMetadataStorage: unknown;
}
