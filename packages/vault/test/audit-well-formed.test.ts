/**
 * An audited string with a lone UTF-16 surrogate (a tool's `reason`, an audit context's call id,
 * an account label: text a caller chooses). SQLite and PostgreSQL keep text as UTF-8, where a lone
 * surrogate cannot exist: they store U+FFFD in its place. The row must be hashed as it is stored,
 * or verify() reports an intact row as modified — and anyone who can put such a character into an
 * audited field could make an untouched audit log look tampered with. Real stores: a SQLite file
 * and PostgreSQL (own schema).
 *
 * U+0000 likewise: PostgreSQL refuses it in any text, so one audited string holding it failed its
 * batch for good, and the writer (which keeps a failed batch queued) never wrote a later row, nor
 * could close() flush them. Every store now keeps U+FFFD in its place.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { describeOnEachStore } from './support/each-store.js';
import { openVaultWithGrant } from './support/vault-with-grant.js';
import { type RecordingServer, startRecordingServer } from './support/recording-server.js';

let server: RecordingServer;
beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(async () => {
  await server.close();
});

const LONE_HIGH = '\ud800';
const LONE_LOW = '\udfff';

/** A vault on `store` with alice's grant, and the leak check its secrets are registered with. */
const openVault = (store: string) => openVaultWithGrant(store, { caller: 'well-formed', user: 'alice' });

function suite(store: () => string): void {
  it('stores U+FFFD for a lone surrogate, hashes the row as stored, and the chain verifies', async () => {
    const { leak, vault } = await openVault(store());
    try {
      const url = `${server.origin}/items/{id}`;
      // Paired surrogates (an emoji) stay as they are; lone ones become U+FFFD.
      await vault.request('acme', 'GET', url, { user: 'alice', pathParams: { id: '1' }, reason: `before ${LONE_HIGH} after 😀` });
      await vault.withAuditContext({ tool: 'some_tool', callId: `call-${LONE_LOW}` }, () =>
        vault.request('acme', 'GET', url, { user: 'alice', pathParams: { id: '2' }, reason: `${LONE_LOW}${LONE_HIGH}` }),
      );
      await vault.request('acme', 'GET', url, { user: 'alice', pathParams: { id: '3' }, reason: 'plain' });
      const verified = await vault.audit.verify();
      expect(verified).toMatchObject({ ok: true, checked: 3 });
      const rows = (await vault.audit.query({ limit: 10 })).reverse();
      expect(rows.map((r) => r.reason)).toEqual(['before \ufffd after 😀', '\ufffd\ufffd', 'plain']);
      expect(rows[1]?.callId).toBe('call-\ufffd');
      leak.inspect(rows, 'audit rows');
    } finally {
      await vault.close();
    }
    leak.assertClean();
  });

  it('stores U+FFFD for U+0000, and the rows after it are written too', async () => {
    const { leak, vault } = await openVault(store());
    try {
      const url = `${server.origin}/items/{id}`;
      await vault.request('acme', 'GET', url, { user: 'alice', pathParams: { id: '1' }, reason: 'before' });
      await vault.withAuditContext({ tool: 'some_tool', callId: 'call-\u0000' }, () =>
        vault.request('acme', 'GET', url, { user: 'alice', pathParams: { id: '2' }, reason: 'nul \u0000 here' }),
      );
      await vault.request('acme', 'GET', url, { user: 'alice', pathParams: { id: '3' }, reason: 'after' });
      // Everything queued is written (before: the store refused the batch, and flush() threw).
      await vault.audit.flush();
      expect(await vault.audit.verify()).toMatchObject({ ok: true, checked: 3 });
      const rows = (await vault.audit.query({ limit: 10 })).reverse();
      expect(rows.map((r) => r.reason)).toEqual(['before', 'nul \ufffd here', 'after']);
      expect(rows[1]?.callId).toBe('call-\ufffd');
      leak.inspect(rows, 'audit rows');
    } finally {
      await vault.close();
    }
    leak.assertClean();
  });
}

describeOnEachStore('an audited string with a lone surrogate', suite);
