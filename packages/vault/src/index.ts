// @alter/vault — every export here is public API. Add deliberately.
export * from './errors.js';
