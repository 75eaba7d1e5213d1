/**
 * The approval round of a 2026-07-28 call (approval-round.ts) against a real vault store: a
 * question is sealed into the request state; an answer applies to the request with its hash only,
 * once — the use recorded atomically in the store, so two rounds carrying the same answer (two
 * retries, possibly in two processes) approve one request. PostgreSQL part runs when
 * ALTER_TEST_PG_URL is set (skipped with the reason printed otherwise).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { AlterVault, ApprovalRefusedError, type ApprovalRequest, providers } from '@alter/vault';
import { createLeakCheck } from '@alter/testing';
import { APPROVAL_INPUT_KEY, type ApprovalReply, ApprovalRound } from '../../../src/recovery/approval-round.js';
import { APPROVAL_USE_KV_NAMESPACE, approvalWasUsed, markApprovalUsed } from '../../../src/recovery/approval-use.js';
import { requestStateSealOf } from '../../../src/recovery/request-state-key.js';

const leak = createLeakCheck();
const dirs: string[] = [];
const vaults: AlterVault[] = [];
afterEach(async () => {
  for (const v of vaults.splice(0)) await v.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
afterAll(() => leak.assertClean());

function vaultOn(store: string, encryptionKey: string): AlterVault {
  const vault = new AlterVault({
    caller: 'approval-round-test',
    store,
    encryptionKey,
    logger: leak.logger,
    providers: [
      providers.oauth2({
        id: 'p',
        authorizeUrl: 'https://p.example/authorize',
        tokenUrl: 'https://p.example/token',
        clientId: 'c',
        allowedHosts: ['api.p.example'],
      }),
    ],
  });
  vaults.push(vault);
  return vault;
}

function sqliteVault(): AlterVault {
  const dir = mkdtempSync(path.join(tmpdir(), 'alter-approval-round-'));
  dirs.push(dir);
  return vaultOn(path.join(dir, 'vault.db'), leak.secret(randomBytes(32).toString('base64'), 'encryption key'));
}

function question(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return Object.freeze({
    id: randomUUID(),
    user: 'alice',
    provider: 'p',
    account: null,
    tool: 'post_note',
    method: 'POST',
    url: 'https://api.p.example/notes',
    body: '{\n  "text": "hello"\n}',
    hash: 'a'.repeat(64),
    expiresAt: new Date(Date.now() + 60_000),
    ...overrides,
  });
}

function replyTo(request: ApprovalRequest, action: ApprovalReply['action'] = 'accept'): ApprovalReply {
  return { approvalId: request.id, requestHash: request.hash, provider: request.provider, expiresAt: request.expiresAt, action };
}

async function reasonOf(work: Promise<unknown>): Promise<string> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApprovalRefusedError);
  return (err as ApprovalRefusedError).reason;
}

const binding = { user: 'alice', tool: 'post_note', args: { text: 'hello' } };

describe('ApprovalRound', () => {
  it('without an answer: refuses (nothing sent) and seals the question, with the form text redacted', async () => {
    const vault = sqliteVault();
    const round = new ApprovalRound(vault, leak.logger, undefined);
    const secret = leak.secret('sk_live_0123456789abcdef', 'a secret in the body');
    const asked = question({ body: `{\n  "text": "${secret}"\n}` });
    expect(round.asking).toBe(false);
    expect(await reasonOf(round.gate('alice', 'post_note')(asked))).toBe('failed');
    expect(round.asking).toBe(true);
    const seal = await requestStateSealOf(vault);
    const answer = round.inputRequired(seal, binding, (v) => JSON.parse(JSON.stringify(v).replaceAll(secret, '[REDACTED]')));
    expect(seal.open(answer.requestState, binding)).toEqual({
      kind: 'approval',
      approvalId: asked.id,
      requestHash: asked.hash,
      provider: 'p',
      expiresAt: asked.expiresAt,
    });
    const form = answer.inputRequests[APPROVAL_INPUT_KEY]!;
    expect(form.method).toBe('elicitation/create');
    expect(form.params.message).toBe(
      `post_note wants to send this request to p:\n\nPOST https://api.p.example/notes\n\n{\n  "text": "[REDACTED]"\n}\n\nApprove sending exactly this request once? The approval expires at ${asked.expiresAt.toISOString()}.`,
    );
    leak.inspect(answer, 'input_required');
    // Once stopped at a question, the call asks nothing more.
    expect(await reasonOf(round.gate('alice', 'post_note')(question()))).toBe('failed');
  });

  it('an answer approves the request with its hash, once: a second round with the same answer is refused as replayed', async () => {
    const vault = sqliteVault();
    const asked = question();
    const approved = await new ApprovalRound(vault, leak.logger, replyTo(asked)).gate('alice', 'post_note')({ ...asked, id: randomUUID() });
    expect(approved).toMatchObject({ hash: asked.hash, outcome: 'approved', by: 'alice', via: 'input_required' });
    const again = new ApprovalRound(vault, leak.logger, replyTo(asked));
    expect(await reasonOf(again.gate('alice', 'post_note')(asked))).toBe('replayed');
    expect(again.asking).toBe(false);
  });

  it('a decline and a cancel are answers too (the vault refuses them), and use the approval', async () => {
    const vault = sqliteVault();
    const declined = question();
    expect((await new ApprovalRound(vault, leak.logger, replyTo(declined, 'decline')).gate('bob', 't')(declined)).outcome).toBe('declined');
    const cancelled = question();
    expect((await new ApprovalRound(vault, leak.logger, replyTo(cancelled, 'cancel')).gate('bob', 't')(cancelled)).outcome).toBe(
      'cancelled',
    );
    expect(await reasonOf(new ApprovalRound(vault, leak.logger, replyTo(declined)).gate('bob', 't')(declined))).toBe('replayed');
  });

  it('a request with another hash is not approved: a new question, and the answer stays unused', async () => {
    const vault = sqliteVault();
    const asked = question();
    const round = new ApprovalRound(vault, leak.logger, replyTo(asked));
    expect(await reasonOf(round.gate('alice', 'post_note')(question({ hash: 'b'.repeat(64) })))).toBe('failed');
    expect(round.asking).toBe(true);
    expect(await approvalWasUsed(vault, asked.id)).toBe(false);
    expect(await vault.store.kvGet(APPROVAL_USE_KV_NAMESPACE, asked.id)).toBeUndefined();
  });

  it('an answer past the approval expiry is refused as expired', async () => {
    const vault = sqliteVault();
    const asked = question({ expiresAt: new Date(Date.now() - 1) });
    expect(await reasonOf(new ApprovalRound(vault, leak.logger, replyTo(asked)).gate('alice', 'post_note')(asked))).toBe('expired');
  });

  it('one approval per call: after the answer was used, another request needing approval is refused without a question', async () => {
    const vault = sqliteVault();
    const asked = question();
    const round = new ApprovalRound(vault, leak.logger, replyTo(asked));
    await round.gate('alice', 'post_note')(asked);
    expect(await reasonOf(round.gate('alice', 'post_note')(question({ hash: 'c'.repeat(64) })))).toBe('failed');
    expect(round.asking).toBe(false);
  });
});

const PG_URL = process.env.ALTER_TEST_PG_URL?.trim();
if (!PG_URL) console.log('PostgreSQL part skipped: set ALTER_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run it.');

(PG_URL ? describe : describe.skip)('approval use on PostgreSQL', () => {
  const schema = `alter_approval_use_${randomBytes(6).toString('hex')}`;
  afterAll(() => {
    if (PG_URL) execFileSync('psql', [PG_URL, '-q', '-c', `DROP SCHEMA IF EXISTS "${schema}" CASCADE`], { stdio: 'ignore' });
  });

  it('two vaults (two processes) racing to use one approval: exactly one wins', async () => {
    const store = `${PG_URL}${PG_URL?.includes('?') ? '&' : '?'}schema=${schema}`;
    const key = leak.secret(randomBytes(32).toString('base64'), 'encryption key');
    const a = vaultOn(store, key);
    await a.ready();
    const b = vaultOn(store, key);
    await b.ready();
    const expiresAt = new Date(Date.now() + 60_000);
    for (let i = 0; i < 5; i++) {
      const id = randomUUID();
      const wins = await Promise.all(Array.from({ length: 8 }, (_, n) => markApprovalUsed(n % 2 === 0 ? a : b, id, expiresAt)));
      expect(wins.filter(Boolean)).toHaveLength(1);
    }
  });
});
