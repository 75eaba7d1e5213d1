import { defineManifest, type ToolPackManifest } from '@alter/mcp';
import { GITHUB_SCOPES_BY_TOOL, type GitHubToolName } from './github-scopes.js';

/**
 * The manifest of @alter/tools-github: provider `github`, host `api.github.com`, and the scopes
 * of each tool.
 *
 * @example
 * ```ts
 * import { githubManifest } from '@alter/tools-github';
 * const providers = { github: [...githubManifest.allScopes] };
 * ```
 */
export const githubManifest: ToolPackManifest<GitHubToolName> = defineManifest('github', ['api.github.com'], GITHUB_SCOPES_BY_TOOL);
