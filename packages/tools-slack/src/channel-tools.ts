import { type AlterContext, AlterTool } from '@alter/mcp';
import { z } from 'zod';
import { slackJson } from './internal/slack-response.js';
import { SLACK_SCOPES_BY_TOOL } from './slack-scopes.js';

const channelId = z
  .string()
  .regex(/^[CGD][A-Z0-9]{2,20}$/, 'a Slack conversation id such as C0123456789 (see list_channels)')
  .describe('Channel id, such as "C0123456789" (from list_channels).');
const slackTs = z.string().regex(/^\d{1,12}(\.\d{1,6})?$/, 'a Slack timestamp such as "1732550400.000100"');

const listChannelsInput = z.object({
  limit: z.number().int().min(1).max(1000).default(100).describe('How many channels to return at most (1–1000).'),
  cursor: z.string().max(512).optional().describe('The nextCursor of a previous call, to get the next page.'),
  excludeArchived: z.boolean().default(true).describe('Leave archived channels out.'),
});
const channel = z.object({
  id: z.string().describe('Channel id (use with read_channel_history and post_message).'),
  name: z.string().describe('Channel name without "#".'),
  isPrivate: z.boolean().optional().describe('True for a private channel.'),
  isArchived: z.boolean().optional().describe('True when archived.'),
  isMember: z.boolean().optional().describe('True when the user is a member.'),
  topic: z.string().optional().describe('Channel topic.'),
  purpose: z.string().optional().describe('Channel purpose.'),
  numMembers: z.number().optional().describe('Number of members.'),
});
const listChannelsOutput = z.object({
  channels: z.array(channel).describe('Public channels of the workspace.'),
  nextCursor: z.string().optional().describe('Pass as cursor to get more; absent on the last page.'),
});

const readHistoryInput = z.object({
  channel: channelId,
  limit: z.number().int().min(1).max(200).default(20).describe('How many messages to return at most (1–200), newest first.'),
  oldest: slackTs.optional().describe('Only messages after this Slack timestamp (seconds since epoch, e.g. "1732550400.000000").'),
  latest: slackTs.optional().describe('Only messages before this Slack timestamp.'),
  cursor: z.string().max(512).optional().describe('The nextCursor of a previous call, to get older messages.'),
});
const message = z.object({
  ts: z.string().describe('Message timestamp; also its id (use as threadTs to reply).'),
  user: z.string().optional().describe('Author user id.'),
  botId: z.string().optional().describe('Bot id, for messages posted by an app.'),
  text: z.string().describe('Message text (Slack mrkdwn).'),
  subtype: z.string().optional().describe('Set for system messages (channel_join, bot_message, …).'),
  threadTs: z.string().optional().describe('Thread parent timestamp, when the message starts or belongs to a thread.'),
  replyCount: z.number().optional().describe('Replies in the thread it starts.'),
});
const readHistoryOutput = z.object({
  messages: z.array(message).describe('Messages, newest first.'),
  hasMore: z.boolean().describe('True when older messages exist.'),
  nextCursor: z.string().optional().describe('Pass as cursor to get older messages.'),
});

/** Input of `list_channels` (after defaults). */
export type ListChannelsInput = z.output<typeof listChannelsInput>;
/** Result of `list_channels`. */
export type ListChannelsOutput = z.output<typeof listChannelsOutput>;
/** Input of `read_channel_history` (after defaults). */
export type ReadChannelHistoryInput = z.output<typeof readHistoryInput>;
/** Result of `read_channel_history`. */
export type ReadChannelHistoryOutput = z.output<typeof readHistoryOutput>;

type Raw = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Slack channel tools: `list_channels` and `read_channel_history` (public channels).
 *
 * @throws ProviderApiError (code `ALTER_PROVIDER_API`) from a tool method when Slack refuses the
 *   call; `@alter/mcp` shows its message to the model. Missing grants and scopes are handled by
 *   `@alter/mcp` (a Connect URL), not here.
 * @example
 * ```ts
 * alter.register(server, [SlackChannelTools]);
 * ```
 */
export class SlackChannelTools {
  @AlterTool('slack', {
    name: 'list_channels',
    // Only these: a request elsewhere is refused before the token is read (docs/policies.md).
    endpoints: ['GET https://slack.com/api/conversations.list'],
    title: 'List Slack channels',
    description: "List the public channels of the user's Slack workspace, with their ids.",
    input: listChannelsInput,
    output: listChannelsOutput,
    scopes: [...SLACK_SCOPES_BY_TOOL.list_channels],
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  })
  async listChannels(ctx: AlterContext, input: ListChannelsInput): Promise<ListChannelsOutput> {
    // GET conversations.list — https://docs.slack.dev/reference/methods/conversations.list
    const queryParams: Record<string, string> = {
      types: 'public_channel',
      exclude_archived: String(input.excludeArchived),
      limit: String(input.limit),
    };
    if (input.cursor) queryParams.cursor = input.cursor;
    const res = slackJson<{ ok: true; channels?: Raw[]; response_metadata?: { next_cursor?: string } }>(
      await ctx.request('GET', 'https://slack.com/api/conversations.list', { queryParams, reason: 'list channels' }),
      'Listing Slack channels',
    );
    const next = res.response_metadata?.next_cursor;
    return {
      channels: (res.channels ?? []).map((c) =>
        compact({
          id: str(c.id) ?? '',
          name: str(c.name) ?? '',
          isPrivate: typeof c.is_private === 'boolean' ? c.is_private : undefined,
          isArchived: typeof c.is_archived === 'boolean' ? c.is_archived : undefined,
          isMember: typeof c.is_member === 'boolean' ? c.is_member : undefined,
          topic: str((c.topic as Raw | undefined)?.value) || undefined,
          purpose: str((c.purpose as Raw | undefined)?.value) || undefined,
          numMembers: typeof c.num_members === 'number' ? c.num_members : undefined,
        }),
      ),
      ...(next ? { nextCursor: next } : {}),
    };
  }

  @AlterTool('slack', {
    name: 'read_channel_history',
    // Only these: a request elsewhere is refused before the token is read (docs/policies.md).
    endpoints: ['GET https://slack.com/api/conversations.history'],
    title: 'Read a Slack channel',
    description: 'Read recent messages of a public Slack channel, newest first.',
    input: readHistoryInput,
    output: readHistoryOutput,
    scopes: [...SLACK_SCOPES_BY_TOOL.read_channel_history],
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  })
  async readChannelHistory(ctx: AlterContext, input: ReadChannelHistoryInput): Promise<ReadChannelHistoryOutput> {
    // GET conversations.history — https://docs.slack.dev/reference/methods/conversations.history
    const queryParams: Record<string, string> = { channel: input.channel, limit: String(input.limit) };
    if (input.oldest) queryParams.oldest = input.oldest;
    if (input.latest) queryParams.latest = input.latest;
    if (input.cursor) queryParams.cursor = input.cursor;
    const res = slackJson<{ ok: true; messages?: Raw[]; has_more?: boolean; response_metadata?: { next_cursor?: string } }>(
      await ctx.request('GET', 'https://slack.com/api/conversations.history', { queryParams, reason: 'read channel history' }),
      `Reading Slack channel ${input.channel}`,
    );
    const next = res.response_metadata?.next_cursor;
    return {
      messages: (res.messages ?? []).map((m) =>
        compact({
          ts: str(m.ts) ?? '',
          user: str(m.user),
          botId: str(m.bot_id),
          text: str(m.text) ?? '',
          subtype: str(m.subtype),
          threadTs: str(m.thread_ts),
          replyCount: typeof m.reply_count === 'number' ? m.reply_count : undefined,
        }),
      ),
      hasMore: res.has_more === true,
      ...(next ? { nextCursor: next } : {}),
    };
  }
}
