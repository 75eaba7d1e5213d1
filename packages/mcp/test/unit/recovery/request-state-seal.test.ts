/**
 * The sealed request state of a 2026-07-28 input_required answer (issue #12): HMAC-SHA256 over
 * the user, tool, argument digest and expiry; opening refuses anything else, with the reason.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { RequestStateError } from '@alter/mcp';
import { argumentsDigest, canonicalJson } from '../../../src/recovery/canonical-arguments.js';
import { RequestStateSeal } from '../../../src/recovery/request-state-seal.js';

const key = randomBytes(32);
const binding = { user: 'alice@example.com', tool: 'list_emails', args: { query: 'from:bob', max: 5, labels: ['a', 'b'] } };
const claims = {
  kind: 'connect' as const,
  sessionId: 'sess_0123456789',
  provider: 'google',
  expiresAt: new Date(Date.UTC(2026, 10, 30, 12, 0, 0)),
};
const before = claims.expiresAt.getTime() - 60_000;

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RequestStateError);
    expect((e as RequestStateError).code).toBe('ALTER_MCP_REQUEST_STATE');
    return (e as RequestStateError).reason;
  }
  throw new Error('expected a RequestStateError');
}

describe('RequestStateSeal', () => {
  const seal = new RequestStateSeal(key, () => before);

  it('opens what it sealed, for the same user, tool and arguments (in any key order)', () => {
    const state = seal.seal(binding, claims);
    const reordered = { labels: ['a', 'b'], max: 5, query: 'from:bob' };
    expect(seal.open(state, { ...binding, args: reordered })).toEqual(claims);
  });

  it('refuses another user, tool or arguments, naming which', () => {
    const state = seal.seal(binding, claims);
    expect(reasonOf(() => seal.open(state, { ...binding, user: 'mallory@example.com' }))).toBe('other-user');
    expect(reasonOf(() => seal.open(state, { ...binding, tool: 'send_email' }))).toBe('other-tool');
    expect(reasonOf(() => seal.open(state, { ...binding, args: { ...binding.args, max: 6 } }))).toBe('other-arguments');
    expect(reasonOf(() => seal.open(state, { ...binding, args: { ...binding.args, extra: true } }))).toBe('other-arguments');
    expect(reasonOf(() => seal.open(state, { ...binding, args: { ...binding.args, labels: ['b', 'a'] } }))).toBe('other-arguments');
  });

  it('refuses a state at or after its expiry', () => {
    const state = seal.seal(binding, claims);
    expect(reasonOf(() => new RequestStateSeal(key, () => claims.expiresAt.getTime()).open(state, binding))).toBe('expired');
    expect(reasonOf(() => new RequestStateSeal(key, () => claims.expiresAt.getTime() + 1).open(state, binding))).toBe('expired');
    expect(new RequestStateSeal(key, () => claims.expiresAt.getTime() - 1).open(state, binding)).toEqual(claims);
  });

  it('refuses every single-character change, a swapped MAC, and a state sealed with another key', () => {
    const state = seal.seal(binding, claims);
    for (let i = 0; i < state.length; i++) {
      const changed = state.slice(0, i) + (state[i] === 'x' ? 'y' : 'x') + state.slice(i + 1);
      if (changed === state) continue;
      expect([i, reasonOf(() => seal.open(changed, binding))]).toEqual([i, expect.stringMatching(/^(tampered|malformed)$/)]);
    }
    const other = new RequestStateSeal(randomBytes(32), () => before);
    expect(reasonOf(() => other.open(state, binding))).toBe('tampered');
    // Claims of one state with the MAC of another.
    const second = seal.seal({ ...binding, tool: 'summarize_inbox' }, claims);
    const spliced = `${state.slice(0, state.lastIndexOf('.'))}${second.slice(second.lastIndexOf('.'))}`;
    expect(reasonOf(() => seal.open(spliced, binding))).toBe('tampered');
  });

  it('refuses another spelling of the same MAC (a last character differing only in spare bits)', () => {
    const state = seal.seal(binding, claims);
    const mac = state.slice(state.lastIndexOf('.') + 1);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const same = [...alphabet].filter(
      (c) => c !== mac.at(-1) && Buffer.from(mac.slice(0, -1) + c, 'base64url').equals(Buffer.from(mac, 'base64url')),
    );
    // A 32-byte MAC is 43 characters; the last carries 4 bits, so 3 other characters decode the same.
    expect(same).toHaveLength(3);
    for (const c of same) expect(reasonOf(() => seal.open(state.slice(0, -1) + c, binding))).toBe('tampered');
    expect(reasonOf(() => seal.open(`${state}=`, binding))).toBe('tampered');
  });

  it('refuses a forged state with the expiry pushed out (claims changed, MAC kept)', () => {
    const state = seal.seal(binding, claims);
    const [prefix, body, mac] = state.split('.');
    const wire = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as { e: number };
    wire.e += 86_400_000;
    const forged = `${prefix}.${Buffer.from(JSON.stringify(wire)).toString('base64url')}.${mac}`;
    expect(reasonOf(() => new RequestStateSeal(key, () => claims.expiresAt.getTime() + 1).open(forged, binding))).toBe('tampered');
  });

  it('refuses values that are not its states: wrong type, wrong prefix, no MAC, oversized', () => {
    for (const bad of [
      undefined,
      null,
      42,
      { state: 'x' },
      '',
      'ars1.',
      'ars1..',
      'ars2.e30.AAAA',
      'ars1.e30',
      `ars1.${'A'.repeat(5000)}.AAAA`,
    ]) {
      expect([bad, reasonOf(() => seal.open(bad, binding))]).toEqual([bad, expect.stringMatching(/^(malformed|tampered)$/)]);
    }
  });

  it('carries neither the user id nor the arguments in clear, and never shows its key', () => {
    const state = seal.seal(binding, claims);
    const decoded = Buffer.from(state.split('.')[1]!, 'base64url').toString('utf8');
    expect(decoded).not.toContain('alice');
    expect(decoded).not.toContain('from:bob');
    const hex = key.toString('hex');
    const b64 = key.toString('base64');
    for (const view of [inspect(seal, { showHidden: true, depth: 5 }), JSON.stringify(seal), String(seal), state]) {
      expect(view).not.toContain(hex);
      expect(view).not.toContain(b64);
      expect(view).not.toContain(key.toString('base64url'));
    }
  });

  it('seals and opens an approval question; the kind is under the MAC, so neither kind opens as the other', () => {
    const approval = {
      kind: 'approval' as const,
      approvalId: '7f1c9a52-0c8e-4d7e-9d1b-5b2f0e6a4c11',
      requestHash: 'ab'.repeat(32),
      provider: 'github',
      expiresAt: claims.expiresAt,
    };
    const state = seal.seal(binding, approval);
    expect(seal.open(state, binding)).toEqual(approval);
    expect(reasonOf(() => seal.open(state, { ...binding, args: { ...binding.args, max: 6 } }))).toBe('other-arguments');
    // Rewriting the claims into the other kind (MAC kept) is tampering.
    const [prefix, body, mac] = state.split('.');
    const wire = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const { k: _k, i, h: _h, ...rest } = wire;
    const asConnect = `${prefix}.${Buffer.from(JSON.stringify({ ...rest, s: i })).toString('base64url')}.${mac}`;
    expect(reasonOf(() => seal.open(asConnect, binding))).toBe('tampered');
  });

  it('refuses MAC-valid claims of an unknown kind or missing approval fields as malformed', () => {
    // Sealed by a key we hold, so only the shape check can refuse them.
    const forge = (wire: Record<string, unknown>): string => {
      const sealed = seal.seal(binding, claims);
      const base = JSON.parse(Buffer.from(sealed.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
      const body = `ars1.${Buffer.from(JSON.stringify({ ...base, ...wire })).toString('base64url')}`;
      return `${body}.${createHmac('sha256', key).update(body, 'utf8').digest('base64url')}`;
    };
    expect(reasonOf(() => seal.open(forge({ k: 'x', i: 'id', h: 'hash' }), binding))).toBe('malformed');
    expect(reasonOf(() => seal.open(forge({ k: 'a', i: 'id' }), binding))).toBe('malformed');
    expect(seal.open(forge({ k: 'a', i: 'id', h: 'hash' }), binding)).toMatchObject({
      kind: 'approval',
      approvalId: 'id',
      requestHash: 'hash',
    });
  });

  it('needs a key of at least 32 bytes', () => {
    expect(() => new RequestStateSeal(randomBytes(16))).toThrow('at least 32 bytes');
  });
});

describe('argumentsDigest', () => {
  it('is the same for the same arguments in any key order, at every depth', () => {
    expect(argumentsDigest({ a: 1, b: { c: [1, { e: 2, d: 3 }] } })).toBe(argumentsDigest({ b: { c: [1, { d: 3, e: 2 }] }, a: 1 }));
    expect(canonicalJson({ b: 1, a: { d: 1, c: 2 } })).toBe('{"a":{"c":2,"d":1},"b":1}');
  });

  it('differs for any changed value, type, array order, or added field; treats missing args as {}', () => {
    const base = argumentsDigest({ q: 'x', n: 1 });
    for (const other of [{ q: 'y', n: 1 }, { q: 'x', n: '1' }, { q: 'x', n: 1, z: null }, { q: 'x' }, [1, 2], 'x'])
      expect(argumentsDigest(other)).not.toBe(base);
    expect(argumentsDigest([1, 2])).not.toBe(argumentsDigest([2, 1]));
    expect(argumentsDigest(undefined)).toBe(argumentsDigest({}));
  });

  it('hashes a "__proto__" key as an ordinary field', () => {
    const withProto = JSON.parse('{"__proto__":{"admin":true},"q":"x"}') as unknown;
    expect(canonicalJson(withProto)).toBe('{"__proto__":{"admin":true},"q":"x"}');
    expect(argumentsDigest(withProto)).not.toBe(argumentsDigest({ q: 'x' }));
  });
});
