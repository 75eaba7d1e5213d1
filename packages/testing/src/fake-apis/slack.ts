import type { ResolvedSandboxUser } from '../sandbox-user.js';
import { type FakeApi, type FakeApiErrors, type FakeRequest, type FakeResponse, isRecord, reply } from './fake-api.js';

const TEAM_ID = 'T0SANDBOX';

/** A channel of the fake Slack workspace. */
export interface SlackChannel {
  readonly id: string;
  readonly name: string;
  readonly isPrivate: boolean;
  readonly isGeneral: boolean;
  readonly created: number;
  readonly creator: string;
  /** Slack user ids of the members. */
  readonly members: Set<string>;
  topic: string;
  purpose: string;
}

/** A message in a channel. `ts` is Slack's id: seconds with six decimals, unique per channel. */
export interface SlackMessage {
  readonly type: 'message';
  readonly user: string;
  readonly text: string;
  readonly ts: string;
  readonly thread_ts?: string;
}

/**
 * A fake Slack Web API (`slack.com/api/<method>`): `auth.test`, `conversations.list`,
 * `conversations.history`, `chat.postMessage`. Like the real API it answers errors with HTTP 200
 * and `{ ok: false, error }` — including `not_authed`, `invalid_auth`, `token_expired`,
 * `token_revoked` and `missing_scope` (with `needed` / `provided`) — and rate limits with HTTP 429
 * and `Retry-After`. Arguments come from the query string, a form body or a JSON body. One
 * workspace shared by all users: `#general`, `#random` (public) and `#secret-plans` (private,
 * the first user only).
 */
export class SlackFake {
  readonly #channels: SlackChannel[] = [];
  readonly #messages = new Map<string, SlackMessage[]>();
  #lastTs = Math.floor(Date.UTC(2026, 0, 5) / 1000) * 1_000_000;

  constructor(users: readonly ResolvedSandboxUser[]) {
    const everyone = users.map((u) => u.slackId);
    const first = users[0]?.slackId ?? 'U0SANDBOX';
    this.addChannel({
      id: 'C0GENERAL01',
      name: 'general',
      isPrivate: false,
      isGeneral: true,
      creator: first,
      members: everyone,
      purpose: 'This channel is for workspace-wide communication.',
    });
    this.addChannel({
      id: 'C0RANDOM001',
      name: 'random',
      isPrivate: false,
      isGeneral: false,
      creator: first,
      members: everyone,
      purpose: 'Non-work banter.',
    });
    this.addChannel({
      id: 'G0SECRET001',
      name: 'secret-plans',
      isPrivate: true,
      isGeneral: false,
      creator: first,
      members: [first],
      purpose: '',
    });
    this.addMessage('C0GENERAL01', { user: first, text: 'Welcome to the sandbox workspace!' });
    const second = users[1]?.slackId ?? first;
    this.addMessage('C0GENERAL01', { user: second, text: 'Glad to be here.' });
  }

  /** Every channel (live objects). */
  get channels(): readonly SlackChannel[] {
    return this.#channels;
  }

  /** Messages of a channel, oldest first. */
  messages(channelId: string): readonly SlackMessage[] {
    return [...(this.#messages.get(channelId) ?? [])];
  }

  /** Creates a channel; `members` are Slack user ids (`sandbox.user(login).slackId`). */
  addChannel(c: {
    id: string;
    name: string;
    isPrivate: boolean;
    isGeneral?: boolean;
    creator: string;
    members: readonly string[];
    topic?: string;
    purpose?: string;
  }): SlackChannel {
    const channel: SlackChannel = {
      id: c.id,
      name: c.name,
      isPrivate: c.isPrivate,
      isGeneral: c.isGeneral ?? false,
      created: 1767225600,
      creator: c.creator,
      members: new Set(c.members),
      topic: c.topic ?? '',
      purpose: c.purpose ?? '',
    };
    this.#channels.push(channel);
    this.#messages.set(c.id, []);
    return channel;
  }

  /** Posts a message as `user` (a Slack user id); returns it with its unique `ts`. */
  addMessage(channelId: string, m: { user: string; text: string; thread_ts?: string }): SlackMessage {
    const list = this.#messages.get(channelId);
    if (!list) throw new RangeError(`no channel ${channelId}`);
    // Strictly increasing timestamps, so `ts` is a unique id as in Slack.
    this.#lastTs = Math.max(this.#lastTs + 1, Date.now() * 1000);
    const ts = `${Math.floor(this.#lastTs / 1_000_000)}.${String(this.#lastTs % 1_000_000).padStart(6, '0')}`;
    const msg: SlackMessage = { type: 'message', user: m.user, text: m.text, ts, ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}) };
    list.push(msg);
    return msg;
  }

  /** @internal The routes, for the sandbox's API server. */
  apis(): FakeApi[] {
    return [
      {
        name: 'slack',
        provider: 'slack',
        hosts: ['slack.com'],
        errors: slackErrors,
        routes: [
          { method: '*', path: '/api/auth.test', anyScope: [], handle: (r) => this.#authTest(r) },
          {
            method: '*',
            path: '/api/conversations.list',
            anyScope: ['channels:read', 'groups:read', 'im:read', 'mpim:read'],
            handle: (r) => this.#list(r),
          },
          {
            method: '*',
            path: '/api/conversations.history',
            anyScope: ['channels:history', 'groups:history', 'im:history', 'mpim:history'],
            handle: (r) => this.#history(r),
          },
          { method: 'POST', path: '/api/chat.postMessage', anyScope: ['chat:write'], handle: (r) => this.#post(r) },
        ],
      },
    ];
  }

  #authTest(r: FakeRequest): FakeResponse {
    return ok({
      url: 'https://sandbox.slack.com/',
      team: 'Alter Sandbox',
      user: r.user.login,
      team_id: TEAM_ID,
      user_id: r.user.slackId,
      is_enterprise_install: false,
    });
  }

  #list(r: FakeRequest): FakeResponse {
    const a = argsOf(r);
    if (!a) return fail('invalid_json');
    const types = (str(a.types) ?? 'public_channel')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    if (types.some((t) => !['public_channel', 'private_channel', 'mpim', 'im'].includes(t))) return fail('invalid_types');
    const limit = num(a.limit, 100, 1, 1000);
    if (limit === undefined) return fail('invalid_limit');
    const excludeArchived = str(a.exclude_archived) === 'true' || a.exclude_archived === true;
    void excludeArchived; // no channel of the fake workspace is archived
    const offset = cursorOffset(str(a.cursor));
    if (offset === undefined) return fail('invalid_cursor');
    const visible = this.#channels.filter((c) =>
      c.isPrivate
        ? types.includes('private_channel') && r.scopes.has('groups:read') && c.members.has(r.user.slackId)
        : types.includes('public_channel') && r.scopes.has('channels:read'),
    );
    const page = visible.slice(offset, offset + limit);
    const next = offset + limit < visible.length ? cursorFor(offset + limit) : '';
    return ok({ channels: page.map((c) => this.#channelJson(c, r.user)), response_metadata: { next_cursor: next } });
  }

  #history(r: FakeRequest): FakeResponse {
    const a = argsOf(r);
    if (!a) return fail('invalid_json');
    const channelId = str(a.channel);
    if (!channelId) return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing required field: channel'] } });
    const c = this.#channels.find((x) => x.id === channelId);
    if (!c || (c.isPrivate && !c.members.has(r.user.slackId))) return fail('channel_not_found');
    const needed = c.isPrivate ? 'groups:history' : 'channels:history';
    if (!r.scopes.has(needed)) return missingScope(needed, r.scopes);
    const limit = num(a.limit, 100, 1, 999);
    if (limit === undefined) return fail('invalid_limit');
    const oldest = str(a.oldest);
    const latest = str(a.latest);
    if ((oldest && !/^\d+(\.\d+)?$/.test(oldest)) || (latest && !/^\d+(\.\d+)?$/.test(latest))) return fail('invalid_ts_oldest');
    const offset = cursorOffset(str(a.cursor));
    if (offset === undefined) return fail('invalid_cursor');
    const all = [...(this.#messages.get(c.id) ?? [])]
      .filter((m) => (!oldest || Number(m.ts) > Number(oldest)) && (!latest || Number(m.ts) < Number(latest)))
      .reverse();
    const page = all.slice(offset, offset + limit);
    const hasMore = offset + limit < all.length;
    return ok({
      messages: page.map((m) => ({ ...m, team: TEAM_ID })),
      has_more: hasMore,
      pin_count: 0,
      channel_actions_ts: null,
      channel_actions_count: 0,
      response_metadata: { next_cursor: hasMore ? cursorFor(offset + limit) : '' },
    });
  }

  #post(r: FakeRequest): FakeResponse {
    const a = argsOf(r);
    if (!a) return fail('invalid_json');
    const channelId = str(a.channel);
    if (!channelId) return fail('channel_not_found');
    const text = a.text;
    if (text !== undefined && typeof text !== 'string')
      return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] expected string for field: text'] } });
    if (!text && a.blocks === undefined && a.attachments === undefined) return fail('no_text');
    if (typeof text === 'string' && text.length > 40_000) return fail('msg_too_long');
    const c = this.#channels.find((x) => x.id === channelId || `#${x.name}` === channelId || x.name === channelId);
    if (!c || (c.isPrivate && !c.members.has(r.user.slackId))) return fail('channel_not_found');
    if (!c.members.has(r.user.slackId)) return fail('not_in_channel');
    const threadTs = str(a.thread_ts);
    const msg = this.addMessage(c.id, {
      user: r.user.slackId,
      text: typeof text === 'string' ? text : '',
      ...(threadTs ? { thread_ts: threadTs } : {}),
    });
    return ok({
      channel: c.id,
      ts: msg.ts,
      message: { type: 'message', user: msg.user, text: msg.text, ts: msg.ts, team: TEAM_ID, ...(threadTs ? { thread_ts: threadTs } : {}) },
    });
  }

  #channelJson(c: SlackChannel, viewer: ResolvedSandboxUser): Record<string, unknown> {
    return {
      id: c.id,
      name: c.name,
      is_channel: !c.isPrivate,
      is_group: c.isPrivate,
      is_im: false,
      is_mpim: false,
      is_private: c.isPrivate,
      created: c.created,
      is_archived: false,
      is_general: c.isGeneral,
      unlinked: 0,
      name_normalized: c.name,
      is_shared: false,
      is_org_shared: false,
      is_member: c.members.has(viewer.slackId),
      creator: c.creator,
      topic: { value: c.topic, creator: c.topic ? c.creator : '', last_set: 0 },
      purpose: { value: c.purpose, creator: c.purpose ? c.creator : '', last_set: 0 },
      previous_names: [],
      num_members: c.members.size,
    };
  }
}

const slackErrors: FakeApiErrors = {
  unauthorized: (reason) =>
    fail({ missing: 'not_authed', invalid: 'invalid_auth', expired: 'token_expired', revoked: 'token_revoked' }[reason]),
  forbidden: (route, granted) => missingScope(route.anyScope.join(','), granted),
  notFound: (path) => reply(404, { ok: false, error: 'unknown_method', req_method: path.replace(/^\/api\//, '') }),
  injected: (status, retryAfterSec) =>
    reply(status, { ok: false, error: status === 429 ? 'ratelimited' : 'service_unavailable' }, { 'retry-after': String(retryAfterSec) }),
};

function ok(body: Record<string, unknown>): FakeResponse {
  return reply(200, { ok: true, ...body });
}

/** Slack reports errors with HTTP 200 and `ok: false`. */
function fail(error: string, extra: Record<string, unknown> = {}): FakeResponse {
  return reply(200, { ok: false, error, ...extra });
}

function missingScope(needed: string, granted: ReadonlySet<string>): FakeResponse {
  const provided = [...granted].filter((s) => !['openid', 'offline_access', 'email', 'profile'].includes(s)).join(',');
  return fail('missing_scope', { needed, provided });
}

/** Query string, form body and JSON body merged (body wins), as Slack accepts all three. */
function argsOf(r: FakeRequest): Record<string, unknown> | undefined {
  if (r.bodyMalformed) return undefined;
  const fromQuery = Object.fromEntries(r.query);
  if (r.body === undefined) return fromQuery;
  if (!isRecord(r.body)) return undefined;
  return { ...fromQuery, ...r.body };
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

function num(v: unknown, dflt: number, min: number, max: number): number | undefined {
  if (v === undefined || v === '') return dflt;
  const n = typeof v === 'number' ? v : /^\d+$/.test(String(v)) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n < min) return undefined;
  return Math.min(n, max);
}

function cursorFor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64');
}

function cursorOffset(cursor: string | undefined): number | undefined {
  if (!cursor) return 0;
  const m = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  return m ? Number(m[1]) : undefined;
}
