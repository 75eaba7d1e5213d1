/**
 * Ids the stores cannot keep as given: a lone UTF-16 surrogate (PostgreSQL keeps UTF-8 text and
 * reads U+FFFD in its place, so `"eve\ud800"` acted with the grants of `"eve\ufffd"`) and U+0000
 * (PostgreSQL refuses it — a StoreError — while SQLite keeps it, so the same id failed one way on
 * one store and another way on the other). Every entry that takes a user, account or record id
 * refuses them with one InvalidArgumentError, before the store or the provider is asked; a
 * Connect login whose subject holds one stores nothing. Real stores (a SQLite file, PostgreSQL in
 * its own schema), the loopback API server, and the sandbox's OAuth server for the login.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AlterVault, InvalidArgumentError } from '@alter/vault';
import { createHarness, pageCode } from './fixtures/connect-harness.js';
import { describeOnEachStore } from './support/each-store.js';
import { openVaultWithGrant } from './support/vault-with-grant.js';
import { loopbackProvider, newKey, newToken, tempDir } from './support/fixtures.js';
import { type RecordingServer, startRecordingServer } from './support/recording-server.js';

let server: RecordingServer;
beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(async () => {
  await server.close();
});

const LONE_HIGH = '\ud800';
const NUL = '\u0000';

/** The InvalidArgumentError `run` rejects or throws with (undefined when it does not). */
async function refusal(run: () => Promise<unknown>): Promise<InvalidArgumentError | undefined> {
  try {
    await run();
  } catch (err) {
    if (err instanceof InvalidArgumentError) return err;
    throw err;
  }
  return undefined;
}

function expectRefused(err: InvalidArgumentError | undefined, argument: string): void {
  expect(err).toBeInstanceOf(InvalidArgumentError);
  expect(err).toMatchObject({ code: 'ALTER_INVALID_ARGUMENT', argument });
  expect(err?.message).toContain('without U+0000 or an unpaired UTF-16 surrogate');
}

/** A vault on `store` with a grant for the user `eve\ufffd` (what PostgreSQL makes of `eve\ud800`). */
const openVault = (store: string) => openVaultWithGrant(store, { caller: 'identifier-storable', user: 'eve\ufffd' });

function suite(store: () => string): void {
  it('a user id with a lone surrogate is refused; it never acts with the grant of the id U+FFFD stands in for', async () => {
    const { leak, vault } = await openVault(store());
    try {
      const before = server.requests.length;
      const err = await refusal(() => vault.request('acme', 'GET', `${server.origin}/me`, { user: `eve${LONE_HIGH}` }));
      expectRefused(err, 'options.user');
      // Nothing was sent. Before: on PostgreSQL the request went out with eve\ufffd's token;
      // SQLite keeps the bytes apart and answered GRANT_NOT_FOUND.
      expect(server.requests.length).toBe(before);
      leak.inspect(err, 'refusal');
      // The rightful user is unaffected.
      expect((await vault.request('acme', 'GET', `${server.origin}/me`, { user: 'eve\ufffd' })).status).toBe(200);
    } finally {
      await vault.close();
    }
    leak.assertClean();
  });

  it('U+0000 in a user or account id is refused the same way on every store', async () => {
    const { leak, vault } = await openVault(store());
    try {
      const url = `${server.origin}/me`;
      // Before: PostgreSQL failed with ALTER_STORE (it refuses U+0000), SQLite with GRANT_NOT_FOUND.
      expectRefused(await refusal(() => vault.request('acme', 'GET', url, { user: `alice${NUL}` })), 'options.user');
      expectRefused(
        await refusal(() => vault.request('acme', 'GET', url, { user: 'eve\ufffd', account: `work${NUL}` })),
        'options.account',
      );
      expectRefused(await refusal(() => vault.grants.list({ user: `alice${NUL}` })), 'filter.user');
      expectRefused(await refusal(() => vault.grants.revoke({ user: `alice${NUL}`, provider: 'acme' })), 'selector.user');
      expectRefused(await refusal(() => vault.grants.revoke({ id: `g${NUL}` })), 'selector.id');
      expectRefused(await refusal(() => vault.audit.query({ user: `alice${NUL}` })), 'filter.user');
      expectRefused(await refusal(() => vault.approvals.list({ user: `alice${NUL}` })), 'filter.user');
    } finally {
      await vault.close();
    }
    leak.assertClean();
  });

  it('grants.put refuses such a user or account and stores nothing', async () => {
    const { leak, vault } = await openVault(store());
    try {
      const accessToken = leak.secret(newToken('id-put'), 'access token');
      for (const [input, argument] of [
        [{ user: `mallory${LONE_HIGH}` }, 'input.user'],
        [{ user: `mallory${NUL}` }, 'input.user'],
        [{ user: 'mallory', account: `x${LONE_HIGH}` }, 'input.account'],
      ] as const) {
        const err = await refusal(() => vault.grants.put({ provider: 'acme', accessToken, scopes: [], ...input }));
        expectRefused(err, argument);
        leak.inspect(err, 'refusal');
      }
      // Before: SQLite stored them (a lone surrogate as bytes that read back as three U+FFFD, so
      // the grant named another user); PostgreSQL stored U+FFFD for it and refused U+0000 with ALTER_STORE.
      expect((await vault.grants.list()).map((g) => g.user)).toEqual(['eve\ufffd']);
    } finally {
      await vault.close();
    }
    leak.assertClean();
  });
}

describeOnEachStore('ids the stores cannot keep as given', suite);

describe('Connect links for such a user', () => {
  const dir = tempDir('alter-identifier-storable');
  afterAll(() => dir.remove());

  it('createSession and createGrantsLink refuse it', async () => {
    const vault = new AlterVault({
      caller: 'identifier-storable',
      providers: [loopbackProvider('acme')],
      store: dir.file('connect.db'),
      encryptionKey: newKey(),
      connect: { baseUrl: 'http://127.0.0.1:9' },
    });
    try {
      expectRefused(await refusal(() => vault.connect.createSession({ user: `eve${LONE_HIGH}`, providers: { acme: [] } })), 'user');
      expectRefused(await refusal(() => vault.connect.createGrantsLink({ user: `eve${NUL}` })), 'user');
    } finally {
      await vault.close();
    }
  });
});

describe('a Connect login whose subject the stores cannot keep as given', () => {
  for (const [label, sub] of [
    ['a lone surrogate', `alice${LONE_HIGH}`],
    ['U+0000', `alice${NUL}`],
  ] as const) {
    it(`stores nothing and fails the session (${label})`, async () => {
      const h = await createHarness({ sandbox: { users: [{ login: 'mallory', sub, email: 'mallory@sandbox.test' }] } });
      try {
        // No user named: the grant would land for `google:<subject>`.
        const session = await h.vault.connect.createSession({ providers: { google: [] } });
        const page = await h.sandbox.approve(session.url, { login: 'mallory' });
        expect(pageCode(page.body)).toBe('provider_error');
        expect(await h.vault.connect.get(session.id)).toMatchObject({ status: 'failed', error: { reason: 'provider_error' } });
        expect(await h.vault.grants.list({ includeRevoked: true })).toEqual([]);
        await h.collectTokens();
        h.leak.assertClean();
      } finally {
        await h.close();
      }
    });
  }
});

describe('a Connect login whose subject is blank', () => {
  // A provider's identity reader may pass on what the provider says (Slack's authed_user.id is
  // taken as given), and a custom identity() may return anything. Before, each such login became
  // the one user "github:" and overwrote the last one's grant.
  for (const [label, subject] of [
    ['empty', ''],
    ['only spaces', '   '],
  ] as const) {
    it(`stores nothing and fails the session (${label})`, async () => {
      const h = await createHarness({ providers: ['github'], identity: async () => ({ subject }) });
      try {
        const session = await h.vault.connect.createSession({ providers: { github: [] } });
        const page = await h.sandbox.approve(session.url, { login: 'alice' });
        expect(pageCode(page.body)).toBe('provider_error');
        expect(await h.vault.connect.get(session.id)).toMatchObject({ status: 'failed', error: { reason: 'provider_error' } });
        expect(await h.vault.grants.list({ includeRevoked: true })).toEqual([]);
        h.leak.assertClean();
      } finally {
        await h.close();
      }
    });
  }
});
