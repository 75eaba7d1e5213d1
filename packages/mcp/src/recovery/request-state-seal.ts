/**
 * The sealed `requestState` of a 2026-07-28 `input_required` answer (multi-round-trip request).
 * The client echoes it back verbatim on the retried call, so on the way back it is attacker-
 * controlled input (spec: basic/patterns/mrtr, server requirements 4–5). It is sealed with
 * HMAC-SHA256 under the vault's request-state key (request-state-key.ts) and binds:
 *
 *   user     who the call ran as (an HMAC tag of the id, so the state does not carry it in clear)
 *   tool     the tool name
 *   args     SHA-256 of the canonical arguments (canonical-arguments.ts)
 *   expiry   the Connect session's expiry (the state is useless once the link is)
 *   session  the Connect session id and provider, so the retry can wait for that very session
 *
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

/** What the state carries for the retried call. */
export interface RequestStateClaims {
  readonly sessionId: string;
  readonly provider: string;
  readonly expiresAt: Date;
}

interface WireClaims {
  readonly u: string;
  readonly t: string;
  readonly a: string;
  readonly e: number;
  readonly s: string;
  readonly p: string;
}

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
    const wire: WireClaims = {
      u: this.#userTag(binding.user),
      t: binding.tool,
      a: argumentsDigest(binding.args),
      e: claims.expiresAt.getTime(),
      s: claims.sessionId,
      p: claims.provider,
    };
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
    const sent = Buffer.from(state.slice(dot + 1), 'base64url');
    const expected = this.#mac(body);
    // Length first: timingSafeEqual throws on unequal lengths (and a MAC's length is public).
    if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) throw refuse('tampered');
    const wire = parseClaims(body.slice(PREFIX.length));
    if (wire === undefined) throw refuse('malformed');
    if (wire.e <= this.#now()) throw refuse('expired');
    if (wire.t !== binding.tool) throw refuse('other-tool');
    if (!equalText(wire.u, this.#userTag(binding.user))) throw refuse('other-user');
    if (wire.a !== argumentsDigest(binding.args)) throw refuse('other-arguments');
    return Object.freeze({ sessionId: wire.s, provider: wire.p, expiresAt: new Date(wire.e) });
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
  const c = value as Partial<WireClaims> | null;
  if (c === null || typeof c !== 'object') return undefined;
  const strings = [c.u, c.t, c.a, c.s, c.p].every((v) => typeof v === 'string');
  return strings && typeof c.e === 'number' && Number.isFinite(c.e) ? (c as WireClaims) : undefined;
}
