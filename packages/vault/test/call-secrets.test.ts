/**
 * Per-call secret tracking (call-secrets.ts, the seam @alter/mcp redacts tool results through):
 * the vault notes every secret it uses inside `withCallSecrets` — the access token it injects,
 * the refresh token and client secret of a refresh — and the tracker never shows them. Real
 * parts: sandbox OAuth server + fake Gmail, SQLite vault.
 */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '../src/errors.js';
import { withToolCallScope } from '../src/internal-api.js';
import { CallSecrets, REDACTED, noteCallSecret, withCallSecrets } from '../src/call-secrets.js';
import { createHarness, type Harness, pageCode } from './fixtures/connect-harness.js';

const GMAIL_READONLY = 'https://www.googleapis.com/auth/gmail.readonly';
const GMAIL_LIST = 'https://gmail.googleapis.com/gmail/v1/users/me/messages';
const TOKEN = 'tok_9f8e7d6c5b4a39281706f5e4d3c2b1a0';

describe('CallSecrets redaction', () => {
  const secrets = new CallSecrets();
  secrets.add(TOKEN);

  it('redacts the raw token, Bearer, percent-encoded and base64/base64url forms, and a cut-off start', () => {
    const b64 = Buffer.from(TOKEN).toString('base64');
    expect(secrets.redactText(`Authorization: Bearer ${TOKEN}`)).toBe(`Authorization: ${REDACTED}`);
    expect(secrets.redactText(`t=${encodeURIComponent(`${TOKEN}/+`)}`)).not.toContain(TOKEN.slice(0, 12));
    expect(secrets.redactText(`basic ${b64}`)).toMatch(/^basic \[redacted\]=*$/);
    expect(secrets.redactText(Buffer.from(TOKEN).toString('base64url'))).toBe(REDACTED);
    expect(secrets.redactText(Buffer.from(`Bearer ${TOKEN}`).toString('base64'))).toMatch(/^\[redacted\]=*$/);
    expect(secrets.redactText(`cut: ${TOKEN.slice(0, 15)}. Retry.`)).toBe(`cut: ${REDACTED}. Retry.`);
    expect(secrets.redactText('nothing secret here')).toBe('nothing secret here');
  });

  it('redacts deep copies of results: arrays, objects, keys, _meta, toJSON; cuts cycles; leaves numbers', () => {
    const cyclic: Record<string, unknown> = { t: TOKEN };
    cyclic.self = cyclic;
    const input = {
      content: [{ type: 'text', text: `x ${TOKEN}` }],
      structuredContent: { a: { b: [{ c: TOKEN, n: 3, ok: true, nil: null }] }, [TOKEN]: 1 },
      _meta: { 'dev.alter/connect': { url: `https://x.test/?t=${TOKEN}` } },
      date: { toJSON: () => `at ${TOKEN}` },
      cyclic,
    };
    const out = secrets.redact(input);
    expect(JSON.stringify(out)).not.toContain(TOKEN);
    expect(out.structuredContent.a.b[0]).toEqual({ c: REDACTED, n: 3, ok: true, nil: null });
    expect(Object.keys(out.structuredContent)).toContain(REDACTED);
    expect((out as unknown as { cyclic: { self: unknown } }).cyclic.self).toBe(REDACTED);
    expect(input.content[0]!.text).toContain(TOKEN); // the input is not changed
  });

  it('never shows what it holds (JSON, inspect, own properties), ignores short values, and is frozen', () => {
    expect(JSON.stringify(secrets)).toBe('"CallSecrets"');
    expect(inspect(secrets, { showHidden: true, depth: 5 })).not.toContain(TOKEN.slice(0, 8));
    expect(Object.getOwnPropertyNames(secrets)).toEqual([]);
    const short = new CallSecrets();
    short.add('abc');
    expect(short.empty).toBe(true);
    expect(short.redactText('abc')).toBe('abc');
    expect(Object.isFrozen(CallSecrets.prototype)).toBe(true);
  });

  it('noteCallSecret outside a call scope is a no-op; inside, it reaches only that scope', async () => {
    noteCallSecret(TOKEN);
    const a = new CallSecrets();
    const b = new CallSecrets();
    await Promise.all([
      withCallSecrets(a, async () => {
        await new Promise((r) => setTimeout(r, 5));
        noteCallSecret('alpha-call-secret-0123456');
      }),
      withCallSecrets(b, async () => noteCallSecret('bravo-call-secret-0123456')),
    ]);
    expect(a.redactText('alpha-call-secret-0123456 bravo-call-secret-0123456')).toBe(`${REDACTED} bravo-call-secret-0123456`);
    expect(b.redactText('alpha-call-secret-0123456 bravo-call-secret-0123456')).toBe(`alpha-call-secret-0123456 ${REDACTED}`);
    expect(() => withCallSecrets({} as CallSecrets, () => 1)).toThrow(TypeError);
  });
});

describe('the vault notes the secrets it uses for a call', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ providers: ['google'] });
    const s = await h.vault.connect.createSession({ user: 'alice', providers: { google: [GMAIL_READONLY] } });
    expect(pageCode((await h.sandbox.approve(s.url, { login: 'alice' })).body)).toBe('complete');
  });
  afterAll(async () => {
    await h?.collectTokens();
    await h?.close();
    h?.leak.assertClean();
  });

  it('the access token it injected', async () => {
    const { access } = await h.collectTokens();
    const secrets = new CallSecrets();
    expect((await withCallSecrets(secrets, () => h.vault.request('google', 'GET', GMAIL_LIST, { user: 'alice' }))).status).toBe(200);
    expect(secrets.redactText(`x ${access[0]} y`)).toBe(`x ${REDACTED} y`);
  });

  it("withToolCallScope: the call's tracker and the vault's audit context in one entry, the token noted and the row tagged", async () => {
    const { access } = await h.collectTokens();
    const secrets = new CallSecrets();
    const res = await withToolCallScope(h.vault, secrets, { tool: 'scoped_tool', callId: 'call-scoped-1' }, async () => {
      expect(h.vault.currentAuditContext()).toEqual({
        tool: 'scoped_tool',
        declaredTool: 'scoped_tool',
        parentTool: null,
        chain: ['scoped_tool'],
        callId: 'call-scoped-1',
      });
      return h.vault.request('google', 'GET', GMAIL_LIST, { user: 'alice' });
    });
    expect(res.status).toBe(200);
    expect(secrets.redactText(`x ${access[0]} y`)).toBe(`x ${REDACTED} y`);
    const [row] = await h.vault.audit.query({ tool: 'scoped_tool', limit: 1 });
    expect(row).toMatchObject({ tool: 'scoped_tool', callId: 'call-scoped-1', chain: ['scoped_tool'] });
    // Outside, nothing is left of either.
    expect(h.vault.currentAuditContext()).toBeUndefined();
    // Refused, fail closed: a tracker that is not one, an object that is not a vault, a bad context.
    expect(() => withToolCallScope(h.vault, {} as CallSecrets, { tool: 't' }, () => 1)).toThrow(TypeError);
    expect(() => withToolCallScope({} as typeof h.vault, secrets, { tool: 't' }, () => 1)).toThrow(TypeError);
    expect(() => withToolCallScope(h.vault, secrets, { tool: '' }, () => 1)).toThrow(InvalidArgumentError);
  });

  it('on a refresh: the refresh token it sent, the new tokens and the client secret', async () => {
    h.sandbox.faults.rotateRefreshTokens(true);
    const before = await h.collectTokens();
    h.sandbox.faults.expireAccessTokens();
    const secrets = new CallSecrets();
    expect((await withCallSecrets(secrets, () => h.vault.request('google', 'GET', GMAIL_LIST, { user: 'alice' }))).status).toBe(200);
    const after = await h.collectTokens();
    h.sandbox.faults.rotateRefreshTokens(false);
    expect(after.refresh[0]).not.toBe(before.refresh[0]);
    const clientSecret = h.vault.provider('google').clientSecret as string;
    for (const value of [before.refresh[0], after.access[0], after.refresh[0], clientSecret]) {
      expect(secrets.redactText(`[${value}]`)).toBe(`[${REDACTED}]`);
    }
  });
});
