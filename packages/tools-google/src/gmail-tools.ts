import { type AlterContext, AlterTool } from '@alter/mcp';
import { z } from 'zod';
import { GOOGLE_SCOPES_BY_TOOL } from './google-scopes.js';
import { attachmentNames, type GmailMessage, header, textBody } from './internal/gmail-payload.js';
import { googleJson } from './internal/google-response.js';
import { mapLimit } from './internal/map-limit.js';
import { buildPlainTextMessage, toGmailRaw } from './internal/mime-message.js';

/** Gmail API v1 base (https://developers.google.com/workspace/gmail/api/reference/rest). */
const GMAIL = 'https://gmail.googleapis.com/gmail/v1/users/me';
/** Headers fetched for list views (`format=metadata` keeps the response small). */
const METADATA_HEADERS = ['From', 'To', 'Subject', 'Date'];

const messageId = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9_-]+$/, 'a Gmail message id is letters, digits, "-" and "_"');
const headerSafe = (s: string) => !/[\r\n]/.test(s);

// ---- schemas ---------------------------------------------------------------------------------

const searchEmailsInput = z.object({
  query: z
    .string()
    .max(2000)
    .default('in:inbox')
    .describe('Gmail search query, same syntax as the Gmail search box, e.g. "from:bob is:unread newer_than:7d".'),
  maxResults: z.number().int().min(1).max(50).default(10).describe('How many messages to return (1–50).'),
  pageToken: z.string().max(512).optional().describe('The nextPageToken of a previous search, to get the next page.'),
  includeSpamTrash: z.boolean().default(false).describe('Also search Spam and Trash.'),
});
const messageSummary = z.object({
  id: z.string().describe('Message id (use with get_email).'),
  threadId: z.string().optional().describe('Conversation (thread) id.'),
  from: z.string().optional().describe('From header.'),
  to: z.string().optional().describe('To header.'),
  subject: z.string().optional().describe('Subject header.'),
  date: z.string().optional().describe('Date header as sent.'),
  snippet: z.string().optional().describe('Short plain-text excerpt of the body.'),
  labelIds: z.array(z.string()).optional().describe('Labels such as INBOX, UNREAD, IMPORTANT.'),
});
const searchEmailsOutput = z.object({
  messages: z.array(messageSummary).describe('Matching messages, newest first.'),
  nextPageToken: z.string().optional().describe('Pass as pageToken to get more results.'),
  resultSizeEstimate: z.number().optional().describe("Gmail's estimate of the total number of matches."),
});

const getEmailInput = z.object({
  id: messageId.describe('The message id, from search_emails.'),
  maxBodyChars: z.number().int().min(100).max(200_000).default(20_000).describe('Cut the body after this many characters.'),
});
const getEmailOutput = messageSummary.extend({
  cc: z.string().optional().describe('Cc header.'),
  body: z.string().describe('The text body (the text/plain part, or the text/html part without tags); empty when none.'),
  bodyMimeType: z.enum(['text/plain', 'text/html', 'none']).describe('Which part the body came from.'),
  truncated: z.boolean().describe('True when the body was cut at maxBodyChars.'),
  attachments: z.array(z.string()).describe('File names of attachments (their content is not returned).'),
});

const address = z.email().describe('An email address.');
const sendEmailInput = z.object({
  to: z.array(address).min(1).max(100).describe('Recipients (email addresses).'),
  cc: z.array(address).max(100).optional().describe('Cc recipients.'),
  bcc: z.array(address).max(100).optional().describe('Bcc recipients (not visible to the others).'),
  subject: z.string().max(998).refine(headerSafe, 'must be one line').describe('Subject line (one line).'),
  body: z.string().max(1_000_000).describe('Plain-text body.'),
  threadId: z.string().max(256).optional().describe('Thread id to reply in (from search_emails); also set inReplyTo.'),
  inReplyTo: z
    .string()
    .max(998)
    .refine(headerSafe, 'must be one line')
    .optional()
    .describe('Message-ID header of the message replied to, e.g. "<CAF…@mail.gmail.com>".'),
});
const sendEmailOutput = z.object({
  id: z.string().describe('Id of the sent message.'),
  threadId: z.string().optional().describe('Thread the message belongs to.'),
  labelIds: z.array(z.string()).optional().describe('Labels of the sent message (SENT).'),
});

const summarizeInboxInput = z.object({
  maxMessages: z.number().int().min(1).max(50).default(20).describe('How many unread inbox messages to look at (1–50).'),
});
const summarizeInboxOutput = z.object({
  unreadEstimate: z.number().describe("Gmail's estimate of unread messages in the inbox."),
  examined: z.number().describe('How many messages were looked at.'),
  topSenders: z.array(z.object({ from: z.string(), count: z.number() })).describe('Senders of the examined messages, most frequent first.'),
  messages: z.array(messageSummary).describe('The examined messages.'),
  summary: z.string().describe('One paragraph a model can relay to the user.'),
});

/** Input of `search_emails` (after defaults). */
export type SearchEmailsInput = z.output<typeof searchEmailsInput>;
/** Result of `search_emails`. */
export type SearchEmailsOutput = z.output<typeof searchEmailsOutput>;
/** Input of `get_email`. */
export type GetEmailInput = z.output<typeof getEmailInput>;
/** Result of `get_email`. */
export type GetEmailOutput = z.output<typeof getEmailOutput>;
/** Input of `send_email`. */
export type SendEmailInput = z.output<typeof sendEmailInput>;
/** Result of `send_email`. */
export type SendEmailOutput = z.output<typeof sendEmailOutput>;
/** Input of `summarize_inbox`. */
export type SummarizeInboxInput = z.output<typeof summarizeInboxInput>;
/** Result of `summarize_inbox`. */
export type SummarizeInboxOutput = z.output<typeof summarizeInboxOutput>;

// ---- tools -----------------------------------------------------------------------------------

/**
 * Gmail tools: `search_emails`, `get_email`, `send_email` and `summarize_inbox` (which calls
 * `search_emails` as a nested tool, so its audit rows carry the parent chain).
 *
 * @throws ProviderApiError (code `ALTER_PROVIDER_API`) from a tool method when Google refuses the
 *   call; `@alter/mcp` shows its message to the model. Missing grants and scopes are handled by
 *   `@alter/mcp` (a Connect URL), not here.
 * @example
 * ```ts
 * alter.register(server, [GmailTools]);
 * ```
 */
export class GmailTools {
  @AlterTool('google', {
    name: 'search_emails',
    // Only these: a request elsewhere is refused before the token is read (docs/policies.md).
    endpoints: [
      'GET https://gmail.googleapis.com/gmail/v1/users/me/messages',
      'GET https://gmail.googleapis.com/gmail/v1/users/me/messages/{id}',
    ],
    title: 'Search Gmail',
    description:
      "Search the user's Gmail with Gmail search syntax and return matching messages (sender, subject, date, snippet). Use get_email to read one.",
    input: searchEmailsInput,
    output: searchEmailsOutput,
    scopes: [...GOOGLE_SCOPES_BY_TOOL.search_emails],
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  })
  async searchEmails(ctx: AlterContext, input: SearchEmailsInput): Promise<SearchEmailsOutput> {
    const queryParams: Record<string, string> = {
      q: input.query,
      maxResults: String(input.maxResults),
      includeSpamTrash: String(input.includeSpamTrash),
    };
    if (input.pageToken) queryParams.pageToken = input.pageToken;
    const list = googleJson<{ messages?: Array<{ id: string; threadId?: string }>; nextPageToken?: string; resultSizeEstimate?: number }>(
      await ctx.request('GET', `${GMAIL}/messages`, { queryParams, reason: 'search emails' }),
      'Searching Gmail',
    );
    const ids = list.messages ?? [];
    let done = 0;
    // messages.list returns ids only; one metadata read per message gives sender and subject.
    const messages = await mapLimit(ids, 4, async ({ id }) => {
      const msg = googleJson<GmailMessage>(
        await ctx.request('GET', `${GMAIL}/messages/{id}`, {
          pathParams: { id },
          queryParams: { format: 'metadata', metadataHeaders: METADATA_HEADERS },
          reason: 'read email headers',
        }),
        `Reading Gmail message ${id}`,
      );
      await ctx.progress(++done, ids.length);
      return summarize(msg);
    });
    return {
      messages,
      ...(list.nextPageToken ? { nextPageToken: list.nextPageToken } : {}),
      ...(list.resultSizeEstimate !== undefined ? { resultSizeEstimate: list.resultSizeEstimate } : {}),
    };
  }

  @AlterTool('google', {
    name: 'get_email',
    // Only these: a request elsewhere is refused before the token is read (docs/policies.md).
    endpoints: ['GET https://gmail.googleapis.com/gmail/v1/users/me/messages/{id}'],
    title: 'Read an email',
    description: 'Read one Gmail message: headers, text body and attachment names.',
    input: getEmailInput,
    output: getEmailOutput,
    scopes: [...GOOGLE_SCOPES_BY_TOOL.get_email],
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  })
  async getEmail(ctx: AlterContext, input: GetEmailInput): Promise<GetEmailOutput> {
    const msg = googleJson<GmailMessage>(
      await ctx.request('GET', `${GMAIL}/messages/{id}`, {
        pathParams: { id: input.id },
        queryParams: { format: 'full' },
        reason: 'read email',
      }),
      `Reading Gmail message ${input.id}`,
    );
    const body = textBody(msg.payload);
    const text = body?.text ?? '';
    const cc = header(msg.payload, 'Cc');
    return {
      ...summarize(msg),
      ...(cc ? { cc } : {}),
      body: text.slice(0, input.maxBodyChars),
      bodyMimeType: body?.mimeType ?? 'none',
      truncated: text.length > input.maxBodyChars,
      attachments: attachmentNames(msg.payload),
    };
  }

  @AlterTool('google', {
    name: 'send_email',
    // Only these: a request elsewhere is refused before the token is read (docs/policies.md).
    endpoints: ['POST https://gmail.googleapis.com/gmail/v1/users/me/messages/send'],
    title: 'Send an email',
    description: "Send a plain-text email from the user's Gmail account. The email is sent at once and cannot be unsent.",
    input: sendEmailInput,
    output: sendEmailOutput,
    scopes: [...GOOGLE_SCOPES_BY_TOOL.send_email],
    // Sending adds a message (nothing is overwritten), but each call sends another one.
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  })
  async sendEmail(ctx: AlterContext, input: SendEmailInput): Promise<SendEmailOutput> {
    const raw = toGmailRaw(
      buildPlainTextMessage({
        to: input.to,
        ...(input.cc ? { cc: input.cc } : {}),
        ...(input.bcc ? { bcc: input.bcc } : {}),
        subject: input.subject,
        body: input.body,
        ...(input.inReplyTo ? { inReplyTo: input.inReplyTo } : {}),
      }),
    );
    const sent = googleJson<{ id: string; threadId?: string; labelIds?: string[] }>(
      await ctx.request('POST', `${GMAIL}/messages/send`, {
        json: input.threadId ? { raw, threadId: input.threadId } : { raw },
        reason: 'send email',
      }),
      'Sending the email',
    );
    return {
      id: sent.id,
      ...(sent.threadId ? { threadId: sent.threadId } : {}),
      ...(sent.labelIds ? { labelIds: sent.labelIds } : {}),
    };
  }

  @AlterTool('google', {
    name: 'summarize_inbox',
    // No request of its own: its nested search_emails call has its own endpoints.
    endpoints: [],
    title: 'Summarize unread inbox',
    description: "Summarize the unread messages in the user's Gmail inbox: how many, who sent them, and their subjects.",
    input: summarizeInboxInput,
    output: summarizeInboxOutput,
    scopes: [...GOOGLE_SCOPES_BY_TOOL.summarize_inbox],
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  })
  async summarizeInbox(ctx: AlterContext, input: SummarizeInboxInput): Promise<SummarizeInboxOutput> {
    // A nested tool call: its requests are audited as search_emails with parent summarize_inbox.
    const found = await this.searchEmails(ctx, {
      query: 'in:inbox is:unread',
      maxResults: input.maxMessages,
      includeSpamTrash: false,
    });
    const counts = new Map<string, number>();
    for (const m of found.messages) {
      const from = m.from ?? '(unknown sender)';
      counts.set(from, (counts.get(from) ?? 0) + 1);
    }
    const topSenders = [...counts].map(([from, count]) => ({ from, count })).sort((a, b) => b.count - a.count);
    const unreadEstimate = found.resultSizeEstimate ?? found.messages.length;
    const summary =
      found.messages.length === 0
        ? 'No unread messages in the inbox.'
        : `${unreadEstimate} unread message${unreadEstimate === 1 ? '' : 's'} in the inbox. ` +
          `Most from ${topSenders
            .slice(0, 3)
            .map((s) => `${s.from} (${s.count})`)
            .join(', ')}. ` +
          `Subjects: ${found.messages
            .slice(0, 5)
            .map((m) => `"${m.subject ?? '(no subject)'}"`)
            .join(', ')}${found.messages.length > 5 ? ', …' : ''}.`;
    return { unreadEstimate, examined: found.messages.length, topSenders, messages: found.messages, summary };
  }
}

function summarize(msg: GmailMessage): z.output<typeof messageSummary> {
  const out: z.output<typeof messageSummary> = { id: msg.id };
  if (msg.threadId) out.threadId = msg.threadId;
  for (const [key, name] of [
    ['from', 'From'],
    ['to', 'To'],
    ['subject', 'Subject'],
    ['date', 'Date'],
  ] as const) {
    const value = header(msg.payload, name);
    if (value !== undefined) out[key] = value;
  }
  if (msg.snippet !== undefined) out.snippet = msg.snippet;
  if (msg.labelIds) out.labelIds = [...msg.labelIds];
  return out;
}
