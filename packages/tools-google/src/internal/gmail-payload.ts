/**
 * Reading Gmail's `Message` resource (users.messages.get): headers by name, and the text body
 * from the MIME part tree, whose `body.data` is base64url.
 */

export interface GmailMessagePart {
  readonly partId?: string;
  readonly mimeType?: string;
  readonly filename?: string;
  readonly headers?: ReadonlyArray<{ readonly name: string; readonly value: string }>;
  readonly body?: { readonly size?: number; readonly data?: string; readonly attachmentId?: string };
  readonly parts?: readonly GmailMessagePart[];
}

export interface GmailMessage {
  readonly id: string;
  readonly threadId?: string;
  readonly labelIds?: readonly string[];
  readonly snippet?: string;
  readonly internalDate?: string;
  readonly sizeEstimate?: number;
  readonly payload?: GmailMessagePart;
}

/** The first header with that name (case-insensitive), or undefined. */
export function header(part: GmailMessagePart | undefined, name: string): string | undefined {
  const lower = name.toLowerCase();
  return part?.headers?.find((h) => h.name.toLowerCase() === lower)?.value;
}

/** The first `text/plain` body in the part tree, else the first `text/html` one with tags removed. */
export function textBody(payload: GmailMessagePart | undefined): { text: string; mimeType: 'text/plain' | 'text/html' } | undefined {
  const plain = findPart(payload, 'text/plain');
  if (plain?.body?.data) return { text: decode(plain.body.data), mimeType: 'text/plain' };
  const html = findPart(payload, 'text/html');
  if (html?.body?.data) return { text: stripHtml(decode(html.body.data)), mimeType: 'text/html' };
  return undefined;
}

/** Names of the attachments (parts with a filename). */
export function attachmentNames(payload: GmailMessagePart | undefined): string[] {
  const names: string[] = [];
  const walk = (p: GmailMessagePart | undefined): void => {
    if (!p) return;
    if (p.filename) names.push(p.filename);
    for (const child of p.parts ?? []) walk(child);
  };
  walk(payload);
  return names;
}

function findPart(part: GmailMessagePart | undefined, mimeType: string): GmailMessagePart | undefined {
  if (!part) return undefined;
  if (part.mimeType === mimeType && !part.filename && part.body?.data) return part;
  for (const child of part.parts ?? []) {
    const found = findPart(child, mimeType);
    if (found) return found;
  }
  return undefined;
}

function decode(data: string): string {
  // Gmail uses base64url; Node's decoder also accepts the padded and standard alphabets.
  return Buffer.from(data, 'base64url').toString('utf8');
}

function stripHtml(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>|<\/p>|<\/div>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
