import { defineManifest, type ToolPackManifest } from '@alter/mcp';
import { GOOGLE_SCOPES_BY_TOOL, type GoogleToolName } from './google-scopes.js';

/**
 * The manifest of @alter/tools-google: provider `google`, the Gmail and Calendar API hosts, and
 * the scopes of each tool.
 *
 * @example
 * ```ts
 * import { googleManifest } from '@alter/tools-google';
 * const session = await vault.connect.createSession({
 *   user: 'alice',
 *   providers: { google: [...googleManifest.allScopes] },
 * });
 * ```
 */
export const googleManifest: ToolPackManifest<GoogleToolName> = defineManifest(
  'google',
  ['gmail.googleapis.com', 'www.googleapis.com'],
  GOOGLE_SCOPES_BY_TOOL,
);
