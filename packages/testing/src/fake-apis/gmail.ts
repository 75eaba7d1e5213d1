import { randomBytes } from 'node:crypto';
import type { ResolvedSandboxUser } from '../sandbox-user.js';
import { type FakeApi, type FakeRequest, type FakeResponse, intParam, isRecord, reply } from './fake-api.js';
import { googleError, googleErrors } from './google-errors.js';

const READ = [
  'https://mail.google.com/',
  'https://www.googleapis.com/auth/gmail.modify',
  'https://www.googleapis.com/auth/gmail.readonly',
  'https://www.googleapis.com/auth/gmail.metadata',
];
const SEND = [
  'https://mail.google.com/',
  'https://www.googleapis.com/auth/gmail.modify',
  'https://www.googleapis.com/auth/gmail.compose',
  'https://www.googleapis.com/auth/gmail.send',
];
const METADATA_ONLY = 'https://www.googleapis.com/auth/gmail.metadata';

/** One message in a fake mailbox. */
export interface GmailMessage {
  readonly id: string;
  readonly threadId: string;
  labelIds: string[];
  readonly headers: readonly { readonly name: string; readonly value: string }[];
  readonly bodyText: string;
  /** Epoch milliseconds. */
  readonly internalDate: number;
  readonly historyId: string;
}

/** What `GmailFake.addMessage` takes. */
export interface NewGmailMessage {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly body: string;
  readonly labelIds?: readonly string[];
  readonly threadId?: string;
  readonly date?: Date;
}

/**
 * A fake Gmail API v1 (`gmail.googleapis.com/gmail/v1/users/{userId}/messages…`): list (with a
 * small `q` subset: `from:`, `to:`, `subject:`, `is:unread`, `label:`, words), get (formats
 * full, metadata, minimal, raw) and send (RFC 2822 `raw`, delivered to sandbox recipients).
 * Each user has their own mailbox, seeded with three messages.
 */
export class GmailFake {
  readonly #boxes = new Map<string, GmailMessage[]>();
  readonly #users: readonly ResolvedSandboxUser[];
  #history = 1000;

  constructor(users: readonly ResolvedSandboxUser[]) {
    this.#users = users;
    // Recent, relative to start (three, two and one day ago), like a live inbox.
    const base = Date.now() - 3 * 86_400_000;
    for (const [i, u] of users.entries()) {
      const other = users[(i + 1) % users.length] ?? u;
      this.addMessage(u.login, {
        from: `Alter Sandbox <noreply@sandbox.test>`,
        to: u.email,
        subject: 'Welcome to the sandbox',
        body: `Hi ${u.name}, this mailbox is fake.`,
        date: new Date(base),
      });
      this.addMessage(u.login, {
        from: `${other.name} <${other.email}>`,
        to: u.email,
        subject: 'Quarterly report',
        body: 'The numbers are in the attached sheet. Let me know what you think.',
        date: new Date(base + 86_400_000),
      });
      this.addMessage(u.login, {
        from: `${other.name} <${other.email}>`,
        to: u.email,
        subject: 'Lunch tomorrow?',
        body: 'Are you free for lunch tomorrow at noon?',
        labelIds: ['INBOX', 'UNREAD'],
        date: new Date(base + 2 * 86_400_000),
      });
    }
  }

  /** Messages of a user's mailbox, newest first (live objects). */
  messages(login: string): readonly GmailMessage[] {
    return [...(this.#boxes.get(login) ?? [])].sort((a, b) => b.internalDate - a.internalDate);
  }

  /** Puts a message in a user's mailbox (default labels INBOX). */
  addMessage(login: string, m: NewGmailMessage): GmailMessage {
    const id = randomBytes(8).toString('hex');
    const date = m.date ?? new Date();
    const msg: GmailMessage = {
      id,
      threadId: m.threadId ?? id,
      labelIds: [...(m.labelIds ?? ['INBOX'])],
      headers: [
        { name: 'From', value: m.from },
        { name: 'To', value: m.to },
        { name: 'Subject', value: m.subject },
        { name: 'Date', value: date.toUTCString().replace('GMT', '+0000') },
        { name: 'Message-ID', value: `<${id}@sandbox.test>` },
        { name: 'Content-Type', value: 'text/plain; charset="UTF-8"' },
      ],
      bodyText: m.body,
      internalDate: date.getTime(),
      historyId: String(++this.#history),
    };
    let box = this.#boxes.get(login);
    if (!box) {
      box = [];
      this.#boxes.set(login, box);
    }
    box.push(msg);
    return msg;
  }

  /** @internal The routes, for the sandbox's API server. */
  apis(): FakeApi[] {
    return [
      {
        name: 'gmail',
        provider: 'google',
        hosts: ['gmail.googleapis.com', 'www.googleapis.com'],
        errors: googleErrors('gmail.googleapis.com'),
        routes: [
          { method: 'GET', path: '/gmail/v1/users/:userId/messages', anyScope: READ, handle: (r) => this.#list(r) },
          { method: 'GET', path: '/gmail/v1/users/:userId/messages/:id', anyScope: READ, handle: (r) => this.#get(r) },
          { method: 'POST', path: '/gmail/v1/users/:userId/messages/send', anyScope: SEND, handle: (r) => this.#send(r) },
        ],
      },
    ];
  }

  #mailbox(r: FakeRequest): GmailMessage[] | FakeResponse {
    const userId = r.params.userId ?? '';
    if (userId !== 'me' && userId.toLowerCase() !== r.user.email.toLowerCase()) {
      return googleError(403, `Delegation denied for ${r.user.email}`, 'forbidden');
    }
    let box = this.#boxes.get(r.user.login);
    if (!box) {
      box = [];
      this.#boxes.set(r.user.login, box);
    }
    return box;
  }

  #list(r: FakeRequest): FakeResponse {
    const box = this.#mailbox(r);
    if (!Array.isArray(box)) return box;
    const maxResults = intParam(r.query, 'maxResults', 1, 500);
    if (Number.isNaN(maxResults)) return googleError(400, 'Invalid value for "maxResults"', 'invalid');
    const q = r.query.get('q') ?? '';
    if (q && onlyMetadata(r.scopes)) return googleError(403, "Metadata scope does not support 'q' parameter", 'forbidden');
    const labelIds = r.query.getAll('labelIds');
    const offset = Number(r.query.get('pageToken') ?? '0');
    if (!Number.isInteger(offset) || offset < 0) return googleError(400, 'Invalid pageToken', 'invalid');
    const matching = [...box]
      .sort((a, b) => b.internalDate - a.internalDate)
      .filter((m) => labelIds.every((l) => m.labelIds.includes(l)) && matchesQuery(m, q));
    const limit = maxResults ?? 100;
    const page = matching.slice(offset, offset + limit);
    const out: Record<string, unknown> = { resultSizeEstimate: matching.length };
    if (page.length) out.messages = page.map((m) => ({ id: m.id, threadId: m.threadId }));
    if (offset + limit < matching.length) out.nextPageToken = String(offset + limit);
    return reply(200, out);
  }

  #get(r: FakeRequest): FakeResponse {
    const box = this.#mailbox(r);
    if (!Array.isArray(box)) return box;
    const format = r.query.get('format') ?? 'full';
    if (!['full', 'metadata', 'minimal', 'raw'].includes(format)) {
      return googleError(400, `Invalid value at 'format' (type.googleapis.com/google.apps.gmail.v1.Format), "${format}"`, 'invalid');
    }
    if ((format === 'full' || format === 'raw') && onlyMetadata(r.scopes)) {
      return googleError(403, `Metadata scope doesn't allow format ${format.toUpperCase()}`, 'forbidden');
    }
    const msg = box.find((m) => m.id === r.params.id);
    if (!msg) return googleError(404, 'Requested entity was not found.', 'notFound');
    return reply(200, renderMessage(msg, format, r.query.getAll('metadataHeaders')));
  }

  #send(r: FakeRequest): FakeResponse {
    const box = this.#mailbox(r);
    if (!Array.isArray(box)) return box;
    if (r.bodyMalformed) return googleError(400, 'Invalid JSON payload received.', 'parseError');
    const body = r.body;
    if (!isRecord(body) || body.raw === undefined) {
      return googleError(400, "'raw' RFC822 payload message string or uploading message via /upload/* URL required", 'invalidArgument');
    }
    if (typeof body.raw !== 'string' || !/^[A-Za-z0-9_\-+/=\s]*$/.test(body.raw)) {
      return googleError(400, 'Invalid value for ByteString', 'invalidArgument');
    }
    if (body.threadId !== undefined && typeof body.threadId !== 'string')
      return googleError(400, 'Invalid value for "threadId"', 'invalidArgument');
    const { headers, text } = parseRfc822(Buffer.from(body.raw.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
    const recipients = ['to', 'cc', 'bcc']
      .flatMap((h) => (headers.get(h) ?? '').split(','))
      .map(addressOf)
      .filter(Boolean);
    if (recipients.length === 0) return googleError(400, 'Recipient address required', 'invalidArgument');
    if (recipients.some((a) => !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(a))) return googleError(400, `Invalid To header`, 'invalidArgument');
    const subject = headers.get('subject') ?? '';
    const sent = this.addMessage(r.user.login, {
      from: `${r.user.name} <${r.user.email}>`,
      to: headers.get('to') ?? recipients.join(', '),
      subject,
      body: text,
      labelIds: ['SENT'],
      ...(typeof body.threadId === 'string' ? { threadId: body.threadId } : {}),
    });
    for (const address of recipients) {
      const target = this.#users.find((u) => u.email.toLowerCase() === address.toLowerCase());
      if (target)
        this.addMessage(target.login, {
          from: `${r.user.name} <${r.user.email}>`,
          to: address,
          subject,
          body: text,
          labelIds: ['INBOX', 'UNREAD'],
        });
    }
    return reply(200, { id: sent.id, threadId: sent.threadId, labelIds: sent.labelIds });
  }
}

function onlyMetadata(scopes: ReadonlySet<string>): boolean {
  return scopes.has(METADATA_ONLY) && !READ.some((s) => s !== METADATA_ONLY && scopes.has(s));
}

function header(m: GmailMessage, name: string): string {
  return m.headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value ?? '';
}

function matchesQuery(m: GmailMessage, q: string): boolean {
  for (const term of q.split(/\s+/).filter(Boolean)) {
    const [key, ...rest] = term.split(':');
    const value = rest.join(':').toLowerCase();
    if (rest.length && key === 'from' && !header(m, 'From').toLowerCase().includes(value)) return false;
    else if (rest.length && key === 'to' && !header(m, 'To').toLowerCase().includes(value)) return false;
    else if (rest.length && key === 'subject' && !header(m, 'Subject').toLowerCase().includes(value)) return false;
    else if (rest.length && key === 'is' && value === 'unread' && !m.labelIds.includes('UNREAD')) return false;
    else if (rest.length && key === 'label' && !m.labelIds.map((l) => l.toLowerCase()).includes(value)) return false;
    else if (!rest.length && !`${header(m, 'Subject')} ${m.bodyText}`.toLowerCase().includes(term.toLowerCase())) return false;
  }
  return true;
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function renderMessage(m: GmailMessage, format: string, metadataHeaders: readonly string[]): Record<string, unknown> {
  const raw = `${m.headers.map((h) => `${h.name}: ${h.value}`).join('\r\n')}\r\n\r\n${m.bodyText}`;
  const base = {
    id: m.id,
    threadId: m.threadId,
    labelIds: [...m.labelIds],
    snippet: m.bodyText.slice(0, 200),
    sizeEstimate: Buffer.byteLength(raw),
    historyId: m.historyId,
    internalDate: String(m.internalDate),
  };
  if (format === 'minimal') return base;
  if (format === 'raw') return { ...base, raw: base64url(raw) };
  const wanted = metadataHeaders.map((h) => h.toLowerCase());
  const headers = format === 'metadata' && wanted.length ? m.headers.filter((h) => wanted.includes(h.name.toLowerCase())) : m.headers;
  const payload: Record<string, unknown> = { partId: '', mimeType: 'text/plain', filename: '', headers: headers.map((h) => ({ ...h })) };
  payload.body =
    format === 'metadata' ? { size: Buffer.byteLength(m.bodyText) } : { size: Buffer.byteLength(m.bodyText), data: base64url(m.bodyText) };
  return { ...base, payload };
}

function parseRfc822(text: string): { headers: Map<string, string>; text: string } {
  const split = text.search(/\r?\n\r?\n/);
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  // Folded header lines (leading whitespace) continue the previous header.
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return { headers, text: body };
}

function addressOf(entry: string): string {
  const m = /<([^>]+)>/.exec(entry);
  return (m?.[1] ?? entry).trim();
}
