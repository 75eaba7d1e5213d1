/**
 * The Slack OAuth scopes the pack's tools need, per tool (user-token scopes; the tools act as the
 * signed-in user). Reading private channels would need `groups:read` / `groups:history` as well;
 * these tools list and read public channels only.
 */

/** View basic information about public channels. */
export const SLACK_CHANNELS_READ = 'channels:read';
/** View messages and other content in public channels. */
export const SLACK_CHANNELS_HISTORY = 'channels:history';
/** Send messages as the user. */
export const SLACK_CHAT_WRITE = 'chat:write';

/** Tool name (as registered, before any prefix) → the scopes it needs. */
export const SLACK_SCOPES_BY_TOOL = Object.freeze({
  list_channels: Object.freeze([SLACK_CHANNELS_READ]),
  read_channel_history: Object.freeze([SLACK_CHANNELS_HISTORY]),
  post_message: Object.freeze([SLACK_CHAT_WRITE]),
} as const);

/** Names of the tools in @alter/tools-slack. */
export type SlackToolName = keyof typeof SLACK_SCOPES_BY_TOOL;
