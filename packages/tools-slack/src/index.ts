// @alter/tools-slack — every export here is public API. Add deliberately.
import { SlackChannelTools } from './channel-tools.js';
import { SlackMessageTools } from './message-tools.js';

export { SlackChannelTools } from './channel-tools.js';
export type { ListChannelsInput, ListChannelsOutput, ReadChannelHistoryInput, ReadChannelHistoryOutput } from './channel-tools.js';
export { SlackMessageTools } from './message-tools.js';
export type { PostMessageInput, PostMessageOutput } from './message-tools.js';
export { slackManifest } from './slack-manifest.js';
export { SLACK_CHANNELS_HISTORY, SLACK_CHANNELS_READ, SLACK_CHAT_WRITE, SLACK_SCOPES_BY_TOOL } from './slack-scopes.js';
export type { SlackToolName } from './slack-scopes.js';
export type { ToolPackManifest } from '@alter/mcp';

/** Every tool class of the pack, for `alter.register(server, SlackTools)`. */
export const SlackTools = Object.freeze([SlackChannelTools, SlackMessageTools] as const);
