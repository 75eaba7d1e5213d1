/**
 * Issue #16, an attacker's review of approvals by URL (docs/approvals.md, "Threats"): what an
 * approval binds to and what survives someone who can write the database, edit the request between
 * approval and retry, race two answers, or rotate the key; and the `approvalAsker` contract that
 * lets a rule's approval be asked inline (built only when a rule asks). Real parts: a SQLite vault
 * with Connect's handler on 127.0.0.1, `SandboxBrowser` as the user's browser, and a recording
 * HTTP server saying what was sent. Every error, page and audit row goes through the leak check.
 */

import { createLeakCheck, type LeakCheck, SandboxBrowser } from '@alter/testing';
import {
  AlterVault,
  type ApprovalGate,
  ApprovalPendingError,
  ApprovalRefusedError,
  InvalidArgumentError,
  type PolicyOptions,
} from '@alter/vault';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { loopbackProvider, newKey, newToken, type TempDir, tempDir } from './support/fixtures.js';
import { type RecordingServer, startRecordingServer } from './support/recording-server.js';

jest.setTimeout(60_000);

const POLICY: PolicyOptions = {
  rules: [{ name: 'acme-writes-need-approval', match: { provider: 'acme', method: ['POST'] }, approval: 'required' }],
};

let server: RecordingServer;
let leak: LeakCheck;
let tmp: TempDir;
let vault: AlterVault;
let connectUrl: string;

beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  leak = createLeakCheck();
  tmp = tempDir('alter-approval-attacks');
  vault = new AlterVault({
    caller: 'approval-attacks',
    providers: [loopbackProvider('acme')],
    store: tmp.file('vault.db'),
    encryptionKey: leak.secret(newKey(), 'encryption key'),
    logger: leak.logger,
    policy: POLICY,
  });
  await vault.ready();
  connectUrl = (await vault.connect.listen()).url;
  await vault.grants.put({ user: 'alice', provider: 'acme', accessToken: leak.secret(newToken('at'), 'access token'), scopes: ['write'] });
  server.reset();
});
afterEach(async () => {
  await vault.audit.flush();
  leak.inspect(await vault.audit.query({ limit: 200 }), 'audit rows');
  await vault.close();
  tmp.remove();
  leak.assertClean();
});

const post = (title: string, extraHeaders?: Record<string, string>) =>
  vault.request('acme', 'POST', `${server.origin}/issues`, { user: 'alice', json: { title }, ...(extraHeaders ? { extraHeaders } : {}) });

async function pending(work: Promise<unknown>): Promise<ApprovalPendingError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  leak.inspect(err, 'thrown error');
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

/** Opens the link in `browser` and confirms the interstitial; returns the page showing the request. */
async function openAndConfirm(browser: SandboxBrowser, url: string): Promise<string> {
  const interstitial = await (await browser.fetch(url)).text();
  const confirmed = await browser.fetch(url, form({ csrf: csrfOf(interstitial), action: 'confirm' }));
  expect(confirmed.status).toBe(303);
  const page = await browser.fetch(confirmed.headers.get('location')!);
  expect(code(page)).toBe('approval_pending');
  const html = await page.text();
  leak.inspect(html, 'approval page');
  return html;
}

describe('what a database writer without the key can do', () => {
  it('cannot copy an approved record under another id of the same request to have it sent twice', async () => {
    const err = await pending(post('Copy me'));
    expect((await vault.approvals.approve(err.approvalId, { by: 'alice' })).ok).toBe(true);
    // The sealed value, byte for byte, under a fresh id with the same request-key prefix (22 chars).
    const entry = (await vault.store.kvGet('approvals', err.approvalId))!;
    const copyId = `${err.approvalId.slice(0, 22)}${'C'.repeat(22)}`;
    expect(await vault.store.kvCompareAndSet('approvals', copyId, 0, entry.value, entry.expiresAt)).toBe(true);

    expect((await post('Copy me')).status).toBe(200);
    const again = await pending(post('Copy me'));
    expect(again.approvalId).not.toBe(copyId);
    expect(server.requests).toHaveLength(1);
    // The copy reads as absent everywhere: page, list, API.
    expect(await vault.approvals.get(copyId)).toBeUndefined();
    expect((await vault.approvals.list()).map((a) => a.id)).not.toContain(copyId);
    expect(code(await new SandboxBrowser().fetch(`${connectUrl}/connect/approvals/${copyId}`))).toBe('unknown_approval');
  });
});

describe('who can use an approval', () => {
  it("only the same user's request from the same tool: another user's or another tool's identical request gets its own approval", async () => {
    await vault.grants.put({
      user: 'bob',
      provider: 'acme',
      accessToken: leak.secret(newToken('at'), 'bob access token'),
      scopes: ['write'],
    });
    const same = { json: { title: 'Shared title' } };
    const as = (user: string, tool: string | null) => {
      const send = () => vault.request('acme', 'POST', `${server.origin}/issues`, { user, ...same });
      return tool === null ? send() : vault.withAuditContext({ tool, callId: `call-${tool}` }, send);
    };
    const alices = await pending(as('alice', 'open_issue'));
    expect((await vault.approvals.approve(alices.approvalId, { by: 'alice' })).ok).toBe(true);
    // Bob's identical request, then Alice's from another tool and from no tool: none of them uses Alice's approval.
    for (const [user, tool] of [
      ['bob', 'open_issue'],
      ['alice', 'other_tool'],
      ['alice', null],
    ] as const) {
      const other = await pending(as(user, tool));
      expect(other.approvalId).not.toBe(alices.approvalId);
    }
    expect(server.requests).toHaveLength(0);
    expect((await vault.approvals.get(alices.approvalId))?.status).toBe('approved');
    expect((await as('alice', 'open_issue')).status).toBe(200);
    expect(server.requests).toHaveLength(1);
  });
});

describe('what the tool (or a model steering its arguments) can change between approval and retry', () => {
  it('a changed header value (Content-Type: the same bytes read another way) is another request: a new approval, nothing sent', async () => {
    const err = await pending(post('Typed', { 'Content-Type': 'application/json' }));
    expect((await vault.approvals.approve(err.approvalId, { by: 'alice' })).ok).toBe(true);
    const changed = await pending(post('Typed', { 'Content-Type': 'application/x-www-form-urlencoded' }));
    expect(changed.approvalId).not.toBe(err.approvalId);
    expect(server.requests).toHaveLength(0);
    // The approved request, headers and all, is still sent once (header names are case-insensitive).
    expect((await post('Typed', { 'content-type': 'application/json' })).status).toBe(200);
    expect(server.requests.map((r) => r.headers['content-type'])).toEqual(['application/json']);
  });

  it('shows a body the provider may read differently exactly as sent: both duplicate keys, the unrounded number', async () => {
    const raw = '{"title":"Fix a typo","title":"Add mallory as admin","account":9007199254740993}';
    const err = await pending(
      vault.request('acme', 'POST', `${server.origin}/issues`, {
        user: 'alice',
        body: raw,
        extraHeaders: { 'content-type': 'application/json' },
      }),
    );
    const html = await openAndConfirm(new SandboxBrowser(), err.approvalUrl);
    expect(html).toContain('&quot;title&quot;:&quot;Fix a typo&quot;,&quot;title&quot;:&quot;Add mallory as admin&quot;');
    expect(html).toContain('9007199254740993');
    expect(server.requests).toHaveLength(0);
  });

  it('escapes a hostile body on the page: no markup of the request reaches the browser', async () => {
    const err = await pending(post('</pre><script>alert(1)</script><img src=x onerror=alert(2)>'));
    const html = await openAndConfirm(new SandboxBrowser(), err.approvalUrl);
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain('&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(server.requests).toHaveLength(0);
  });
});

describe("a caller's approvalAsker (what ctx.request passes)", () => {
  it('is built only when a rule asks, is asked inline instead of by link, and must be an asker', async () => {
    const asked: string[] = [];
    let built = 0;
    const decline: ApprovalGate = async (request) => {
      asked.push(`${request.method} ${request.body}`);
      return { requestId: request.id, hash: request.hash, outcome: 'declined', by: 'alice', via: 'test', at: new Date() };
    };
    const approvalAsker = {
      approvalGate: () => {
        built += 1;
        return decline;
      },
    };
    // No rule for GET: the asker is not even built.
    expect((await vault.request('acme', 'GET', `${server.origin}/issues`, { user: 'alice', approvalAsker })).status).toBe(200);
    expect(built).toBe(0);
    // The rule asks for the POST: asked through the asker's gate, not by link; declined, nothing sent.
    const err = await vault
      .request('acme', 'POST', `${server.origin}/issues`, { user: 'alice', json: { title: 'Inline' }, approvalAsker })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApprovalRefusedError);
    expect((err as ApprovalRefusedError).reason).toBe('declined');
    expect([built, asked]).toEqual([1, ['POST {\n  "title": "Inline"\n}']]);
    expect(await vault.approvals.list()).toEqual([]);
    expect(server.requests.map((r) => r.method)).toEqual(['GET']);
    await expect(
      vault.request('acme', 'POST', `${server.origin}/issues`, { user: 'alice', approvalAsker: { approvalGate: 'yes' } as never }),
    ).rejects.toThrow(InvalidArgumentError);
  });
});

describe('races between answers', () => {
  it('approve on the page and deny through the API at once: exactly one decision stands, and the retry follows it', async () => {
    for (let round = 0; round < 4; round++) {
      const title = `race ${round}`;
      const err = await pending(post(title));
      const browser = new SandboxBrowser();
      const html = await openAndConfirm(browser, err.approvalUrl);
      const [page, api] = await Promise.all([
        browser.fetch(err.approvalUrl, form({ csrf: csrfOf(html), action: 'approve' })),
        vault.approvals.deny(err.approvalId, { by: 'ops:dan', via: 'cli' }),
      ]);
      const pageWon = code(page) === 'approval_approved';
      expect(pageWon).toBe(!api.ok);
      expect((await vault.approvals.get(err.approvalId))?.status).toBe(pageWon ? 'approved' : 'denied');
      const before = server.requests.length;
      const retried = await post(title).then(
        (r) => r.status,
        (e: unknown) => (e as { code?: string }).code,
      );
      expect(retried).toBe(pageWon ? 200 : 'ALTER_APPROVAL_REFUSED');
      expect(server.requests.length - before).toBe(pageWon ? 1 : 0);
    }
  });
});

describe('rotateKey', () => {
  it('keeps a pending approval: re-sealed under the new key, still answerable, and sent once', async () => {
    const err = await pending(post('Across a rotation'));
    const before = (await vault.store.kvGet('approvals', err.approvalId))!.value;
    const { keyId } = await vault.rotateKey(leak.secret(newKey(), 'new encryption key'));
    const after = (await vault.store.kvGet('approvals', err.approvalId))!.value;
    expect(after.split('.')[1]).toBe(keyId);
    expect(before.split('.')[1]).not.toBe(keyId);
    expect((await vault.approvals.list({ status: 'pending' })).map((a) => a.id)).toEqual([err.approvalId]);
    expect((await vault.approvals.approve(err.approvalId, { by: 'alice' })).ok).toBe(true);
    expect((await post('Across a rotation')).status).toBe(200);
    expect(server.requests).toHaveLength(1);
  });
});
