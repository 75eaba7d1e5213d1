/**
 * Issue #16, human approval at the vault (docs/approvals.md): a request with an
 * `approval` gate is sent only when the gate answers "approved" for that request id and hash,
 * before the expiry, once. A recording HTTP server on 127.0.0.1 says what was sent; real SQLite
 * (and PostgreSQL when ALTER_TEST_PG_URL is set) audit rows, whose hash chain must still verify.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createLeakCheck, type LeakCheck } from '@alter/testing';
import {
  AlterVault,
  type ApprovalAnswer,
  type ApprovalGate,
  ApprovalRefusedError,
  type ApprovalRequest,
  InvalidArgumentError,
} from '@alter/vault';
import { loopbackProvider, newKey, newToken, tempDir, type TempDir } from './support/fixtures.js';
import { describeWithPostgres } from './support/pg.js';
import { type RecordingServer, startRecordingServer } from './support/recording-server.js';

let server: RecordingServer;
let tmp: TempDir;
let leak: LeakCheck;

beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(async () => {
  await server.close();
});

async function openVault(store: string, approvals?: { ttlMs: number }): Promise<AlterVault> {
  const vault = new AlterVault({
    caller: 'approval-e2e',
    providers: [loopbackProvider('acme')],
    store,
    encryptionKey: leak.secret(newKey(), 'encryption key'),
    logger: leak.logger,
    ...(approvals ? { approvals } : {}),
  });
  await vault.grants.put({ user: 'alice', provider: 'acme', accessToken: leak.secret(newToken('at'), 'access token'), scopes: ['write'] });
  return vault;
}

/** A gate that records what it was shown and answers with `outcome` for exactly that request. */
function answering(outcome: ApprovalAnswer['outcome'], shown: ApprovalRequest[] = []): ApprovalGate {
  return async (request) => {
    shown.push(request);
    return { requestId: request.id, hash: request.hash, outcome, by: 'alice', via: 'elicitation', at: new Date() };
  };
}

async function refusal(work: Promise<unknown>): Promise<ApprovalRefusedError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  leak.inspect(err, 'thrown error');
  expect(err).toBeInstanceOf(ApprovalRefusedError);
  return err as ApprovalRefusedError;
}

describe('approval gate (SQLite)', () => {
  let vault: AlterVault;
  beforeEach(async () => {
    tmp = tempDir();
    leak = createLeakCheck();
    vault = await openVault(tmp.file('vault.db'));
    server.reset();
  });
  afterEach(async () => {
    leak.inspect(await vault.audit.query({ limit: 100 }), 'audit rows');
    await vault.close();
    tmp.remove();
    leak.assertClean();
  });

  it('shows method, redacted URL and body summary, sends once when approved, and audits who, how and when', async () => {
    const shown: ApprovalRequest[] = [];
    const url = `${server.origin}/issues?access_token=${leak.secret('query-secret-value-123456', 'query secret')}`;
    const res = await vault.request('acme', 'POST', url, {
      user: 'alice',
      json: { title: 'Hi', client_secret: 'do-not-show-this-value-98765' },
      approval: answering('approved', shown),
    });
    expect(res.status).toBe(200);
    expect(server.requests).toHaveLength(1);
    expect(shown).toHaveLength(1);
    const [req] = shown;
    expect(req!.method).toBe('POST');
    // Redacted exactly as in the audit row.
    expect(req!.url).toBe(`${server.origin}/issues?access_token=%5BREDACTED%5D`);
    expect(req!.body).toContain('"title": "Hi"');
    expect(req!.body).not.toContain('do-not-show-this-value-98765');
    expect(req!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(req!.expiresAt.getTime() - Date.now()).toBeGreaterThan(4 * 60_000);
    await vault.audit.flush();
    const [row] = await vault.audit.query({ user: 'alice' });
    expect(row).toMatchObject({ url: req!.url, status: 200, approval: 'approved', approvalBy: 'alice', approvalVia: 'elicitation' });
    expect(row!.approvalAt).toBeInstanceOf(Date);
    expect((await vault.audit.verify()).ok).toBe(true);
  });

  it('sends nothing when declined and audits the decline', async () => {
    const err = await refusal(
      vault.request('acme', 'POST', `${server.origin}/issues`, { user: 'alice', json: { title: 'Hi' }, approval: answering('declined') }),
    );
    expect(err.reason).toBe('declined');
    expect(err.code).toBe('ALTER_APPROVAL_REFUSED');
    expect(err.message).toMatch(/the user declined it\. Nothing was sent\.$/);
    expect(server.requests).toHaveLength(0);
    await vault.audit.flush();
    const [row] = await vault.audit.query({ user: 'alice' });
    expect(row).toMatchObject({
      status: null,
      errorCode: 'ALTER_APPROVAL_REFUSED',
      approval: 'declined',
      approvalBy: 'alice',
      approvalVia: 'elicitation',
    });
    expect((await vault.audit.verify()).ok).toBe(true);
  });

  it('refuses an approval given for another request (changed body): a changed request needs a new approval', async () => {
    const shown: ApprovalRequest[] = [];
    await vault.request('acme', 'POST', `${server.origin}/issues`, {
      user: 'alice',
      json: { title: 'Hi' },
      approval: answering('approved', shown),
    });
    // The same request again with another body gets a new request id and hash: the first answer does not fit.
    const first = shown[0]!;
    const replay: ApprovalGate = async (request) => {
      expect(request.hash).not.toBe(first.hash);
      return { requestId: request.id, hash: first.hash, outcome: 'approved', by: 'alice', via: 'elicitation', at: new Date() };
    };
    const err = await refusal(
      vault.request('acme', 'POST', `${server.origin}/issues`, { user: 'alice', json: { title: 'Changed' }, approval: replay }),
    );
    expect(err.reason).toBe('mismatch');
    expect(server.requests).toHaveLength(1);
  });

  it('refuses a replayed answer (an earlier request id)', async () => {
    let earlier: ApprovalAnswer | undefined;
    const keep: ApprovalGate = async (request) =>
      (earlier = { requestId: request.id, hash: request.hash, outcome: 'approved', by: 'alice', via: 'elicitation', at: new Date() });
    await vault.request('acme', 'POST', `${server.origin}/issues`, { user: 'alice', json: { title: 'Hi' }, approval: keep });
    const err = await refusal(
      vault.request('acme', 'POST', `${server.origin}/issues`, { user: 'alice', json: { title: 'Hi' }, approval: async () => earlier! }),
    );
    expect(err.reason).toBe('mismatch');
    expect(server.requests).toHaveLength(1);
  });

  it('fails closed when the gate throws', async () => {
    const err = await refusal(
      vault.request('acme', 'POST', `${server.origin}/issues`, {
        user: 'alice',
        approval: async () => {
          throw new Error('client went away');
        },
      }),
    );
    expect(err.reason).toBe('failed');
    expect(server.requests).toHaveLength(0);
  });

  it('rejects a bad approvals.ttlMs with a clear error', () => {
    expect(
      () =>
        new AlterVault({
          caller: 'x',
          providers: [loopbackProvider('acme')],
          store: tmp.file('other.db'),
          encryptionKey: newKey(),
          approvals: { ttlMs: 0 },
        }),
    ).toThrow(InvalidArgumentError);
  });
});

describe('approval expiry', () => {
  it('refuses an answer that arrives after approvals.ttlMs and sends nothing', async () => {
    tmp = tempDir();
    leak = createLeakCheck();
    const vault = await openVault(tmp.file('vault.db'), { ttlMs: 50 });
    server.reset();
    try {
      const late: ApprovalGate = async (request) => {
        // Answer only once the expiry has passed (a condition, not a fixed sleep).
        while (Date.now() <= request.expiresAt.getTime()) await new Promise((r) => setTimeout(r, 20));
        return { requestId: request.id, hash: request.hash, outcome: 'approved', by: 'alice', via: 'elicitation', at: new Date() };
      };
      const err = await refusal(
        vault.request('acme', 'POST', `${server.origin}/issues`, { user: 'alice', json: { title: 'Hi' }, approval: late }),
      );
      expect(err.reason).toBe('expired');
      expect(server.requests).toHaveLength(0);
    } finally {
      await vault.close();
      tmp.remove();
    }
    leak.assertClean();
  });
});

describeWithPostgres('approval audit rows (PostgreSQL)', (pg) => {
  it('stores and reads back the approval and keeps the chain verifiable', async () => {
    leak = createLeakCheck();
    const vault = await openVault(pg.urlWithSchema);
    server.reset();
    try {
      await vault.request('acme', 'POST', `${server.origin}/issues`, {
        user: 'alice',
        json: { title: 'Hi' },
        approval: answering('approved'),
      });
      await refusal(
        vault.request('acme', 'POST', `${server.origin}/issues`, { user: 'alice', json: { title: 'No' }, approval: answering('declined') }),
      );
      await vault.audit.flush();
      const rows = await vault.audit.query({ user: 'alice' });
      expect(rows.map((r) => r.approval).sort()).toEqual(['approved', 'declined']);
      expect(rows.every((r) => r.approvalBy === 'alice' && r.approvalVia === 'elicitation' && r.approvalAt instanceof Date)).toBe(true);
      expect((await vault.audit.verify()).ok).toBe(true);
      expect(server.requests).toHaveLength(1);
    } finally {
      await vault.close();
    }
    leak.assertClean();
  });
});
