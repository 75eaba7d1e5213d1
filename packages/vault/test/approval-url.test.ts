/**
 * Issue #16, approval by URL at the vault (docs/approvals.md): a request that needs an approval and
 * has no gate to ask inline (a vault policy rule `approval: 'required'` on a plain `vault.request`)
 * is refused with an approval link (`ApprovalPendingError`), nothing sent; the link's page — served
 * by Connect's real handler on 127.0.0.1 and driven by `SandboxBrowser` cookie jars — shows exactly
 * the request and takes Approve / Deny; the same request made again is then sent (or refused) ONCE.
 * A recording HTTP server says what was sent. Stores: a SQLite file shared by two vaults (as two
 * processes would), SQLite `:memory:`, and PostgreSQL (two vaults on one schema) for the single-use
 * compare-and-set. Every thrown error, page and audit row goes through the leak check.
 */

import { createLeakCheck, type LeakCheck, SandboxBrowser } from '@alter/testing';
import { AlterVault, ApprovalPendingError, ApprovalRefusedError, InvalidArgumentError, type PolicyOptions } from '@alter/vault';
import { CallSecrets, withCallSecrets } from '@alter/vault/internal';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { loopbackProvider, newKey, newToken, type TempDir, tempDir } from './support/fixtures.js';
import { describeWithPostgres } from './support/pg.js';
import { type RecordingServer, startRecordingServer } from './support/recording-server.js';

jest.setTimeout(60_000);

const POLICY: PolicyOptions = {
  rules: [{ name: 'acme-writes-need-approval', match: { provider: 'acme', method: ['POST', 'DELETE'] }, approval: 'required' }],
};

let server: RecordingServer;
let leak: LeakCheck;

beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(async () => {
  await server.close();
});

interface Opened {
  readonly vault: AlterVault;
  readonly connectUrl: string;
}

/**
 * A vault with the approval rule. By default it serves Connect on its own loopback port; with
 * `baseUrl` it serves nothing and links to that one (another process's handler on the same store).
 */
async function openVault(
  store: string,
  key: string,
  options: { ttlMs?: number; listen?: boolean; baseUrl?: string } = {},
): Promise<Opened> {
  const vault = new AlterVault({
    caller: 'approval-url-e2e',
    providers: [loopbackProvider('acme')],
    store,
    encryptionKey: key,
    logger: leak.logger,
    policy: POLICY,
    ...(options.baseUrl !== undefined ? { connect: { baseUrl: options.baseUrl } } : {}),
    ...(options.ttlMs !== undefined ? { approvals: { ttlMs: options.ttlMs } } : {}),
  });
  await vault.ready();
  const connectUrl =
    options.listen === false || options.baseUrl !== undefined ? (options.baseUrl ?? '') : (await vault.connect.listen()).url;
  return { vault, connectUrl };
}

async function putGrant(vault: AlterVault, user = 'alice'): Promise<void> {
  await vault.grants.put({
    user,
    provider: 'acme',
    accessToken: leak.secret(newToken('at'), `access token of ${user}`),
    scopes: ['write'],
  });
}

/** The error a call was refused with (and it goes through the leak check). */
async function thrown(work: Promise<unknown>): Promise<unknown> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  leak.inspect(err, 'thrown error');
  if (err instanceof Error) leak.inspect(err.message, 'error message');
  return err;
}

async function pending(work: Promise<unknown>): Promise<ApprovalPendingError> {
  const err = await thrown(work);
  expect(err).toBeInstanceOf(ApprovalPendingError);
  return err as ApprovalPendingError;
}

const code = (res: Response) => res.headers.get('x-alter-connect-status');
const csrfOf = (html: string) => /name="csrf" value="([^"]*)"/.exec(html)?.[1] ?? '';
const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

/** Opens the link and confirms the interstitial in `browser`; returns the page showing the request. */
async function openAndConfirm(browser: SandboxBrowser, url: string): Promise<string> {
  const first = await browser.fetch(url);
  expect(code(first)).toBe('approval_confirm');
  const interstitial = await first.text();
  leak.inspect(interstitial, 'approval interstitial');
  const confirmed = await browser.fetch(url, form({ csrf: csrfOf(interstitial), action: 'confirm' }));
  expect(confirmed.status).toBe(303);
  const page = await browser.fetch(confirmed.headers.get('location')!);
  expect(code(page)).toBe('approval_pending');
  const html = await page.text();
  leak.inspect(html, 'approval page');
  return html;
}

/** Answers the approval page in `browser` (already confirmed); returns the resulting page. */
async function answer(
  browser: SandboxBrowser,
  url: string,
  html: string,
  action: 'approve' | 'deny',
): Promise<{ code: string | null; html: string }> {
  const res = await browser.fetch(url, form({ csrf: csrfOf(html), action }));
  const body = await res.text();
  leak.inspect(body, `approval page after ${action}`);
  return { code: code(res), html: body };
}

describe('approval by URL (SQLite file shared by two vaults)', () => {
  let tmp: TempDir;
  let a: Opened;
  let b: Opened;
  beforeEach(async () => {
    leak = createLeakCheck();
    tmp = tempDir('alter-approval-url');
    const key = leak.secret(newKey(), 'encryption key');
    a = await openVault(tmp.file('vault.db'), key);
    b = await openVault(tmp.file('vault.db'), key, { baseUrl: a.connectUrl });
    await putGrant(a.vault);
    server.reset();
  });
  afterEach(async () => {
    for (const v of [a.vault, b.vault]) {
      await v.audit.flush();
      leak.inspect(await v.audit.query({ limit: 200 }), 'audit rows');
    }
    await b.vault.close();
    await a.vault.close();
    tmp.remove();
    leak.assertClean();
  });

  const post = (vault: AlterVault, title: string) =>
    vault.request('acme', 'POST', `${server.origin}/issues?access_token=${leak.secret('query-secret-value-abcdef', 'query secret')}`, {
      user: 'alice',
      json: { title, client_secret: 'not-shown-secret-value-4242' },
    });

  it('refuses with a link, shows exactly the request on the page, and sends once after the approval', async () => {
    const err = await pending(post(a.vault, 'Hello'));
    expect(err.code).toBe('ALTER_APPROVAL_PENDING');
    expect(err.approvalUrl).toBe(`${a.connectUrl}/connect/approvals/${err.approvalId}`);
    expect(err.message).toContain(err.approvalUrl);
    expect(err.message).toMatch(/Nothing was sent\.$/);
    expect(server.requests).toHaveLength(0);
    // Asked again before an answer: the same link, not a second approval.
    expect((await pending(post(a.vault, 'Hello'))).approvalId).toBe(err.approvalId);

    const browser = new SandboxBrowser();
    const html = await openAndConfirm(browser, err.approvalUrl);
    expect(html).toContain(`POST ${server.origin}/issues?access_token=%5BREDACTED%5D`);
    expect(html).toContain('&quot;title&quot;: &quot;Hello&quot;');
    expect(html).not.toContain('not-shown-secret-value-4242');
    expect(html).toContain('data-alter-approval-form="approve"');
    const approved = await answer(browser, err.approvalUrl, html, 'approve');
    expect(approved.code).toBe('approval_approved');

    // The retry lands in the OTHER vault (another process on the same store): sent once.
    const res = await post(b.vault, 'Hello');
    expect(res.status).toBe(200);
    expect(server.requests).toHaveLength(1);
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ title: 'Hello', client_secret: 'not-shown-secret-value-4242' });
    await b.vault.audit.flush();
    const [row] = await b.vault.audit.query({ user: 'alice', limit: 1 });
    expect(row).toMatchObject({
      status: 200,
      decision: 'allow',
      policyRule: 'acme-writes-need-approval',
      approval: 'approved',
      approvalBy: 'alice',
      approvalVia: 'url',
    });
    expect(row!.approvalAt).toBeInstanceOf(Date);

    // Replay: the same request again needs a new approval; the used link cannot be approved again.
    const again = await pending(post(b.vault, 'Hello'));
    expect(again.approvalId).not.toBe(err.approvalId);
    expect(server.requests).toHaveLength(1);
    const reused = await answer(browser, err.approvalUrl, html, 'approve');
    expect(reused.code).toBe('approval_used');
    expect((await pending(post(a.vault, 'Hello'))).approvalId).toBe(again.approvalId);
    expect(server.requests).toHaveLength(1);
    expect((await a.vault.audit.verify()).ok).toBe(true);
  });

  it('seals approvals at rest: the body is unreadable in the store, and a forged "approved" record sends nothing', async () => {
    const err = await pending(post(a.vault, 'Sealed body text'));
    const entry = (await a.vault.store.kvGet('approvals', err.approvalId))!;
    expect(entry.value.startsWith('v1.')).toBe(true);
    expect(entry.value).not.toContain('Sealed body text');
    // Someone who can write the database but has no key marks the approval approved, in plain JSON.
    const record = JSON.parse(a.vault.openSecret(entry.value)) as Record<string, unknown>;
    const forged = JSON.stringify({ ...record, status: 'approved', decision: { by: 'mallory', via: 'url', at: new Date().toISOString() } });
    expect(await a.vault.store.kvCompareAndSet('approvals', err.approvalId, entry.version, forged, entry.expiresAt)).toBe(true);
    const retried = await pending(post(b.vault, 'Sealed body text'));
    expect(retried.approvalId).not.toBe(err.approvalId);
    expect(server.requests).toHaveLength(0);
    expect(await a.vault.approvals.get(err.approvalId)).toBeUndefined();
  });

  it("keeps the call's secrets out of the stored approval (as the form elicitation does)", async () => {
    const calls = new CallSecrets();
    const secret = leak.secret(newToken('copied-secret'), 'secret a tool copied into the body');
    calls.add(secret);
    const err = await pending(withCallSecrets(calls, () => post(a.vault, `see ${secret}`)));
    const shown = (await a.vault.approvals.get(err.approvalId))!;
    expect(shown.body).toContain('see [redacted]');
    expect(shown.body).not.toContain(secret);
    expect(server.requests).toHaveLength(0);
  });

  it('needs a new approval for a changed body', async () => {
    const first = await pending(post(a.vault, 'one'));
    const approved = await a.vault.approvals.approve(first.approvalId, { by: 'ops:carol', via: 'cli' });
    expect(approved.ok).toBe(true);
    const changed = await pending(post(a.vault, 'two'));
    expect(changed.approvalId).not.toBe(first.approvalId);
    expect(server.requests).toHaveLength(0);
    // The approval of the first body still sends exactly that body, once.
    expect((await post(a.vault, 'one')).status).toBe(200);
    expect(server.requests.map((r) => (JSON.parse(r.body) as { title: string }).title)).toEqual(['one']);
    await a.vault.audit.flush();
    const [row] = await a.vault.audit.query({ user: 'alice', limit: 1 });
    expect(row).toMatchObject({ status: 200, approval: 'approved', approvalBy: 'ops:carol', approvalVia: 'cli' });
  });

  it('refuses the retry after a deny, audits the decline, and asks anew on the next call', async () => {
    const err = await pending(post(a.vault, 'Nope'));
    const browser = new SandboxBrowser();
    const html = await openAndConfirm(browser, err.approvalUrl);
    const denied = await answer(browser, err.approvalUrl, html, 'deny');
    expect(denied.code).toBe('approval_denied');
    const refused = await thrown(post(b.vault, 'Nope'));
    expect(refused).toBeInstanceOf(ApprovalRefusedError);
    expect((refused as ApprovalRefusedError).reason).toBe('declined');
    expect(server.requests).toHaveLength(0);
    await b.vault.audit.flush();
    const [row] = await b.vault.audit.query({ user: 'alice', limit: 1 });
    expect(row).toMatchObject({
      status: null,
      errorCode: 'ALTER_APPROVAL_REFUSED',
      approval: 'declined',
      approvalBy: 'alice',
      approvalVia: 'url',
      policyRule: 'acme-writes-need-approval',
    });
    expect((await pending(post(a.vault, 'Nope'))).approvalId).not.toBe(err.approvalId);
  });

  it('shows nothing to a forwarded link in another browser, refuses a form without the CSRF token, and another user', async () => {
    const err = await pending(post(a.vault, 'Private'));
    // Before anyone confirmed: the interstitial names the app and the user, never the request.
    const early = await new SandboxBrowser().fetch(err.approvalUrl);
    const earlyHtml = await early.text();
    expect(code(early)).toBe('approval_confirm');
    expect(earlyHtml).not.toContain('Private');
    expect(earlyHtml).not.toContain('/issues');

    const owner = new SandboxBrowser();
    const html = await openAndConfirm(owner, err.approvalUrl);
    const stranger = new SandboxBrowser();
    const seen = await stranger.fetch(err.approvalUrl);
    expect(seen.status).toBe(403);
    expect(code(seen)).toBe('wrong_browser');
    const seenHtml = await seen.text();
    expect(seenHtml).not.toContain('Private');
    // The stranger's own interstitial token cannot rebind, approve or deny it.
    const strangerCsrf = csrfOf(earlyHtml);
    for (const action of ['confirm', 'approve', 'deny']) {
      const res = await stranger.fetch(err.approvalUrl, form({ csrf: strangerCsrf, action }));
      expect(res.status).toBe(403);
    }
    // The owner without the page's token is refused too.
    expect(code(await owner.fetch(err.approvalUrl, form({ action: 'approve' })))).toBe('csrf');
    expect((await a.vault.approvals.get(err.approvalId))?.status).toBe('pending');
    expect(html).toContain('Private');

    // With a signed-in-user hook, a browser signed in as someone else gets nowhere.
    const release = a.vault.connect.useBrowserUser((req) =>
      String(req.headers.cookie ?? '').includes('app_user=alice') ? 'alice' : 'mallory',
    );
    try {
      const other = await pending(post(a.vault, 'Signed'));
      expect(code(await new SandboxBrowser().fetch(other.approvalUrl))).toBe('sign_in_required');
      const alice = new SandboxBrowser();
      alice.acceptSetCookie(a.connectUrl, 'app_user=alice; Path=/');
      await openAndConfirm(alice, other.approvalUrl);
    } finally {
      release();
    }
    expect(server.requests).toHaveLength(0);
  });

  it('lists, approves and denies through vault.approvals, first decision wins, and validates input', async () => {
    const one = await pending(post(a.vault, 'list-1'));
    const two = await pending(post(a.vault, 'list-2'));
    const listed = await b.vault.approvals.list({ user: 'alice', status: 'pending' });
    expect(listed.map((x) => x.id).sort()).toEqual([one.approvalId, two.approvalId].sort());
    const shown = listed.find((x) => x.id === one.approvalId)!;
    expect(shown).toMatchObject({ method: 'POST', provider: 'acme', tool: null, rule: 'acme-writes-need-approval', link: one.approvalUrl });
    expect(shown.url).toBe(`${server.origin}/issues?access_token=%5BREDACTED%5D`);
    leak.inspect(listed, 'approvals list');
    expect(await b.vault.approvals.deny(one.approvalId, { by: 'ops:dan' })).toMatchObject({ ok: true, approval: { status: 'denied' } });
    expect(await a.vault.approvals.approve(one.approvalId, { by: 'ops:erin' })).toMatchObject({ ok: false, reason: 'decided' });
    expect(await a.vault.approvals.approve('x'.repeat(44), { by: 'ops:erin' })).toEqual({ ok: false, reason: 'unknown', approval: null });
    await expect(a.vault.approvals.approve(two.approvalId, { by: '' })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(a.vault.approvals.list({ status: 'nope' as never })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect((await a.vault.approvals.get(one.approvalId))?.decision).toMatchObject({ by: 'ops:dan', via: 'api' });
  });
});

describe('approval by URL: expiry', () => {
  let tmp: TempDir;
  let a: Opened;
  beforeEach(async () => {
    leak = createLeakCheck();
    tmp = tempDir('alter-approval-url-ttl');
    // Long enough to approve in time under load, short enough to wait out.
    a = await openVault(tmp.file('vault.db'), leak.secret(newKey(), 'encryption key'), { ttlMs: 3_000 });
    await putGrant(a.vault);
    server.reset();
  });
  afterEach(async () => {
    await a.vault.audit.flush();
    leak.inspect(await a.vault.audit.query({ limit: 200 }), 'audit rows');
    await a.vault.close();
    tmp.remove();
    leak.assertClean();
  });

  const post = () => a.vault.request('acme', 'DELETE', `${server.origin}/issues/1`, { user: 'alice' });
  /** Waits (a condition, not an assertion on time) until the approval reads as expired. */
  async function untilExpired(id: string): Promise<void> {
    while ((await a.vault.approvals.get(id))?.status !== 'expired') await new Promise((r) => setTimeout(r, 100));
  }

  it('refuses an approval that expired unanswered, then asks anew', async () => {
    const err = await pending(post());
    expect(err.expiresAt.getTime()).toBeGreaterThan(Date.now() - 1);
    const browser = new SandboxBrowser();
    const html = await openAndConfirm(browser, err.approvalUrl);
    await untilExpired(err.approvalId);
    expect((await answer(browser, err.approvalUrl, html, 'approve')).code).toBe('approval_expired');
    expect(await a.vault.approvals.approve(err.approvalId, { by: 'ops' })).toMatchObject({ ok: false, reason: 'expired' });
    const refused = await thrown(post());
    expect((refused as ApprovalRefusedError).reason).toBe('expired');
    expect((refused as Error).message).toMatch(/expired before it was given/);
    expect((await pending(post())).approvalId).not.toBe(err.approvalId);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses an approval given in time but used after the expiry', async () => {
    const err = await pending(post());
    expect((await a.vault.approvals.approve(err.approvalId, { by: 'ops' })).ok).toBe(true);
    await untilExpired(err.approvalId);
    expect(((await thrown(post())) as ApprovalRefusedError).reason).toBe('expired');
    expect(server.requests).toHaveLength(0);
  });
});

describe('approval by URL without a Connect base URL', () => {
  it('fails closed with reason unavailable, naming how to enable links', async () => {
    leak = createLeakCheck();
    const tmp = tempDir('alter-approval-url-nobase');
    const { vault } = await openVault(tmp.file('vault.db'), leak.secret(newKey(), 'encryption key'), { listen: false });
    try {
      await putGrant(vault);
      server.reset();
      const err = await thrown(vault.request('acme', 'POST', `${server.origin}/issues`, { user: 'alice', json: { title: 'x' } }));
      expect((err as ApprovalRefusedError).reason).toBe('unavailable');
      expect((err as Error).message).toMatch(/set connect\.baseUrl or call vault\.connect\.listen\(\)/);
      expect(server.requests).toHaveLength(0);
    } finally {
      await vault.close();
      tmp.remove();
    }
    leak.assertClean();
  });
});

/** Two vaults race to use ONE approval (two processes on one store): exactly one request goes out. */
async function raceOneApproval(stores: { a: string; b: string }, key: string): Promise<void> {
  const a = await openVault(stores.a, key);
  // `:memory:` is one process's store: the race is between concurrent retries in that one vault.
  const b = stores.a === ':memory:' ? a : await openVault(stores.b, key, { baseUrl: a.connectUrl });
  try {
    await putGrant(a.vault, 'race');
    server.reset();
    for (let round = 0; round < 5; round++) {
      // Each round its own body, so the approvals the losers ask for do not answer the next round.
      const post = (v: AlterVault) => v.request('acme', 'POST', `${server.origin}/race`, { user: 'race', json: { round } });
      const err = await pending(post(a.vault));
      expect((await b.vault.approvals.approve(err.approvalId, { by: 'ops' })).ok).toBe(true);
      const outcomes = await Promise.allSettled([post(a.vault), post(b.vault), post(a.vault), post(b.vault)]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(ApprovalPendingError);
      expect(server.requests).toHaveLength(round + 1);
    }
  } finally {
    if (b !== a) await b.vault.close();
    await a.vault.close();
  }
}

describe('single-use under concurrency', () => {
  beforeEach(() => {
    leak = createLeakCheck();
  });
  afterEach(() => {
    leak.assertClean();
  });

  it('SQLite file, two vaults: one approval sends exactly one request', async () => {
    const tmp = tempDir('alter-approval-race');
    try {
      await raceOneApproval({ a: tmp.file('vault.db'), b: tmp.file('vault.db') }, leak.secret(newKey(), 'encryption key'));
    } finally {
      tmp.remove();
    }
  });

  it('SQLite :memory:, concurrent retries in one vault: exactly one request', async () => {
    await raceOneApproval({ a: ':memory:', b: ':memory:' }, leak.secret(newKey(), 'encryption key'));
  });
});

describeWithPostgres('single-use under concurrency (PostgreSQL, two vaults on one schema)', (pg) => {
  it('one approval sends exactly one request', async () => {
    leak = createLeakCheck();
    await raceOneApproval({ a: pg.urlWithSchema, b: pg.urlWithSchema }, leak.secret(newKey(), 'encryption key'));
    leak.assertClean();
  });
});
