/**
 * The two reflect-metadata keys `@alter/mcp`'s `@AlterTool` writes, read here without importing
 * `@alter/mcp` (`@alter/testing` depends on the vault only). They are namespaced strings, not
 * symbols, precisely so that two copies of a package agree; `test/unit/tool-metadata-keys.test.ts`
 * fails if `@alter/mcp`'s `TOOL_MEMBERS` / `TOOL_METADATA` ever change.
 */

/** The member names decorated on one prototype (`TOOL_MEMBERS.key`). */
export const TOOL_MEMBERS_KEY = 'alter:tools';
/** The frozen metadata of one decorated method (`TOOL_METADATA.key`). */
export const TOOL_METADATA_KEY = 'alter:tool';
