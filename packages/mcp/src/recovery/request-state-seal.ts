/**
 * The sealed `requestState` of a 2026-07-28 `input_required` answer (multi-round-trip request).
 * The client echoes it back verbatim on the retried call, so on the way back it is attacker-
 * controlled input (spec: basic/patterns/mrtr, server requirements 4–5). It is sealed with
 * HMAC-SHA256 under the vault's request-state key (request-state-key.ts) and binds:
 *
 *   user     who the call ran as (an HMAC tag of the id, so the state does not carry it in clear)
 *   tool     the tool name
 *   args     SHA-256 of the canonical arguments (canonical-arguments.ts)
 *   expiry   when the question it answers expires (the Connect link's, or the approval's)
 *   and what the question was, by kind:
 *   connect  the Connect session id and provider, so the retry can wait for that very session
 *   approval the approval request id (single use: recorded in the store once used) and the
 *            sha256 of the exact provider request the user is asked to approve (approval-round.ts)
 *
 * One seal for both kinds: the kind is inside the MAC, so a state of one kind never opens as the other.
 * Wire form: `ars1.<base64url(JSON claims)>.<base64url(HMAC(key, "ars1." + claims))>`.
 * Opening checks, in this order: shape → MAC (constant time) → expiry → tool → user (constant
 * time) → arguments; the first failure is the reason of the `RequestStateError`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';
import { RequestStateError } from '../errors.js';
import { argumentsDigest } from './canonical-arguments.js';

const PREFIX = 'ars1.';
/** States Alter issues are ~300 characters; anything far longer is refused before any work. */
const MAX_STATE_LENGTH = 4096;

/** What a state is bound to when sealed and checked against when opened. */
export interface RequestStateBinding {
  readonly user: string;
  readonly tool: string;
  /** The call's arguments as the client sent them. */
  readonly args: unknown;
}

/** What a Connect recovery state carries for the retried call (recovery-answer.ts). */
export interface ConnectStateClaims {
  readonly kind: 'connect';
  readonly sessionId: string;
  readonly provider: string;
  readonly expiresAt: Date;
}

/** What an approval state carries for the retried call (approval-round.ts). */
export interface ApprovalStateClaims {
  readonly kind: 'approval';
  /** The id of the approval request asked; an answer to it is used once. */
  readonly approvalId: string;
  /** sha256 (hex) of the exact request the user was asked to approve. */
  readonly requestHash: string;
  readonly provider: string;
  readonly expiresAt: Date;
}

/** What the state carries for the retried call. */
export type RequestStateClaims = ConnectStateClaims | ApprovalStateClaims;

/**
 * The sealed JSON. A Connect state has no `k` (its wire form predates approvals, so states
 * issued before an upgrade still open); an approval state has `k: 'a'`, its id in `i` and the
 * request hash in `h`.
 */
type WireClaims =
  | { readonly u: string; readonly t: string; readonly a: string; readonly e: number; readonly s: string; readonly p: string }
  | {
      readonly k: 'a';
      readonly u: string;
      readonly t: string;
      readonly a: string;
      readonly e: number;
      readonly i: string;
      readonly h: string;
      readonly p: string;
    };

/** Seals and opens request states with one key. Holds the key in a private field; never prints it. */
export class RequestStateSeal {
  readonly #key: Buffer;
  readonly #now: () => number;

  /** `now` is for tests of expiry; production uses the clock. */
  constructor(key: Buffer, now: () => number = Date.now) {
    if (!Buffer.isBuffer(key) || key.length < 32) throw new TypeError('RequestStateSeal needs a key of at least 32 bytes.');
    this.#key = Buffer.from(key);
    this.#now = now;
  }

  /** A sealed state for `binding`, carrying `claims`. */
  seal(binding: RequestStateBinding, claims: RequestStateClaims): string {
    const bound = { u: this.#userTag(binding.user), t: binding.tool, a: argumentsDigest(binding.args), e: claims.expiresAt.getTime() };
    const wire: WireClaims =
      claims.kind === 'approval'
        ? { k: 'a', ...bound, i: claims.approvalId, h: claims.requestHash, p: claims.provider }
        : { ...bound, s: claims.sessionId, p: claims.provider };
    const body = PREFIX + Buffer.from(JSON.stringify(wire), 'utf8').toString('base64url');
    return `${body}.${this.#mac(body).toString('base64url')}`;
  }

  /**
   * Verifies `state` and checks it against `binding`.
   * @throws RequestStateError with the first reason it fails (malformed, tampered, expired, other-tool, other-user, other-arguments).
   */
  open(state: unknown, binding: RequestStateBinding): RequestStateClaims {
    const refuse = (reason: ConstructorParameters<typeof RequestStateError>[1]) => new RequestStateError(binding.tool, reason);
    if (typeof state !== 'string' || state.length > MAX_STATE_LENGTH || !state.startsWith(PREFIX)) throw refuse('malformed');
    const dot = state.lastIndexOf('.');
    if (dot <= PREFIX.length) throw refuse('malformed');
    const body = state.slice(0, dot);
    const macText = state.slice(dot + 1);
    const sent = Buffer.from(macText, 'base64url');
    // Only the canonical encoding: base64url decoding ignores a last character's spare bits (and
    // stray characters), so other spellings of the same MAC would open too.
    if (sent.toString('base64url') !== macText) throw refuse('tampered');
    const expected = this.#mac(body);
    // Length first: timingSafeEqual throws on unequal lengths (and a MAC's length is public).
    if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) throw refuse('tampered');
    const wire = parseClaims(body.slice(PREFIX.length));
    if (wire === undefined) throw refuse('malformed');
    if (wire.e <= this.#now()) throw refuse('expired');
    if (wire.t !== binding.tool) throw refuse('other-tool');
    if (!equalText(wire.u, this.#userTag(binding.user))) throw refuse('other-user');
    if (wire.a !== argumentsDigest(binding.args)) throw refuse('other-arguments');
    const expiresAt = new Date(wire.e);
    return 'k' in wire
      ? Object.freeze({ kind: 'approval', approvalId: wire.i, requestHash: wire.h, provider: wire.p, expiresAt })
      : Object.freeze({ kind: 'connect', sessionId: wire.s, provider: wire.p, expiresAt });
  }

  #mac(body: string): Buffer {
    return createHmac('sha256', this.#key).update(body, 'utf8').digest();
  }

  /** The user id under the key: equal ids give equal tags, and the state does not show the id. */
  #userTag(user: string): string {
    return createHmac('sha256', this.#key).update(`user\u0000${user}`, 'utf8').digest('base64url');
  }

  toJSON(): { kind: string } {
    return { kind: 'RequestStateSeal' };
  }

  [inspect.custom](): string {
    return 'RequestStateSeal { key: [hidden] }';
  }
}

function equalText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The claims of a MAC-verified body; undefined when they do not have the shape Alter seals. */
function parseClaims(encoded: string): WireClaims | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const c = value as Record<string, unknown>;
  const strings = (...keys: string[]) => keys.every((key) => typeof c[key] === 'string');
  if (!strings('u', 't', 'a', 'p') || typeof c.e !== 'number' || !Number.isFinite(c.e)) return undefined;
  if (!Object.hasOwn(c, 'k')) return strings('s') ? (c as WireClaims) : undefined;
  return c.k === 'a' && strings('i', 'h') ? (c as WireClaims) : undefined;
}
