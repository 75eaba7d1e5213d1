import { type AlterContext, AlterTool } from '@alter/mcp';
import { z } from 'zod';
import { slackJson } from './internal/slack-response.js';
import { SLACK_SCOPES_BY_TOOL } from './slack-scopes.js';

const postMessageInput = z.object({
  channel: z
    .string()
    .min(1)
    .max(80)
    .regex(/^(#[a-z0-9._-]+|[CGD][A-Z0-9]{2,20})$/, 'a channel id (C0123456789) or "#name"')
    .describe('Channel id (from list_channels) or "#channel-name".'),
  text: z.string().min(1).max(40_000).describe('Message text; Slack mrkdwn (*bold*, _italic_, <https://x|links>) is rendered.'),
  threadTs: z
    .string()
    .regex(/^\d{1,12}(\.\d{1,6})?$/, 'a Slack timestamp such as "1732550400.000100"')
    .optional()
    .describe('Reply in the thread of the message with this ts.'),
  unfurlLinks: z.boolean().default(false).describe('Show previews of linked pages.'),
});
const postMessageOutput = z.object({
  channel: z.string().describe('Id of the channel posted to.'),
  ts: z.string().describe('Timestamp (id) of the new message.'),
  text: z.string().optional().describe('The text as Slack stored it.'),
  threadTs: z.string().optional().describe('Thread the message was posted in, if any.'),
});

/** Input of `post_message` (after defaults). */
export type PostMessageInput = z.output<typeof postMessageInput>;
/** Result of `post_message`. */
export type PostMessageOutput = z.output<typeof postMessageOutput>;

/**
 * Slack message tools: `post_message`.
 *
 * @throws ProviderApiError (code `ALTER_PROVIDER_API`) from a tool method when Slack refuses the
 *   call; `@alter/mcp` shows its message to the model. Missing grants and scopes are handled by
 *   `@alter/mcp` (a Connect URL), not here.
 * @example
 * ```ts
 * alter.register(server, [SlackMessageTools]);
 * ```
 */
export class SlackMessageTools {
  @AlterTool('slack', {
    name: 'post_message',
    // Only these: a request elsewhere is refused before the token is read (docs/policies.md).
    endpoints: ['POST https://slack.com/api/chat.postMessage'],
    title: 'Post to Slack',
    description: 'Post a message to a Slack channel (or a thread) as the user. Everyone in the channel sees it.',
    input: postMessageInput,
    output: postMessageOutput,
    scopes: [...SLACK_SCOPES_BY_TOOL.post_message],
    // Adds a message; each call posts another one.
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  })
  async postMessage(ctx: AlterContext, input: PostMessageInput): Promise<PostMessageOutput> {
    // POST chat.postMessage with a JSON body — https://docs.slack.dev/reference/methods/chat.postMessage
    const json: Record<string, unknown> = { channel: input.channel, text: input.text, unfurl_links: input.unfurlLinks };
    if (input.threadTs) json.thread_ts = input.threadTs;
    const res = slackJson<{ ok: true; channel?: string; ts?: string; message?: { text?: string; thread_ts?: string } }>(
      await ctx.request('POST', 'https://slack.com/api/chat.postMessage', {
        json,
        // Slack wants the charset on JSON bodies, or it warns "missing_charset".
        extraHeaders: { 'Content-Type': 'application/json; charset=utf-8' },
        reason: 'post message',
      }),
      `Posting to Slack channel ${input.channel}`,
    );
    const threadTs = res.message?.thread_ts ?? input.threadTs;
    return {
      channel: res.channel ?? input.channel,
      ts: res.ts ?? '',
      ...(res.message?.text !== undefined ? { text: res.message.text } : {}),
      ...(threadTs ? { threadTs } : {}),
    };
  }
}
