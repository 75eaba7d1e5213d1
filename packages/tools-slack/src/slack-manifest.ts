import { defineManifest, type ToolPackManifest } from '@alter/mcp';
import { SLACK_SCOPES_BY_TOOL, type SlackToolName } from './slack-scopes.js';

/**
 * The manifest of @alter/tools-slack: provider `slack`, host `slack.com`, and the scopes of each
 * tool.
 *
 * @example
 * ```ts
 * import { slackManifest } from '@alter/tools-slack';
 * const providers = { slack: [...slackManifest.allScopes] };
 * ```
 */
export const slackManifest: ToolPackManifest<SlackToolName> = defineManifest('slack', ['slack.com'], SLACK_SCOPES_BY_TOOL);
